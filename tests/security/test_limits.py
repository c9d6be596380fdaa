"""Limits on what a delivery may cost, checked before the memory is spent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from renkou.errors import InputError
from renkou.registry.ingest import ingest_directory
from renkou.registry.store import Store
from renkou.settings import Settings
from renkou.tables import read_table

from .conftest import counts
from .hostile import huge_shared_string_xlsx


def _residence_headers(small: Path) -> list[str]:
    return list(read_table(small / "police_residence_2020.xlsx").columns)


@pytest.mark.slow
def test_hostile_xlsx_is_refused_in_bounded_memory(tmp_path: Path, small: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    shutil.copy(small / "hrss_employment.csv", feed / "hrss_employment.csv")
    bomb = huge_shared_string_xlsx(feed / "police_residence_bomb.xlsx",
                                   _residence_headers(small))
    assert bomb.stat().st_size < 400_000
    with pytest.raises(InputError, match="解压后"):
        read_table(bomb)  # every reader of XLSX (imports of forms too) checks first
    db = tmp_path / "r.duckdb"
    # The child reports its own peak (VmHWM belongs to its address space; rusage would
    # count the forking test process's memory too).
    script = ("import sys\nfrom renkou.cli.main import main\n"
              f"code = main(['registry', 'ingest', '--quiet', '--db', {str(db)!r}, "
              f"{str(feed)!r}])\n"
              "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
              "print('PEAK', hwm.split()[1], file=sys.stderr)\nsys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2, done.stderr
    assert "police_residence_bomb.xlsx" in done.stderr and "解压后" in done.stderr
    peak_kib = int(done.stderr.split("PEAK")[1].split()[0])
    assert peak_kib < 500 * 1024  # the whole process under 500 MB
    assert counts(db).get("rec_hrss_employment", 0) == 0


def test_long_text_run_is_refused_under_the_size_limit(tmp_path: Path, small: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    huge_shared_string_xlsx(feed / "police_residence_long.xlsx", _residence_headers(small), 3)
    with Store(tmp_path / "r.duckdb") as store, pytest.raises(InputError, match="单元格文本"):
        ingest_directory(store, feed)


def test_file_size_and_row_limits(tmp_path: Path, small: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    head, *rows = (small / "hrss_employment.csv").read_text(encoding="utf-8").splitlines()
    body = [rows[0].replace("E001", f"E{i:06d}") for i in range(20_000)]
    (feed / "hrss_employment_big.csv").write_text("\n".join([head, *body]) + "\n",
                                                  encoding="utf-8")
    with Store(tmp_path / "a.duckdb", settings=Settings(max_file_mb=1)) as store, \
            pytest.raises(InputError, match="超过上限 1 MB"):
        ingest_directory(store, feed)
    with Store(tmp_path / "b.duckdb", settings=Settings(max_rows=1000)) as store, \
            pytest.raises(InputError, match=r"多于 1000 行.*超过每个文件的上限 1000 行"):
        ingest_directory(store, feed)
    assert counts(tmp_path / "b.duckdb").get("rec_hrss_employment", 0) == 0


def _over_limit_csv(path: Path, small: Path, rows: int) -> Path:
    head, row = (small / "hrss_employment.csv").read_text(encoding="utf-8").splitlines()[:2]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head + "\n")
        block = (row + "\n") * 10_000
        for _ in range(rows // 10_000):
            fh.write(block)
    return path


def _ingest_peak(db: Path, feed: Path, max_rows: int) -> tuple[int, str]:
    """Exit code and stderr of ``renkou registry ingest`` in a child that reports its own
    peak memory (VmHWM, KiB) on the last line."""
    script = ("import sys\nfrom renkou.cli.main import main\n"
              f"code = main(['registry', 'ingest', '--quiet', '--db', {str(db)!r}, "
              f"{str(feed)!r}])\n"
              "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
              "print('PEAK', hwm.split()[1], file=sys.stderr)\nsys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "RENKOU_MAX_ROWS": str(max_rows),
                                            # One reading thread: with more, how far the
                                            # scan runs ahead of the limit depends on the
                                            # machine's load, and so does the peak.
                                            "RENKOU_DUCKDB_THREADS": "1"})
    return done.returncode, done.stderr


@pytest.mark.slow
def test_row_limit_is_checked_while_reading_in_bounded_memory(tmp_path: Path,
                                                              small: Path) -> None:
    """A CSV of three million rows (about 180 MB) against a limit of 1,000: the reader
    stops at row 1,001, so the refusing process costs what a small over-limit file costs —
    not the file (loading it whole first took about 280 MB more)."""
    limit = 1_000
    tiny, big = tmp_path / "tiny", tmp_path / "big"
    tiny.mkdir()
    big.mkdir()
    _over_limit_csv(tiny / "hrss_employment_x.csv", small, 10_000)
    huge = _over_limit_csv(big / "hrss_employment_x.csv", small, 3_000_000)
    assert huge.stat().st_size > 150 << 20
    peaks = []
    for feed in (tiny, big):
        code, err = _ingest_peak(tmp_path / f"{feed.name}.duckdb", feed, limit)
        assert code == 2, err
        assert "hrss_employment_x.csv" in err and "超过每个文件的上限 1000 行" in err
        assert counts(tmp_path / f"{feed.name}.duckdb").get("rec_hrss_employment", 0) == 0
        peaks.append(int(err.split("PEAK")[1].split()[0]))
    assert peaks[1] - peaks[0] < 100 * 1024, peaks  # KiB: the big file is never held


def test_row_limits_of_xlsx_and_parquet_are_checked_before_parsing(
        tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    head = list(read_table(small / "hrss_employment.csv").columns)
    frame = pd.DataFrame([[f"E{i:05d}", *["x"] * (len(head) - 1)] for i in range(1_500)],
                         columns=head)
    xlsx, parquet = tmp_path / "rows.xlsx", tmp_path / "rows.parquet"
    frame.to_excel(xlsx, index=False)
    frame.to_parquet(parquet)
    csv = tmp_path / "rows.csv"
    frame.to_csv(csv, index=False)
    assert len(read_table(xlsx, max_rows=1_500)) == 1_500  # at the limit: read
    parsed: list[object] = []
    monkeypatch.setattr(pd, "read_excel", lambda *a, **k: parsed.append(a))
    with pytest.raises(InputError, match="1500 行，超过每个文件的上限 1000 行"):
        read_table(xlsx, max_rows=1_000)
    assert not parsed  # refused from the rows counted in its XML, before any cell is parsed
    with pytest.raises(InputError, match="1500 行，超过每个文件的上限 1000 行"):
        read_table(parquet, max_rows=1_000)
    with pytest.raises(InputError, match="多于 1000 行"):
        read_table(csv, max_rows=1_000)
    monkeypatch.undo()
    feed = tmp_path / "feed"
    feed.mkdir()
    frame.to_parquet(feed / "hrss_employment_rows.parquet")
    frame.to_excel(feed / "hrss_employment_rows.xlsx", index=False)
    with Store(tmp_path / "r.duckdb", settings=Settings(max_rows=1_000)) as store, \
            pytest.raises(InputError) as refused:
        ingest_directory(store, feed)
    message = str(refused.value)
    for name in ("hrss_employment_rows.parquet", "hrss_employment_rows.xlsx"):
        assert f"{name}：1500 行，超过每个文件的上限 1000 行" in message, message


def test_too_long_values_are_quarantined_as_bad_value(tmp_path: Path, small: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    head, *rows = (small / "hrss_employment.csv").read_text(encoding="utf-8").splitlines()
    cells = rows[0].split(",")
    long_name = [*cells[:2], "名" * 300, *cells[3:]]
    long_code = [*cells[:3], "1" * 5000, *cells[4:]]
    (feed / "hrss_employment_x.csv").write_text(
        "\n".join([head, ",".join(long_name), ",".join(long_code)]) + "\n", encoding="utf-8")
    with Store(tmp_path / "r.duckdb") as store:
        report = ingest_directory(store, feed)
        rows_q = store.rows("SELECT row_no, reason, field FROM quarantine ORDER BY row_no")
        stored = store.scalar("SELECT max(octet_length(pii_enc)) FROM identity")
    assert rows_q == [(2, "bad_value", "name"), (3, "bad_value", "work_code")]
    assert report.accepted == 0 and report.quarantined == 2
    assert stored is None or stored < 200  # no long name reached the identities
