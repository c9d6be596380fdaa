"""Hostile files for the limit tests."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

_SST = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
_SST_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            "sharedStrings")


def huge_shared_string_xlsx(path: Path, columns: list[str], mib: int = 300) -> Path:
    """A real XLSX (openpyxl's, with a shared-strings part added) whose first data cell is
    one shared string of ``mib`` MiB: a few hundred KB on disk."""
    plain = path.with_suffix(".plain.xlsx")
    pd.DataFrame({c: ["X"] for c in columns}).to_excel(plain, index=False)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" '
                                    f'ContentType="{_SST}"/></Types>'.encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>",
                                    f'<Relationship Id="rIdSS" Type="{_SST_REL}" '
                                    'Target="sharedStrings.xml"/></Relationships>'.encode())
            elif info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="A2" t="inlineStr"><is><t>X</t></is></c>',
                              b'<c r="A2" t="s"><v>0</v></c>', data)
            dst.writestr(info.filename, data)
        with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                     b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
                     b"<si><t>")
            block = b"A" * (1 << 20)
            for _ in range(mib):
                fh.write(block)
            fh.write(b"</t></si></sst>")
    plain.unlink()
    return path
