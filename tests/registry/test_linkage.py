"""Probabilistic linkage of rows quarantined for their ID number: name forms, decisions and
their scoring (fast), and end to end on a small dirty city (slow): accuracy against the
truth, calibers recovered, review queue, re-runs that do not double-count, no clear
identity left on disk."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from renkou.app.linkage import run_link
from renkou.errors import InputError
from renkou.registry import Registry
from renkou.registry.ingest import ingest_directory
from renkou.registry.linkage.decide import AMBIGUOUS, accuracy, best_pairs
from renkou.registry.linkage.names import normalise, pinyin
from renkou.registry.linkage.review import review_accept, review_list, review_reject
from renkou.registry.linkage.source import _id17
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
    assert _id17("120104800101123") == "12010419800101123"  # 15 digits: century restored
    assert _id17("12010419800101123X") == "12010419800101123"
    assert _id17("") is None
    assert _id17("1201041980") is None


def _pairs(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"unique_id_l": [r[0] for r in rows], "unique_id_r": [r[1] for r in rows],
                         "source_dataset_l": "rows", "source_dataset_r": "persons",
                         "match_probability": [r[2] for r in rows],
                         "match_weight": [r[3] for r in rows]})


def test_best_pair_and_margin() -> None:
    b = best_pairs(_pairs([("r1", "p1", 0.999, 20.0), ("r1", "p2", 0.9, 10.0),
                           ("r2", "p3", 0.99, 12.0), ("r2", "p4", 0.98, 11.0),
                           ("r3", "p5", 0.6, 1.0)])).set_index("unique_id")
    assert b.at["r1", "pid"] == "p1" and b.at["r1", "margin"] == 10.0
    assert b.at["r2", "pid"] == "p3" and b.at["r2", "margin"] < AMBIGUOUS
    assert b.at["r3", "margin"] > 1e6  # no rival


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
