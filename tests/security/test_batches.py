"""All or nothing: a batch with any unreadable file, a wrong header, a symlink or a special
file is refused whole with every problem listed; empty and header-only files record
nothing; an undecodable byte quarantines its row only; a CSV error names its line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from renkou.errors import InputError
from renkou.registry.ingest import ingest_directory, report_text
from renkou.registry.store import Store
from renkou.settings import Settings

from .conftest import counts

HUKOU = "police_hukou_2020.csv"


def _feed(tmp_path: Path, small: Path, *names: str) -> Path:
    feed = tmp_path / "feeds"
    feed.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(small / name, feed / name)
    return feed


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_renamed_optional_column_refuses_the_batch(tmp_path: Path, small: Path) -> None:
    feed = _feed(tmp_path, small, HUKOU, "hrss_employment.csv")
    text = (feed / HUKOU).read_text(encoding="utf-8")
    (feed / HUKOU).write_text(text.replace("迁入迁出地行政区划代码", "迁入迁出地代码", 1),
                              encoding="utf-8")
    db = tmp_path / "r.duckdb"
    with Store(db) as store, pytest.raises(InputError) as err:
        ingest_directory(store, feed)
    message = str(err.value)
    assert "缺少列“迁入迁出地行政区划代码”" in message and "迁入迁出地代码" in message
    assert HUKOU in message
    assert counts(db)["ingest_batches"] == 0 and counts(db)["rec_police_hukou"] == 0


def test_every_problem_is_listed(tmp_path: Path, small: Path) -> None:
    feed = _feed(tmp_path, small, HUKOU, "hrss_employment.csv")
    (feed / "police_residence_bad.xlsx").write_bytes(b"not a spreadsheet")
    lines = _lines(small / "edu_school.csv")
    (feed / "edu_school_x.csv").write_text("\n".join([lines[0] + ",备注", *lines[1:]]) + "\n",
                                           encoding="utf-8")
    db = tmp_path / "r.duckdb"
    with Store(db) as store, pytest.raises(InputError) as err:
        ingest_directory(store, feed)
    message = str(err.value)
    assert "police_residence_bad.xlsx" in message and "未声明的列“备注”" in message
    assert counts(db)["rec_police_hukou"] == 0


def test_header_only_and_empty_files_record_nothing(tmp_path: Path, small: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    (feed / "edu_school_head.csv").write_text(_lines(small / "edu_school.csv")[0] + "\n",
                                              encoding="utf-8")
    (feed / "edu_school_empty.csv").write_bytes(b"")
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        report = ingest_directory(store, feed)
    assert report.batch_id is None and report.rows_read == 0
    text = report_text(report)
    assert "edu_school_head.csv：只有表头" in text and "edu_school_empty.csv：文件为空" in text
    assert counts(db)["ingest_batches"] == 0 and counts(db)["ingest_files"] == 0
    shutil.copy(small / "hrss_employment.csv", feed / "hrss_employment.csv")
    with Store(db) as store:
        report = ingest_directory(store, feed)
        files = [r[0] for r in store.rows("SELECT file_name FROM ingest_files")]
    assert report.batch_id == 1 and files == ["hrss_employment.csv"]


def test_cli_exits_nonzero_for_a_header_only_delivery(tmp_path: Path, small: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.cli.main import main

    feed = tmp_path / "feeds"
    feed.mkdir()
    (feed / "edu_school_head.csv").write_text(_lines(small / "edu_school.csv")[0] + "\n",
                                              encoding="utf-8")
    code = main(["registry", "ingest", "--quiet", "--db", str(tmp_path / "r.duckdb"),
                 str(feed)])
    assert code != 0 and "只有表头" in capsys.readouterr().out


def test_symlinks_and_special_files_are_refused_not_followed(tmp_path: Path,
                                                             small: Path) -> None:
    feed = _feed(tmp_path, small, "hrss_employment.csv")
    secret = tmp_path / "outside.csv"
    shutil.copy(small / "edu_school.csv", secret)
    (feed / "edu_school_link.csv").symlink_to(secret)
    os.mkfifo(feed / "edu_school_pipe.csv")  # reading would block forever
    (feed / "linked_dir").symlink_to(tmp_path / "feeds2", target_is_directory=True)
    (tmp_path / "feeds2").mkdir()
    db = tmp_path / "r.duckdb"
    with Store(db) as store, pytest.raises(InputError) as err:
        ingest_directory(store, feed)
    message = str(err.value)
    assert "edu_school_link.csv：是符号链接" in message
    assert "edu_school_pipe.csv：不是普通文件" in message and "linked_dir" in message
    assert counts(db).get("ingest_batches", 0) == 0


def test_undecodable_byte_quarantines_its_row_only(tmp_path: Path, small: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    raw = (small / HUKOU).read_bytes()
    lines = raw.split(b"\n")
    lines[3] = lines[3].replace("李".encode(), b"\xff\xfe", 1) if "李".encode() in lines[3] \
        else lines[3][:20] + b"\xff" + lines[3][20:]
    (feed / "police_hukou_bad.csv").write_bytes(b"\n".join(lines))
    gb = (small / "hrss_employment.csv").read_text(encoding="utf-8").encode("gb18030")
    gb_lines = gb.split(b"\n")
    gb_lines[1] = gb_lines[1].replace(b",", b",\x81\x20", 1)  # not valid GB18030
    (feed / "hrss_employment_gb.csv").write_bytes(b"\n".join(gb_lines))
    with Store(tmp_path / "r.duckdb") as store:
        report = ingest_directory(store, feed)
        bad = store.rows("SELECT file_name, row_no FROM quarantine "
                         "WHERE reason = 'bad_encoding' ORDER BY file_name")
    assert bad == [("hrss_employment_gb.csv", 2), ("police_hukou_bad.csv", 4)]
    assert report.accepted + report.quarantined == report.rows_read
    assert report.rows_read == len(_lines(small / HUKOU)) - 1 + 1
    assert report.accepted > 0


def test_csv_error_names_its_real_line_and_cause(tmp_path: Path, small: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    head, *rows = _lines(small / "hrss_employment.csv")
    body = [rows[0].replace("E001", f"E{i:05d}") for i in range(3000)]
    body[2500] += ",多余,多余"
    (feed / "hrss_employment_big.csv").write_text("\n".join([head, *body]) + "\n",
                                                  encoding="utf-8")
    with Store(tmp_path / "r.duckdb") as store, pytest.raises(InputError) as err:
        ingest_directory(store, feed)
    message = str(err.value)
    assert "第 2502 行" in message and "列数应为 7" in message
    assert "120103199502020611" not in message  # the line itself is never repeated


def _big_employment(small: Path, n: int) -> tuple[str, list[str]]:
    head, *rows = _lines(small / "hrss_employment.csv")
    return head, [rows[0].replace("E001", f"E{i:06d}") for i in range(n)]


def test_quoted_line_breaks_are_read_and_an_open_quote_is_named(tmp_path: Path,
                                                                 small: Path) -> None:
    """DuckDB's parallel reader refuses quoted line breaks and, with several threads, names
    a chunk boundary instead of the line of an error: the sequential pass reads the first and
    names the true line of the second."""
    head, body = _big_employment(small, 200_000)
    cells = body[10].split(",")
    body[10] = ",".join([*cells[:2], '"赵\n六"', *cells[3:]])
    feed = tmp_path / "feeds"
    feed.mkdir()
    (feed / "hrss_employment_big.csv").write_text("\n".join([head, *body]) + "\n",
                                                  encoding="utf-8")
    settings = Settings(duckdb_threads=2)
    with Store(tmp_path / "r.duckdb", settings=settings) as store:
        report = ingest_directory(store, feed)
    assert report.rows_read == 200_000
    assert report.accepted + report.quarantined == report.rows_read
    head, body = _big_employment(small, 200_000)
    cells = body[150_000].split(",")
    body[150_000] = ",".join([*cells[:2], '"赵六', *cells[3:]])
    (feed / "hrss_employment_big.csv").write_text("\n".join([head, *body]) + "\n",
                                                  encoding="utf-8")
    with Store(tmp_path / "s.duckdb", settings=settings) as store, \
            pytest.raises(InputError, match="第 150002 行附近可能有未闭合的引号"):
        ingest_directory(store, feed)
