"""``synth --dirty-ids``: rows with a dirty ID number and a variant name, a truth file that
names each row's person, and nothing else changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.ids import is_valid
from renkou.registry.linkage.names import normalise, person_key, pinyin
from renkou.registry.synth import generate_city, write_feeds
from renkou.registry.synth.dirty_ids import DIRTY_FEEDS

PERSONS, SEED = 1500, 3


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    clean, dirty = tmp_path_factory.mktemp("clean"), tmp_path_factory.mktemp("dirty")
    write_feeds(generate_city(PERSONS, SEED), clean)
    manifest = write_feeds(generate_city(PERSONS, SEED), dirty, dirty_ids=0.05)
    return clean, dirty, manifest


def _feed(directory: Path, key: str) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False)
                      for p in sorted(directory.glob(f"{key}_*.csv"))], ignore_index=True)


def test_rate_zero_writes_no_links_and_other_feeds_are_untouched(
        cities: tuple[Path, Path, dict[str, object]]) -> None:
    clean, dirty, _ = cities
    assert not (clean / "truth" / "links.csv").exists()
    assert (dirty / "truth" / "links.csv").exists()
    for path in sorted(clean.iterdir()):
        if not path.is_file() or path.name.startswith(DIRTY_FEEDS):
            continue
        if path.suffix == ".xlsx":  # the zip container stamps its write time
            assert pd.read_excel(path).equals(pd.read_excel(dirty / path.name)), path.name
        else:
            assert path.read_bytes() == (dirty / path.name).read_bytes(), path.name
    assert (clean / "truth" / "calibers.csv").read_bytes() == \
        (dirty / "truth" / "calibers.csv").read_bytes()


def test_dirty_rows_carry_wrong_ids_and_variant_names(
        cities: tuple[Path, Path, dict[str, object]]) -> None:
    clean, dirty, manifest = cities
    links = pd.read_csv(dirty / "truth" / "links.csv", dtype=str)
    assert set(links["feed"]) <= set(DIRTY_FEEDS)
    assert links["record_id"].is_unique
    kinds = {"missing": 0, "old15": 0, "invalid": 0, "other_person": 0}
    names_changed = 0
    for key in ("police_residence", "stats_census"):
        before = _feed(clean, key).set_index("记录编号")
        after = _feed(dirty, key).set_index("记录编号")
        assert len(before) == len(after)
        mine = links[links["feed"] == key]
        share = len(mine) / len(before)
        assert 0.03 < share < 0.06
        for rid, pkey in zip(mine["record_id"], mine["person_key"], strict=True):
            true_id, got = before.at[rid, "公民身份号码"], after.at[rid, "公民身份号码"]
            assert person_key(true_id) == pkey
            assert got != true_id
            if got == "":
                kinds["missing"] += 1
            elif len(got) == 15:
                kinds["old15"] += 1
            elif not is_valid(got):
                kinds["invalid"] += 1
            else:
                kinds["other_person"] += 1
            old, new = before.at[rid, "姓名"], after.at[rid, "姓名"]
            names_changed += old != new
            # the surname survives every variant, at least in sound
            assert pinyin(normalise(new)[0]) == pinyin(old[0])
        untouched = before.drop(index=mine["record_id"])
        assert untouched.equals(after.drop(index=mine["record_id"]))
    assert all(v > 0 for v in kinds.values()), kinds
    assert names_changed > len(links) / 3
    assert manifest["expected_quarantined"] > 0


def test_cli_rejects_a_rate_outside_zero_one(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from renkou.cli.main import app

    res = CliRunner().invoke(app, ["synth", "--persons", "200", "--dirty-ids", "1.5",
                                   "--out", str(tmp_path)])
    assert res.exit_code != 0
    assert not (tmp_path / "truth").exists() or not any((tmp_path / "truth").iterdir())


def test_other_person_numbers_belong_to_someone_else(
        cities: tuple[Path, Path, dict[str, object]]) -> None:
    clean, dirty, _ = cities
    everyone = set(_feed(clean, "police_hukou")["公民身份号码"])
    links = pd.read_csv(dirty / "truth" / "links.csv", dtype=str)
    after = _feed(dirty, "police_residence").set_index("记录编号")
    mine = links[links["feed"] == "police_residence"]["record_id"]
    ids = after.loc[mine, "公民身份号码"].to_numpy()
    valid = np.array([len(x) == 18 and is_valid(x) for x in ids])
    assert valid.any()
    assert np.mean([x in everyone for x in ids[valid]]) > 0.5
