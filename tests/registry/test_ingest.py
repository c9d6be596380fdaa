"""Ingest of the hand-made feeds: every row accepted or quarantined with the reason the
fixture planted, idempotent re-ingest, corrected re-delivery, department precedence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from renkou.errors import InputError
from renkou.registry.ingest import ingest_directory, report_text
from renkou.registry.store import SCHEMA_VERSION, Store
from renkou.tables import read_table

SMALL = Path(__file__).parent / "data" / "small"

# One planted row of each kind in police_hukou_2020.csv / police_residence_2020.xlsx.
PLANTED = {"duplicate": 1, "id_sex_mismatch": 1, "id_birthdate_mismatch": 1,
           "unknown_division": 1, "date_in_future": 1, "missing_field": 1, "bad_value": 1,
           "bad_id_check": 1, "conflict": 1, "event_after_death": 1}


def file_rows() -> int:
    return sum(len(read_table(p)) for p in SMALL.iterdir() if p.suffix != ".py")


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "r.duckdb"


def test_every_row_accepted_or_quarantined(db: Path) -> None:
    with Store(db) as store:
        report = ingest_directory(store, SMALL)
        assert report.rows_read == file_rows()
        assert report.accepted + report.quarantined == report.rows_read
        assert report.by_reason == PLANTED
        stored = store.scalar("SELECT count(*) FROM quarantine")
        # rows quarantined after writing stay in place with active NULL (records.py)
        accepted = sum(store.scalar(f"SELECT count(*) FROM rec_{f.feed} "
                                    "WHERE active IS NOT NULL")
                       for f in {f.feed: f for f in report.files}.values())
    assert stored == report.quarantined
    assert accepted == report.accepted


def test_rows_quarantined_after_writing_stay_inactive_and_do_not_count(db: Path) -> None:
    """An event dated after a death that arrived later in the batch is quarantined; its row
    stays in the record table with active NULL, which neither the calibers' ``WHERE
    active`` nor a re-delivery's duplicate check sees."""
    with Store(db) as store:
        ingest_directory(store, SMALL)
        moved = store.rows("SELECT feed, file_name, row_no, record_id FROM quarantine "
                           "WHERE reason = 'event_after_death'")
        assert len(moved) == 1
        feed, file_name, row_no, record_id = moved[0]
        assert store.scalar(f"SELECT count(*) FROM rec_{feed} WHERE active IS NULL") == 1
        assert store.scalar(f"SELECT active IS NULL FROM rec_{feed} WHERE file_name = ? "
                            "AND row_no = ?", [file_name, row_no]) is True
        assert store.scalar("SELECT count(*) FROM events WHERE feed = ? AND record_id = ?",
                            [feed, record_id]) == 0


def test_quarantine_rows_point_at_the_planted_lines(db: Path) -> None:
    with Store(db) as store:
        ingest_directory(store, SMALL)
        q = store.frame("SELECT file_name, row_no, reason, field FROM quarantine "
                        "WHERE feed = 'police_hukou' ORDER BY row_no")
    # Data rows 10..18 of police_hukou_2020.csv are rows 11..19 in spreadsheet numbering.
    assert list(q["row_no"]) == list(range(11, 20))
    assert dict(zip(q["row_no"], q["reason"], strict=True))[12] == "id_sex_mismatch"
    assert dict(zip(q["row_no"], q["field"], strict=True))[14] == "hukou_code"


def test_reingest_changes_nothing(db: Path) -> None:
    with Store(db) as store:
        ingest_directory(store, SMALL)
        before = {t: store.scalar(f"SELECT count(*) FROM {t}")
                  for t in ("rec_police_hukou", "quarantine", "identity", "hukou_spells")}
        again = ingest_directory(store, SMALL)
        after = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in before}
    assert before == after
    assert again.rows_read == 0 and all(f.skipped for f in again.files)


def test_same_rows_in_a_new_file_are_duplicates(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "again"
    copy.mkdir()
    shutil.copy(SMALL / "hrss_insurance.csv", copy / "hrss_insurance_resent.csv")
    with open(copy / "hrss_insurance_resent.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")  # different bytes, same rows
    with Store(db) as store:
        ingest_directory(store, SMALL)
        report = ingest_directory(store, copy)
    assert report.rows_read == 2 and report.by_reason == {"duplicate": 2}


def test_corrected_redelivery_supersedes_and_keeps_history(db: Path) -> None:
    with Store(db) as store:
        ingest_directory(store, SMALL)
        versions = store.frame("SELECT residence_code, record_date, active FROM "
                               "rec_police_residence WHERE record_id = 'R009' ORDER BY record_date")
    assert list(versions["residence_code"]) == ["120101003", "120101002"]
    assert list(versions["active"]) == [False, True]


def test_death_date_precedence_recorded_with_both_sources(db: Path) -> None:
    with Store(db) as store:
        ingest_directory(store, SMALL)
        d = store.frame("SELECT * FROM decisions")
        death = store.scalar("SELECT death_date FROM deaths")
    assert str(death) == "2022-03-01"
    assert len(d) == 1
    row = d.iloc[0]
    assert (row["chosen_source"], row["chosen_value"]) == ("health_death", "2022-03-01")
    assert (row["other_source"], row["other_value"]) == ("police_hukou", "2022-03-05")


def test_report_masks_ids(db: Path) -> None:
    with Store(db) as store:
        report = ingest_directory(store, SMALL)
        stored = store.scalar("SELECT report FROM ingest_batches")
    text = report_text(report) + report.to_json() + stored
    assert "********" in text
    assert pd.Series([text]).str.contains(r"\d{17}[\dX]").sum() == 0


def test_empty_or_unknown_directory(tmp_path: Path, db: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with Store(db) as store, pytest.raises(InputError):
        ingest_directory(store, tmp_path)


def test_missing_declared_column_refuses_the_batch(tmp_path: Path, db: Path) -> None:
    """A header lacking a declared column refuses the whole batch (all or nothing): rows
    read under a wrong header would be misread, not merely incomplete."""
    feed = tmp_path / "feeds"
    feed.mkdir()
    df = read_table(SMALL / "hrss_employment.csv").drop(columns=["单位所在地行政区划代码"])
    df.to_csv(feed / "hrss_employment_x.csv", index=False)
    with Store(db) as store:
        with pytest.raises(InputError, match="单位所在地行政区划代码"):
            ingest_directory(store, feed)
        assert store.scalar("SELECT count(*) FROM ingest_batches") == 0


def test_unreadable_file_refuses_the_batch_and_is_retried(tmp_path: Path, db: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    shutil.copy(SMALL / "hrss_employment.csv", feed / "hrss_employment_ok.csv")
    (feed / "police_residence_broken.xlsx").write_bytes(b"not a spreadsheet")
    with Store(db) as store:
        with pytest.raises(InputError, match=r"police_residence_broken\.xlsx"):
            ingest_directory(store, feed)
        assert store.scalar("SELECT count(*) FROM rec_hrss_employment") == 0
        shutil.copy(SMALL / "police_residence_2020.xlsx", feed / "police_residence_broken.xlsx")
        again = ingest_directory(store, feed)
    assert again.rows_read == 7 and again.failed_files == 0
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "edu_school_x.xlsx").write_bytes(b"junk")
    with Store(tmp_path / "b.duckdb") as store, pytest.raises(InputError):
        ingest_directory(store, only_bad)


def test_bom_crlf_csv_and_typed_xlsx_cells(tmp_path: Path, db: Path) -> None:
    import datetime as dt

    feed = tmp_path / "feeds"
    feed.mkdir()
    emp = read_table(SMALL / "hrss_employment.csv")
    emp.to_csv(feed / "hrss_employment_bom.csv", index=False, encoding="utf-8-sig",
               lineterminator="\r\n")
    school = read_table(SMALL / "edu_school.csv")
    school["入学日期"] = [dt.datetime(2018, 9, 1)]  # a real date cell
    school["学校所在地行政区划代码"] = [120112001]  # a number cell
    school.to_excel(feed / "edu_school_typed.xlsx", index=False)
    with Store(db) as store:
        report = ingest_directory(store, feed)
        enrol = store.scalar("SELECT enrol_date FROM rec_edu_school")
    assert report.accepted == 2 and report.quarantined == 0
    assert str(enrol) == "2018-09-01"


def test_misnamed_file_is_reported(tmp_path: Path, db: Path) -> None:
    feed = tmp_path / "feeds"
    feed.mkdir()
    shutil.copy(SMALL / "hrss_employment.csv", feed / "hrss_employment.csv")
    shutil.copy(SMALL / "edu_school.csv", feed / "学籍2020.csv")
    with Store(db) as store:
        report = ingest_directory(store, feed)
    assert report.ignored == ("学籍2020.csv",)
    assert "学籍2020.csv" in report_text(report)


def test_version_1_store_is_migrated_and_still_detects_duplicates(db: Path,
                                                                  tmp_path: Path) -> None:
    """A store written by schema version 1 (content hash as MD5 hex text) is migrated on
    open; rows delivered again afterwards are still recognised as duplicates."""
    with Store(db) as store:
        ingest_directory(store, SMALL)
        # Turn it back into a version-1 store: md5_number is the digest read little-endian.
        h = "lower(lpad(hex(content_hash), 32, '0'))"
        hexed = " || ".join(f"substr({h}, {i}, 2)" for i in range(31, 0, -2))
        store.execute("ALTER TABLE rec_hrss_insurance ALTER content_hash SET DATA TYPE "
                      f"VARCHAR USING {hexed}")
        store.execute("DELETE FROM schema_version")
        store.execute("INSERT INTO schema_version VALUES (1, now())")
    copy = _resent_insurance(tmp_path)
    with Store(db) as store:
        assert store.scalar("SELECT max(version) FROM schema_version") == SCHEMA_VERSION
        report = ingest_directory(store, copy)
    assert report.by_reason == {"duplicate": 2}


def test_version_2_identity_loses_its_index_and_keeps_its_rows(db: Path) -> None:
    """Schema version 3 drops the primary key of ``identity`` (the ingest keeps pid
    unique itself); the migration keeps every person."""
    with Store(db) as store:
        ingest_directory(store, SMALL)
        persons = store.scalar("SELECT count(*) FROM identity")
        store.execute("ALTER TABLE identity RENAME TO identity_v3")
        store.execute("CREATE TABLE identity (pid UBIGINT PRIMARY KEY, pseudonym VARCHAR, "
                      "id_masked VARCHAR, pii_enc BLOB, sex VARCHAR, birth_date DATE, "
                      "first_batch INTEGER)")
        store.execute("INSERT INTO identity SELECT * FROM identity_v3")
        store.execute("DROP TABLE identity_v3")
        store.execute("DELETE FROM schema_version")
        store.execute("INSERT INTO schema_version VALUES (2, now())")
    with Store(db) as store:
        assert store.scalar("SELECT max(version) FROM schema_version") == SCHEMA_VERSION
        assert store.scalar("SELECT count(*) FROM identity") == persons > 0
        assert store.scalar("SELECT count(*) FROM duckdb_constraints() WHERE table_name = "
                            "'identity' AND constraint_type = 'PRIMARY KEY'") == 0
        assert store.scalar("SELECT count(*) FROM duckdb_constraints() WHERE table_name = "
                            "'identity' AND constraint_type = 'NOT NULL'") == 7


def test_content_hashes_are_recomputed_when_duckdb_hash_changes(db: Path,
                                                                tmp_path: Path) -> None:
    """The stored content hashes depend on DuckDB's hash function; a store whose probe
    value differs (as after a DuckDB upgrade) gets them recomputed before the next batch,
    so re-delivered rows are still duplicates."""
    with Store(db) as store:
        ingest_directory(store, SMALL)
        store.execute("UPDATE rec_hrss_insurance SET content_hash = 0")
        store.execute("UPDATE store_meta SET value = 'another duckdb' "
                      "WHERE key = 'content_hash_probe'")
    copy = _resent_insurance(tmp_path)
    with Store(db) as store:
        report = ingest_directory(store, copy)
        assert store.scalar("SELECT count(*) FROM rec_hrss_insurance "
                            "WHERE content_hash = 0") == 0
    assert report.by_reason == {"duplicate": 2}


def _resent_insurance(tmp_path: Path) -> Path:
    """A directory re-delivering the small insurance file (other bytes, same rows)."""
    copy = tmp_path / "again"
    copy.mkdir()
    shutil.copy(SMALL / "hrss_insurance.csv", copy / "hrss_insurance_resent.csv")
    with open(copy / "hrss_insurance_resent.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    return copy
