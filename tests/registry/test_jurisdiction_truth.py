"""The synthetic city of every jurisdiction, end to end: feeds written by ``renkou synth
--jurisdiction K``, ingested with ``renkou registry ingest --jurisdiction K``, give back the
truth file cell for cell at the jurisdiction's area level (districts and counties of a
province-level city, 街镇 of a district deployment), with the store's jurisdiction and
synthetic provenance recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from renkou.cli.main import app
from renkou.jurisdictions import get_jurisdiction

CASES = [("chongqing", "district"), ("xiqing", "street")]


def _run(args: list[str]) -> None:
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output


@pytest.mark.slow
@pytest.mark.parametrize(("key", "level"), CASES)
def test_registry_recovers_the_jurisdiction_truth(tmp_path: Path, key: str, level: str) -> None:
    from renkou.registry import Registry

    feeds, db = tmp_path / "feeds", tmp_path / f"{key}.duckdb"
    _run(["synth", "--jurisdiction", key, "--persons", "2500", "--seed", "5", "--out",
          str(feeds)])
    assert json.loads((feeds / "synthetic.json").read_text("utf-8")) == {
        "jurisdiction": key, "persons": 2500, "seed": 5}
    _run(["registry", "ingest", "--db", str(db), "--jurisdiction", key, str(feeds)])

    j = get_jurisdiction(key)
    truth = pd.read_csv(feeds / "truth" / "calibers.csv", dtype={"region": str})
    assert set(truth["region"]) <= set(j.area_codes)
    assert len(truth.groupby(["as_of", "caliber"])) == 8
    for (as_of, caliber), want in truth.groupby(["as_of", "caliber"]):
        out = tmp_path / f"{as_of}_{caliber}.csv"
        _run(["registry", "stats", "--db", str(db), "--as-of", as_of, "--caliber", caliber,
              "--by", "region,sex,age", "--level", level, "--out", str(out)])
        got = pd.read_csv(out, dtype={"region": str})
        m = want.merge(got, on=["region", "sex", "age"], how="outer",
                       suffixes=("_t", "_r")).fillna(0)
        assert (m["value_t"] == m["value_r"]).all(), (key, as_of, caliber)

    sep = pd.read_csv(feeds / "truth" / "separation.csv", dtype={"region": str})
    for as_of, want in sep.groupby("as_of"):
        out = tmp_path / f"sep_{as_of}.csv"
        _run(["registry", "separation", "--db", str(db), "--as-of", as_of, "--level", level,
              "--out", str(out)])
        got = pd.read_csv(out, dtype={"region": str})
        m = want.drop(columns="as_of").merge(got, on=["region", "kind"], how="outer",
                                             suffixes=("_t", "_r")).fillna(0)
        assert (m["value_t"] == m["value_r"]).all(), (key, as_of)

    manifest = json.loads((feeds / "truth" / "manifest.json").read_text("utf-8"))
    with Registry(db, read_only=True) as reg:
        assert reg.jurisdiction().key == key
        prov = reg.provenance()
        assert (prov.synthetic, prov.persons, prov.seed) == (True, 2500, 5)
        quarantined = int(str(reg.store.scalar("SELECT count(*) FROM quarantine")))
    assert quarantined == manifest["expected_quarantined"]
