"""The page must work on an intranet: nothing may be loaded from an outside address."""

import re
from importlib import resources
from pathlib import Path

URL = re.compile(r"https?://[^\s\"'<>)]+")
# Identifiers that look like addresses but are never fetched: XML namespace names used by
# the SVG renderer, and licence links inside comments of vendored files.
NOT_FETCHED = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/2000/xmlns/",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.apache.org/licenses/LICENSE-2.0",
    "http://www.apache.org/licenses/",
    "https://github.com/ecomfe/zrender/blob/master/LICENSE.txt",
    "https://github.com/d3/d3",
}


def _static() -> Path:
    return Path(str(resources.files("renkou").joinpath("web/static")))


def test_own_page_files_have_no_addresses() -> None:
    for name in ("index.html", "app.js", "app.css"):
        text = (_static() / name).read_text(encoding="utf-8")
        assert not URL.findall(text), name


def test_vendored_files_only_namespace_and_licence_identifiers() -> None:
    for path in _static().rglob("*"):
        if path.is_file() and path.suffix in {".js", ".css", ".html", ".json", ".geojson"}:
            found = set(URL.findall(path.read_text(encoding="utf-8", errors="ignore")))
            assert found <= NOT_FETCHED, (path, found - NOT_FETCHED)


def test_assets_referenced_by_page_are_shipped() -> None:
    html = (_static() / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert (_static() / ref).is_file(), ref
    fonts = Path(str(resources.files("renkou").joinpath("data/fonts")))
    assert (fonts / "renkou-sans.woff2").is_file()
    assert (_static() / "vendor" / "ECHARTS-LICENSE.txt").is_file()
    assert (_static() / "geo" / "LICENSE.txt").is_file()
