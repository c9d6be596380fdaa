"""End to end against the synthetic city: generate feeds with synth's generator, ingest
them, and compare every caliber and 人户分离 with the generator's own truth (computed from
its people, not from the feeds): counts must be equal, cell by cell."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from renkou.registry import Registry
from renkou.registry.crypto import Keys, decrypt
from renkou.registry.ingest import ingest_directory
from renkou.registry.store import Store
from renkou.settings import get_settings, read_key_file

pytestmark = pytest.mark.slow

PERSONS, SEED = 20_000, 11
# synth's manifest names → registry reasons
REASON = {"bad_check_character": "bad_id_check", "id_birth_mismatch": "id_birthdate_mismatch",
          "future_date": "date_in_future", "id_sex_mismatch": "id_sex_mismatch",
          "unknown_division": "unknown_division", "duplicate": "duplicate",
          "event_after_death": "event_after_death"}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    synth = pytest.importorskip("renkou.registry.synth")
    out = tmp_path_factory.mktemp("city")
    manifest = synth.write_feeds(synth.generate_city(PERSONS, SEED), out)
    db = out / "registry.duckdb"
    with Store(db) as store:
        ingest_directory(store, out)
    return out, db, manifest


def test_every_caliber_equals_truth(city: tuple[Path, Path, dict[str, object]]) -> None:
    out, db, _ = city
    truth = pd.read_csv(out / "truth" / "calibers.csv", dtype={"region": str})
    assert set(truth["caliber"]) == {"hukou", "resident", "employed", "active"}
    with Registry(db, read_only=True) as reg:
        for (as_of, caliber), want in truth.groupby(["as_of", "caliber"]):
            got = reg.caliber(date.fromisoformat(str(as_of)), str(caliber))
            merged = want.merge(got, on=["region", "sex", "age"], how="outer",
                                suffixes=("_truth", "_registry")).fillna(0)
            bad = merged[merged["value_truth"] != merged["value_registry"]]
            assert bad.empty, f"{as_of} {caliber}: {len(bad)} cells differ\n{bad.head()}"
            assert want["value"].sum() > 1000


def test_separation_equals_truth(city: tuple[Path, Path, dict[str, object]]) -> None:
    out, db, _ = city
    path = out / "truth" / "separation.csv"
    if not path.exists():
        pytest.skip("synth wrote no separation truth")
    truth = pd.read_csv(path, dtype={"region": str})
    with Registry(db, read_only=True) as reg:
        for as_of, want in truth.groupby("as_of"):
            got = reg.separation(date.fromisoformat(str(as_of)))
            merged = want.drop(columns="as_of").merge(got, on=["region", "kind"], how="outer",
                                                      suffixes=("_t", "_r")).fillna(0)
            assert (merged["value_t"] == merged["value_r"]).all(), merged


def test_rows_and_quarantine_match_manifest(city: tuple[Path, Path, dict[str, object]]) -> None:
    _, db, manifest = city
    with Store(db, read_only=True) as store:
        read, accepted, quarantined = store.rows(
            "SELECT sum(rows_read), sum(accepted), sum(quarantined) FROM ingest_files")[0]
        by = store.frame("SELECT feed, reason, count(*) AS n FROM quarantine GROUP BY ALL")
    assert read == manifest["rows_written"]
    assert accepted + quarantined == read
    got = {(r.feed, r.reason): int(r.n) for r in by.itertuples()}
    dirty = manifest["dirty_by_feed"]
    assert isinstance(dirty, dict)
    for feed, kinds in dirty.items():
        if feed == "civil_funeral":
            continue  # some of synth's conflict rows are dated after their 登记日期 (contract)
        for kind, n in kinds.items():
            if kind in REASON and n:
                assert got.get((feed, REASON[kind]), 0) == n, (feed, kind)


def test_second_ingest_changes_nothing(city: tuple[Path, Path, dict[str, object]]) -> None:
    out, db, _ = city
    with Registry(db, read_only=True) as reg:
        before = reg.caliber(date(2024, 12, 31), "resident")
    with Store(db) as store:
        report = ingest_directory(store, out)
    assert report.rows_read == 0
    with Registry(db, read_only=True) as reg:
        after = reg.caliber(date(2024, 12, 31), "resident")
    pd.testing.assert_frame_equal(before, after)


def test_one_file_per_group_gives_the_same_store(
        city: tuple[Path, Path, dict[str, object]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Processing every file as its own group (the bounded-memory path of a 14-million
    delivery) must write exactly what one group per feed writes: the same accepted records,
    the same quarantine with the same reasons, the same identities."""
    out, db, _ = city
    small = tmp_path / "small.duckdb"
    key_file = get_settings().key_path(db)  # both stores under the same keys
    with Store(small) as store:
        # Group size 0 MB: every file is a group of its own (model_copy skips the ≥ 1
        # validation that protects real configurations).
        ingest_directory(store, out, settings=store.settings.model_copy(
            update={"ingest_group_mb": 0, "key_file": key_file}))
    with Store(db, read_only=True) as store:
        tables = ["quarantine", "identity"] + [r[0] for r in store.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'rec_%'")]
    for table in tables:
        frames = []
        for path in (db, small):
            with Store(path, read_only=True) as store:
                star = ("* REPLACE (CAST(content_hash AS VARCHAR) AS content_hash)"
                        if table.startswith("rec_") else "*")
                df = store.frame(f"SELECT {star} FROM {table}")
            if table == "identity":  # AES-GCM nonces differ run to run: compare the plain text
                keys = Keys.from_secrets(read_key_file(key_file))
                df["pii_enc"] = [decrypt(bytes(b), keys) for b in df["pii_enc"]]
                assert (df["pii_enc"].str.split("\t").str[1] != "").mean() > 0.9  # named
            frames.append(df.sort_values(list(df.columns)).reset_index(drop=True))
        assert len(frames[0]) > 0, table
        pd.testing.assert_frame_equal(frames[0], frames[1], obj=table)
