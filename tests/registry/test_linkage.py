"""Probabilistic linkage of rows quarantined for their ID number: name forms, decisions and
their scoring (fast), and end to end on a small dirty city (slow): accuracy against the
truth, calibers recovered, review queue, re-runs that do not double-count, no clear
identity left on disk."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from renkou.app.linkage import run_link
from renkou.errors import InputError
from renkou.registry import Registry
from renkou.registry.ingest import ingest_directory
from renkou.registry.linkage.decide import (
    LOWER,
    PI_MAX,
    UPPER,
    accuracy,
    decide,
    share_in_store,
)
from renkou.registry.linkage.delivered import chosen_records
from renkou.registry.linkage.names import normalise, pinyin
from renkou.registry.linkage.review import review_accept, review_list, review_reject
from renkou.registry.linkage.source import _id17, id17_sql
from renkou.registry.loader import file_hash
from renkou.registry.store import Store
from renkou.registry.synth import generate_city, write_feeds
from renkou.settings import get_settings


def test_name_forms_match_variants() -> None:
    assert normalise("劉 偉·國") == "刘伟国"
    assert normalise("陈 紫薇") == normalise("陳紫薇") == "陈紫薇"
    assert pinyin("王伟") == pinyin("王玮") == "wang wei"
    assert pinyin("王伟") != pinyin("王刚")
    assert normalise(None) == "" and pinyin("") == ""


def test_surviving_id_digits() -> None:
    numbers = ["120104800101123", "12010419800101123X", "", "1201041980", " 12010419800101123x ",
               "12010419800101A23X"]
    assert _id17(numbers[0]) == "12010419800101123"  # 15 digits: century restored
    assert _id17(numbers[1]) == "12010419800101123"
    assert _id17("") is None
    assert _id17("1201041980") is None
    got = duckdb.sql(f"SELECT {id17_sql('n')} FROM unnest(?) t(n)", params=[numbers]).fetchall()
    assert [g[0] for g in got] == [_id17(n) for n in numbers]  # the SQL twin agrees


def test_chosen_records_of_a_delivered_csv(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_bytes("姓名,号码\n张三,1\n\"李,四\",2\r\n王五 ,3\n赵六,4".encode())
    got = chosen_records(plain, np.array([2, 3, 5]), 4)
    assert got is not None and got.header == ["姓名", "号码"]
    assert got.records == {2: ["张三", "1"], 3: ["李,四", "2"], 5: ["赵六", "4"]}
    assert got.digest == file_hash(plain)
    gb = tmp_path / "gb.csv"  # GB18030: a line break is never inside a character
    gb.write_bytes("姓名,号码\n陈紫薇,1\n".encode("gb18030"))
    chosen = chosen_records(gb, np.array([2]), 1)
    assert chosen is not None and chosen.records == {2: ["陈紫薇", "1"]}
    # a quoted line break or a blank line: lines are not records; the loader must read it
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('姓名,号码\n"张\n三",1\n李四,2\n', encoding="utf-8")
    assert chosen_records(quoted, np.array([3]), 2) is None
    blank = tmp_path / "blank.csv"
    blank.write_text("姓名,号码\n张三,1\n\n李四,2\n", encoding="utf-8")
    assert chosen_records(blank, np.array([3]), 2) is None


def _decide(cands: list[tuple[int, int, float]], persons: int) -> pd.DataFrame:
    """decide() on hand-made pairs (row, person, log2 Bayes factor); person 9 was born
    on another day than row 4 says."""
    ws = duckdb.connect()
    ws.execute("CREATE TABLE pairs AS SELECT * FROM (VALUES "
               + ", ".join(f"({r}, {p}, {w}, {w}, 0.0, 0.0, 0.0, 0.0)" for r, p, w in cands)
               + ") t(rid, pno, w, mw_name, mw_sex, mw_birth, mw_districts, mw_id17)")
    ws.execute("CREATE TABLE cmp_rows AS SELECT range AS unique_id, 'male' AS sex, "
               "'1980-01-01' AS birth FROM range(10)")
    ws.execute("CREATE TABLE cmp_persons AS SELECT range AS unique_id, 'male' AS sex, "
               "CASE WHEN range = 9 THEN '1980-01-02' ELSE '1980-01-01' END AS birth "
               "FROM range(10)")

    class Ws:  # the three methods decide() uses, on a plain DuckDB connection
        def execute(self, sql: str) -> None:
            ws.execute(sql)

        def arrow(self, sql: str) -> pa.Table:
            return ws.sql(sql).to_arrow_table()

    decide(Ws(), "pairs", 10, persons, UPPER, LOWER)  # type: ignore[arg-type]
    return ws.sql("SELECT * FROM best ORDER BY rid").df().set_index("rid")


def test_decisions_weigh_the_rivals_and_the_store_size() -> None:
    cands = [(1, 1, 40.0), (2, 2, 40.0), (2, 3, 38.0), (3, 4, 20.0), (4, 9, 40.0)]
    small, large = _decide(cands, 50_000), _decide(cands, 20_000_000)
    assert small.at[1, "status"] == large.at[1, "status"] == "accepted"
    assert small.at[1, "match_probability"] > large.at[1, "match_probability"] > 0.999
    # a rival within 3 bits: the two share the probability, a clerk chooses
    assert small.at[2, "margin"] == 2.0 and small.at[2, "status"] == "review"
    assert small.at[2, "match_probability"] == pytest.approx(0.8, abs=0.01)
    # 2^20 is strong evidence among 50,000 persons, not among 20 million
    assert small.at[3, "status"] in ("accepted", "review") and large.at[3, "status"] == \
        "quarantined"
    # a person whose birth date differs from the row's is never proposed
    assert small.at[4, "status"] == "quarantined"
    assert small.at[1, "margin"] > 1e6  # no rival


def test_share_of_rows_whose_person_is_in_the_store() -> None:
    # 900 of 1,000 rows with a strong candidate, the rest with none
    assert share_in_store(np.full(900, 40.0), 1000, 1_000_000) == pytest.approx(0.9, abs=1e-3)
    assert share_in_store(np.full(1000, 60.0), 1000, 1_000_000) == PI_MAX
    # weak candidates only: most rows' persons are not in the store
    assert share_in_store(np.full(1000, 10.0), 1000, 1_000_000) < 0.1


def test_accuracy_by_threshold() -> None:
    truth = pd.DataFrame({"feed": "f", "record_id": ["a", "b", "c", "d", "e"],
                          "person_key": ["k1", "k2", "k3", "k4", "gone"]})
    decided = pd.DataFrame({"feed": "f", "record_id": ["a", "b", "c", "d", "e"],
                            "person_key": ["k1", "k2", "x", "k4", ""],
                            "match_probability": [0.999, 0.97, 0.96, 0.7, 0.0],
                            "margin": [50.0, 50.0, 50.0, 50.0, 0.0]})
    t = accuracy(decided, truth, 0.95, 0.5, present={"k1", "k2", "k3", "k4"}).set_index(
        "threshold")
    # at 0.95: a, b right, c wrong accepted, d waits; e's person is not in the store
    assert t.at[0.95, "precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert t.at[0.95, "recall"] == pytest.approx(2 / 4)
    assert t.at[0.95, "review_rows"] == 1 and t.at[0.95, "default"] == "*"
    assert t.at[0.99, "precision"] == 1.0 and t.at[0.99, "recall"] == 0.25
    assert t.at[0.5, "recall"] == 0.75 and t.at[0.5, "review_rows"] == 0


def test_truth_and_report_go_together(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        run_link(tmp_path / "x.duckdb", get_settings(), truth=tmp_path / "links.csv")


# --- end to end (slow) -------------------------------------------------------------------

PERSONS, SEED = 3000, 5


def _districts(db: Path, truth_csv: Path) -> pd.DataFrame:
    truth = pd.read_csv(truth_csv, dtype={"region": str})
    want = truth.groupby(["as_of", "caliber", "region"])["value"].sum().rename("truth")
    parts = []
    with Registry(db, read_only=True) as reg:
        for as_of, caliber in want.reset_index()[["as_of", "caliber"]].drop_duplicates() \
                .itertuples(index=False):
            got = reg.caliber(date.fromisoformat(str(as_of)), str(caliber), by=("region",))
            parts.append(got.assign(as_of=as_of, caliber=caliber))
    got_all = pd.concat(parts).set_index(["as_of", "caliber", "region"])["value"]
    out = want.to_frame().join(got_all.rename("registry")).fillna(0)
    out["gap"] = (out["registry"] - out["truth"]).abs() / out["truth"]
    return out


@pytest.fixture(scope="module")
def dirty_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("dirty")
    write_feeds(generate_city(PERSONS, SEED), out / "feeds", dirty_ids=0.05)
    db = out / "store.duckdb"
    with Store(db) as store:
        ingest_directory(store, out / "feeds")
    return out, db


def _copy(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    shutil.copy(src.with_name(src.name + ".keys"), dst.with_name(dst.name + ".keys"))
    return dst


@pytest.mark.slow
def test_link_recovers_the_calibers_with_f1_over_099(dirty_city: tuple[Path, Path]) -> None:
    out, db0 = dirty_city
    db = _copy(db0, out / "linked.duckdb")
    truth_csv = out / "feeds" / "truth" / "calibers.csv"
    before = _districts(db, truth_csv)
    assert before["gap"].max() > 0.001  # the dirty rows are lost without linkage
    result, table = run_link(db, get_settings(), truth=out / "feeds" / "truth" / "links.csv",
                             report=out / "r.csv")
    assert table is not None
    assert result.counts["accepted"] > 0.9 * len(pd.read_csv(out / "feeds" / "truth" /
                                                            "links.csv"))
    assert list(pd.read_csv(out / "r.csv").columns) == [
        "threshold", "precision", "recall", "f1", "review_rows", "default"]
    default = table[table["default"] == "*"].iloc[0]
    dirty = len(pd.read_csv(out / "feeds" / "truth" / "links.csv"))
    assert default["f1"] >= 0.99, table
    assert default["review_rows"] <= 0.01 * dirty
    after = _districts(db, truth_csv)
    assert after["gap"].max() <= 0.001, after.sort_values("gap").tail()
    # A second run finds nothing new to accept and the calibers do not move.
    again, _ = run_link(db, get_settings())
    assert again.counts.get("accepted", 0) == 0
    pd.testing.assert_frame_equal(_districts(db, truth_csv), after)
    with Registry(db, read_only=True) as reg:
        assert reg.provenance().synthetic
    assert not list(out.glob(".*.linkage")) and not list(out.glob(".*.staging"))


@pytest.mark.slow
def test_no_clear_identity_reaches_the_store_file(dirty_city: tuple[Path, Path]) -> None:
    out, db0 = dirty_city
    db = _copy(db0, out / "private.duckdb")
    run_link(db, get_settings())
    raw = db.read_bytes()
    feeds = pd.read_csv(next((out / "feeds").glob("police_residence_2020*.csv")), dtype=str,
                        keep_default_na=False)
    for number, name in feeds[["公民身份号码", "姓名"]].head(50).itertuples(index=False):
        if number:
            assert number.encode() not in raw
        assert name.encode() not in raw


@pytest.mark.slow
def test_review_queue_accept_and_reject(dirty_city: tuple[Path, Path]) -> None:
    out, db0 = dirty_city
    db = _copy(db0, out / "review.duckdb")
    settings = get_settings()
    result, _ = run_link(db, settings, upper=0.99999, lower=0.5)
    with Store(db) as store:
        waiting = review_list(store)
        assert len(waiting) == result.counts["review"] > 2
        assert {"id_masked", "match_probability", "weights"} <= set(waiting.columns)
        assert not waiting["id_masked"].str.fullmatch(r"\d{17}[\dX]").any()
        first, second, *rest = waiting["link_id"].astype(int).tolist()
        assert review_reject(store, [first]) == 1
        accepted = review_accept(store, settings, [second, *rest])
        assert accepted >= 1
        assert review_list(store).empty
        status = dict(store.rows("SELECT link_id, status FROM links"))
        assert status[first] == "rejected" and status[second] in ("accepted", "refused")
        with pytest.raises(Exception, match="复核队列"):
            review_reject(store, [first])
    again, _ = run_link(db, settings, upper=0.99999, lower=0.5)
    assert again.counts.get("review", 0) == 0  # a rejected row is not proposed again
