"""``renkou keys rotate``: identities and pseudonyms under new keys in one transaction —
nothing lost, every count the same, persons still linked across batches, and a killed
rotation leaving the store readable with the old keys."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from renkou.app.keys import rotate_keys, show_keys
from renkou.errors import ConfigError, StoreError
from renkou.registry import Registry, crypto, synth
from renkou.registry.ingest import ingest_directory
from renkou.registry.keyring import fingerprint, pending_key_file, recorded_fingerprint
from renkou.registry.rotation import rekey
from renkou.registry.store import Store
from renkou.settings import Settings, new_key_secrets, read_key_file, write_key_file

SMALL = Path(__file__).parent / "data" / "small"
RENKOU = str(Path(sys.executable).parent / "renkou")


def clear_identities(db: Path, settings: Settings) -> dict[str, str]:
    """ID number → 'ID<TAB>name' of every identity, decrypted with the configured keys,
    after checking each stored pseudonym against its ID number."""
    keys = crypto.Keys.from_secrets(read_key_file(settings.key_path(db)),
                                    settings.crypto_algorithm)
    out = {}
    with Store(db, read_only=True, settings=settings) as store:
        for pid, ps, blob in store.rows("SELECT pid, pseudonym, pii_enc FROM identity"):
            text = crypto.decrypt(bytes(blob), keys)
            number = text.split("\t", 1)[0]
            assert crypto.pseudonym(number, keys) == ps and crypto.pid_of(ps) == pid
            out[number] = text
    return out


def figures(db: Path, settings: Settings) -> dict[str, pd.DataFrame]:
    """Every caliber at two dates, 人户分离, births, deaths and flows of the store."""
    out: dict[str, pd.DataFrame] = {}
    with Registry(db, read_only=True, settings=settings) as r:
        for day in (date(2020, 11, 1), date(2024, 12, 31)):
            for caliber in ("hukou", "resident", "employed", "active"):
                out[f"{caliber}-{day}"] = r.caliber(day, caliber, "street")
            out[f"separation-{day}"] = r.separation(day, "street")
        span = (date(2015, 1, 1), date(2024, 12, 31))
        out["births"] = r.births(*span)
        out["deaths"] = r.deaths(*span)
        out["flows"] = r.flows(*span)
    return {k: v.sort_values(list(v.columns)).reset_index(drop=True) for k, v in out.items()}


def assert_same_figures(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], obj=key)


@pytest.fixture()
def small_store(tmp_path: Path) -> Path:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        ingest_directory(store, SMALL)
    return db


@pytest.mark.parametrize("algorithm", ["aes-gcm", "sm4-gcm"])
def test_rotation_round_trip(small_store: Path, algorithm: str) -> None:
    db, settings = small_store, Settings()
    before = clear_identities(db, settings)
    old_secrets = read_key_file(settings.key_path(db))
    with Store(db, read_only=True) as store:
        old_fp = recorded_fingerprint(store)
        old_pids = {r[0] for r in store.rows("SELECT pid FROM identity")}
    result = rotate_keys(db, settings, algorithm=algorithm)  # type: ignore[arg-type]
    key_file = settings.key_path(db)
    assert result.key_file == key_file and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert result.retired_key_file is not None
    assert read_key_file(result.retired_key_file) == old_secrets
    assert read_key_file(key_file) != old_secrets
    assert not pending_key_file(key_file).exists()
    assert result.old_fingerprint == old_fp and result.new_fingerprint != old_fp
    after_settings = Settings(crypto_algorithm=algorithm)
    assert clear_identities(db, after_settings) == before  # every ID and name kept
    with Store(db, read_only=True, settings=after_settings) as store:
        new = crypto.Keys.from_secrets(read_key_file(key_file), algorithm)  # type: ignore[arg-type]
        assert recorded_fingerprint(store) == fingerprint(new) == result.new_fingerprint
        assert not old_pids & {r[0] for r in store.rows("SELECT pid FROM identity")}
    info = show_keys(db, after_settings)
    assert info.fingerprint == result.new_fingerprint and info.algorithm == algorithm
    # The old keys no longer open the store.
    old_file = db.with_name("old.keys")
    shutil.copy(result.retired_key_file, old_file)
    with pytest.raises(StoreError):
        Registry(db, read_only=True, settings=Settings(crypto_algorithm=algorithm,
                                                       key_file=old_file))


def test_show_never_prints_a_key(small_store: Path) -> None:
    out = subprocess.run([RENKOU, "keys", "show", "--db", str(small_store)],
                         capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, out.stderr
    secrets = read_key_file(Settings().key_path(small_store))
    assert "密钥指纹" in out.stdout and "aes-gcm" in out.stdout
    assert not any(v in out.stdout + out.stderr for v in secrets.values())


def test_rotation_with_keys_in_the_environment_needs_out(
        small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = read_key_file(Settings().key_path(small_store))
    env = Settings(encryption_key=secrets["encryption_key"],
                   pseudonym_key=secrets["pseudonym_key"])
    with pytest.raises(ConfigError, match="--out"):
        rotate_keys(small_store, env)
    out = tmp_path / "secrets" / "new.keys"
    result = rotate_keys(small_store, env, out=out)
    assert result.key_file == out and any("RENKOU_ENCRYPTION_KEY" in n for n in result.notices)
    assert clear_identities(small_store, Settings(key_file=out))


def test_kill_between_commit_and_key_file_rename_is_completed(small_store: Path) -> None:
    db, settings = small_store, Settings()
    key_file = settings.key_path(db)
    old = crypto.Keys.from_secrets(read_key_file(key_file))
    secrets = new_key_secrets()
    write_key_file(pending_key_file(key_file), secrets)
    with Store(db) as store, store.transaction():  # committed; the renaming never ran
        rekey(store, old, crypto.Keys.from_secrets(secrets))
    Registry(db, read_only=True, settings=settings).close()  # finishes the rotation
    assert read_key_file(key_file) == secrets and not pending_key_file(key_file).exists()
    assert list(db.parent.glob(f"{key_file.name}.old-*"))
    assert clear_identities(db, settings)


@pytest.mark.slow
def test_counts_and_links_across_batches_survive_rotation(tmp_path: Path) -> None:
    """Two batches of one city, with a rotation (to SM4) between them, give the store the
    same persons and figures as the two batches under one key: no person split in two."""
    feeds = tmp_path / "feeds"
    synth.write_feeds(synth.generate_city(2_000, 11), feeds)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for p in feeds.iterdir():
        if p.is_file():
            early = any(f"_{y}." in p.name for y in range(2015, 2020)) or p.suffix == ".json"
            shutil.copy(p, first / p.name)
            if p.suffix == ".json" or not early:
                shutil.copy(p, second / p.name)
                if p.suffix != ".json":
                    (first / p.name).unlink()
    settings, sm4 = Settings(), Settings(crypto_algorithm="sm4-gcm")
    plain, rotated = tmp_path / "plain.duckdb", tmp_path / "rotated.duckdb"
    for db in (plain, rotated):
        with Store(db) as store:
            ingest_directory(store, first, settings=settings)
    before = figures(rotated, settings)
    rotate_keys(rotated, settings, algorithm="sm4-gcm")
    assert_same_figures(figures(rotated, sm4), before)  # rotation changes no count
    with Store(plain) as store:
        ingest_directory(store, second, settings=settings)
    with Store(rotated, settings=sm4) as store:
        report = ingest_directory(store, second, settings=sm4)
    assert report.rows_read > 0
    with Store(plain, read_only=True) as a, Store(rotated, read_only=True, settings=sm4) as b:
        for table in ("identity", "persons"):
            assert a.scalar(f"SELECT count(*) FROM {table}") == \
                b.scalar(f"SELECT count(*) FROM {table}"), table
        assert b.scalar("SELECT count(*) FROM quarantine WHERE reason = 'duplicate'") == \
            a.scalar("SELECT count(*) FROM quarantine WHERE reason = 'duplicate'")
    assert_same_figures(figures(rotated, sm4), figures(plain, settings))
    assert clear_identities(rotated, sm4) == clear_identities(plain, settings)


@pytest.mark.slow
def test_killed_rotation_leaves_the_store_readable_with_the_old_keys(
        small_store: Path, tmp_path: Path) -> None:
    db, settings = small_store, Settings()
    key_file = settings.key_path(db)
    old_secrets = read_key_file(key_file)
    before = clear_identities(db, settings)
    before_figures = figures(db, settings)
    with Store(db, read_only=True) as store:
        old_fp = recorded_fingerprint(store)
    mark = tmp_path / "paused"
    env = {**os.environ, "RENKOU_TEST_PAUSE_ROTATE": "60", "RENKOU_TEST_PAUSE_MARK": str(mark)}
    proc = subprocess.Popen([RENKOU, "keys", "rotate", "--db", str(db), "--algorithm",
                             "sm4-gcm"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    deadline = time.monotonic() + 120
    while not mark.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the rotation never reached its pause"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # everything rewritten, not committed
    proc.wait()
    assert read_key_file(key_file) == old_secrets
    with Store(db, read_only=True) as store:
        assert recorded_fingerprint(store) == old_fp
    assert clear_identities(db, settings) == before
    assert_same_figures(figures(db, settings), before_figures)
    # A later rotation replaces what the killed one left and succeeds.
    result = rotate_keys(db, settings)
    assert result.new_fingerprint != old_fp and not pending_key_file(key_file).exists()
    assert clear_identities(db, settings) == before
