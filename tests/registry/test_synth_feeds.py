"""Department feeds written by the synthetic city: headers, formats, dirt, determinism, and
(end to end) a correct registry recovering the truth exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from renkou import ids
from renkou.registry.synth import generate_city, write_feeds
from renkou.registry.synth.rows import COLUMNS
from renkou.tables import read_table


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("feeds")
    write_feeds(generate_city(5_000, 3), out)
    return out


def test_every_feed_with_contract_headers_and_mixed_formats(feeds: Path) -> None:
    manifest = json.loads((feeds / "truth" / "manifest.json").read_text("utf-8"))
    files = manifest["files"]
    assert {f["feed"] for f in files.values()} == set(COLUMNS)
    assert {f["format"] for f in files.values()} >= {"csv", "xlsx", "parquet"}
    assert any(f["encoding"] == "gb18030" for f in files.values())
    total = 0
    for name, info in files.items():
        df = read_table(feeds / name)
        assert list(df.columns) == COLUMNS[info["feed"]], name
        assert len(df) == info["rows"]
        total += len(df)
    assert total == manifest["rows_written"]


def test_dirt_of_every_kind_a_few_percent(feeds: Path) -> None:
    m = json.loads((feeds / "truth" / "manifest.json").read_text("utf-8"))
    for kind in ("bad_check_character", "id_sex_mismatch", "id_birth_mismatch",
                 "unknown_division", "event_after_death", "future_date", "duplicate",
                 "conflict", "late_delivery", "correction"):
        assert m["dirty"][kind] > 0, kind
    assert 0.01 < m["expected_quarantined"] / m["rows_written"] < 0.06


def test_bad_check_rows_fail_validation_and_true_rows_pass(feeds: Path) -> None:
    df = pd.concat([read_table(p) for p in sorted(feeds.glob("police_hukou_*.csv"))])
    dirty = df[df["记录编号"].str.contains("X")]
    clean = df[~df["记录编号"].str.contains("X")]
    assert all(ids.validate(n).valid for n in clean["公民身份号码"].head(300))
    reasons = {ids.validate(n).problem for n in dirty["公民身份号码"]}
    assert "check_character" in {str(r) for r in reasons}


def test_corrections_reuse_the_record_id_with_a_later_date(feeds: Path) -> None:
    fixed = read_table(feeds / "police_residence_corrected.xlsx")
    assert len(fixed) > 0
    parts = [read_table(p) for p in sorted(feeds.glob("police_residence_20*.csv"))]
    first = pd.concat(parts).merge(fixed, on="记录编号", suffixes=("_old", "_new"))
    assert len(first) == len(fixed)
    assert (first["登记日期_new"] > first["登记日期_old"]).all()
    assert (first["现居住地行政区划代码_new"] != first["现居住地行政区划代码_old"]).all()


def test_cli_is_deterministic_by_seed(tmp_path: Path) -> None:
    from renkou.cli.main import app

    runner = CliRunner()
    for d in ("a", "b"):
        r = runner.invoke(app, ["synth", "--persons", "1500", "--seed", "9", "--out",
                                str(tmp_path / d)])
        assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (tmp_path / "a").glob("*.csv"))
    assert names
    for name in [*names, "truth/calibers.csv"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.slow
def test_registry_recovers_the_truth_exactly(feeds: Path, tmp_path: Path) -> None:
    pytest.importorskip("renkou.registry.ingest")
    from renkou.registry.ingest import ingest_directory
    from renkou.registry.store import Store

    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        ingest_directory(store, feeds)
        quarantined = int(str(store.scalar("SELECT count(*) FROM quarantine")))
    manifest = json.loads((feeds / "truth" / "manifest.json").read_text("utf-8"))
    assert quarantined == manifest["expected_quarantined"]
    from renkou.cli.main import app

    truth = pd.read_csv(feeds / "truth" / "calibers.csv", dtype={"region": str})
    runner = CliRunner()
    for (as_of, caliber), want in truth.groupby(["as_of", "caliber"]):
        out = tmp_path / f"{as_of}_{caliber}.csv"
        r = runner.invoke(app, ["registry", "stats", "--db", str(db), "--as-of", as_of,
                                "--caliber", caliber, "--by", "region,sex,age", "--out", str(out)])
        assert r.exit_code == 0, r.output
        got = pd.read_csv(out, dtype={"region": str})
        m = want.merge(got, on=["region", "sex", "age"], how="outer", suffixes=("_t", "_r"))
        m = m.fillna(0)
        assert (m["value_t"] == m["value_r"]).all(), (as_of, caliber)

    sep = pd.read_csv(feeds / "truth" / "separation.csv", dtype={"region": str})
    for as_of, want in sep.groupby("as_of"):
        out = tmp_path / f"sep_{as_of}.csv"
        r = runner.invoke(app, ["registry", "separation", "--db", str(db), "--as-of", as_of,
                                "--out", str(out)])
        assert r.exit_code == 0, r.output
        got = pd.read_csv(out, dtype={"region": str})
        m = want.drop(columns="as_of").merge(got, on=["region", "kind"], how="outer",
                                             suffixes=("_t", "_r")).fillna(0)
        assert (m["value_t"] == m["value_r"]).all(), as_of


def test_large_cities_are_written_in_parts_with_summed_truth(tmp_path: Path) -> None:
    from renkou.registry.synth import synthesize

    m = synthesize(tmp_path, 3_000, 4, part_size=1_500)
    assert any(name.endswith("_p01.csv") for name in m["files"])  # type: ignore[union-attr]
    truth = pd.read_csv(tmp_path / "truth" / "calibers.csv")
    resident = truth[(truth["as_of"] == "2020-11-01") & (truth["caliber"] == "resident")]
    assert resident["value"].sum() == 3_000
    census = pd.concat([read_table(p) for p in tmp_path.glob("stats_census_all*.csv")])
    true_rows = census[~census["记录编号"].str.contains("X")]
    true_rows = true_rows[true_rows["普查类型"] == "人口普查"].drop_duplicates("记录编号")
    assert true_rows["公民身份号码"].is_unique
    assert true_rows["记录编号"].is_unique


@pytest.mark.slow
def test_cli_builds_a_store_directly(tmp_path: Path) -> None:
    pytest.importorskip("renkou.registry.ingest")
    from renkou.cli.main import app

    db = tmp_path / "demo.duckdb"
    runner = CliRunner()
    r = runner.invoke(app, ["synth", "--persons", "1000", "--seed", "2", "--db", str(db)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "resident.csv"
    r = runner.invoke(app, ["registry", "stats", "--db", str(db), "--as-of", "2020-11-01",
                            "--caliber", "resident", "--by", "region", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out)["value"].sum() == 1000


def test_synth_cli_takes_the_jurisdiction_and_marks_the_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from renkou.cli.main import app
    from renkou.settings import get_settings

    runner = CliRunner()
    r = runner.invoke(app, ["synth", "--jurisdiction", "xiqing", "--persons", "800", "--seed",
                            "2", "--out", str(tmp_path / "x")])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "x" / "synthetic.json").read_text("utf-8")) == {
        "jurisdiction": "xiqing", "persons": 800, "seed": 2}
    truth = pd.read_csv(tmp_path / "x" / "truth" / "calibers.csv", dtype={"region": str})
    assert truth["region"].str.fullmatch(r"120111\d{3}").all()
    monkeypatch.setenv("RENKOU_JURISDICTION", "chongqing")
    get_settings.cache_clear()
    r = runner.invoke(app, ["synth", "--persons", "800", "--seed", "2", "--out",
                            str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    marker = json.loads((tmp_path / "c" / "synthetic.json").read_text("utf-8"))
    assert marker["jurisdiction"] == "chongqing"
    census = pd.concat([read_table(p) for p in (tmp_path / "c").glob("stats_census_all*.csv")])
    here = census[~census["记录编号"].str.contains("X")]["现住地行政区划代码"].astype(str)
    assert here.str.startswith("50").all()
    r = runner.invoke(app, ["synth", "--jurisdiction", "atlantis", "--persons", "800",
                            "--out", str(tmp_path / "a")])
    assert r.exit_code != 0


def test_no_jurisdiction_is_written_into_the_generator() -> None:
    import re
    from importlib import resources

    folder = resources.files("renkou").joinpath("registry/synth")
    named = re.compile(r"天津|重庆|西青|Tianjin|Chongqing|Xiqing|\b(?:12|50)0\d{3}\b|'12'|\"12\"")
    for entry in folder.iterdir():
        if entry.name.endswith(".py"):
            text = entry.read_text("utf-8")
            assert not named.search(text), (entry.name, named.search(text))
