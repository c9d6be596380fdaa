"""Keys: never derived from a constant, recorded by fingerprint, other keys refused."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from renkou.errors import ConfigError, StoreError
from renkou.registry import Registry
from renkou.registry.ingest import ingest_directory, report_text
from renkou.registry.keyring import FINGERPRINT_META, store_keys
from renkou.registry.store import Store
from renkou.settings import Settings

from .conftest import counts


def test_keys_come_from_no_constant(tmp_path: Path) -> None:
    a = Settings(env="development", data_dir=tmp_path / "a")
    b = Settings(env="development", data_dir=tmp_path / "b")
    assert a.encryption_key_bytes() != b.encryption_key_bytes()
    assert a.pseudonym_key_bytes() != b.pseudonym_key_bytes()
    assert a.pseudonym_key_bytes() == a.pseudonym_key_bytes()  # the file is kept
    import renkou.settings as module

    assert not hasattr(module, "_DEV_SECRET")


def test_first_ingest_creates_a_private_key_file_used_later(tmp_path: Path,
                                                            small: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        report = ingest_directory(store, small)
    key_file = tmp_path / "r.duckdb.keys"
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert str(key_file) in report_text(report)
    with Store(db) as store:
        meta = store.scalar("SELECT value FROM store_meta WHERE key = ?", [FINGERPRINT_META])
        assert meta and store_keys(store) is not None  # found and matching
        before = store.scalar("SELECT count(*) FROM identity")
        assert ingest_directory(store, small).rows_read == 0  # same keys: files known
        assert store.scalar("SELECT count(*) FROM identity") == before


def test_ingest_with_other_keys_is_refused_and_writes_nothing(tmp_path: Path,
                                                              small: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        ingest_directory(store, small)
    before = counts(db)
    other = Settings(encryption_key="another", pseudonym_key="another-too")
    again = tmp_path / "again"
    shutil.copytree(small, again)
    (again / "hrss_employment.csv").write_text(
        (small / "hrss_employment.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with Store(db, settings=other) as store, pytest.raises(StoreError, match="另一组密钥"):
        ingest_directory(store, again)
    assert counts(db) == before
    with pytest.raises(StoreError, match="另一组密钥"):
        Registry(db, read_only=True, settings=other)


def test_store_without_fingerprint_is_checked_by_its_identities(tmp_path: Path,
                                                                small: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        ingest_directory(store, small)
        store.execute("DELETE FROM store_meta WHERE key = ?", [FINGERPRINT_META])
    with Store(db) as store:
        assert store_keys(store) is not None  # its own key file decrypts an identity
    with Store(db, settings=Settings(encryption_key="x", pseudonym_key="y")) as store, \
            pytest.raises(StoreError):
        store_keys(store)


def test_a_store_whose_keys_are_lost_takes_no_new_keys(tmp_path: Path, small: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        ingest_directory(store, small)
    (tmp_path / "r.duckdb.keys").unlink()
    before = counts(db)
    with Store(db) as store, pytest.raises(ConfigError, match="找不到"):
        ingest_directory(store, tmp_path)  # not reached: the keys are checked first
    assert counts(db) == before
    assert not (tmp_path / "r.duckdb.keys").exists()


def test_production_requires_keys_for_reading_and_ingest(
        tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        ingest_directory(store, small)
    (tmp_path / "r.duckdb.keys").rename(tmp_path / "kept.keys")
    production = Settings(env="production")
    with pytest.raises(ConfigError, match="生产环境"):
        Registry(db, read_only=True, settings=production)
    with_file = Settings(env="production", key_file=tmp_path / "kept.keys")
    Registry(db, read_only=True, settings=with_file).close()
    from renkou.cli.main import main
    from renkou.settings import get_settings

    monkeypatch.setenv("RENKOU_ENV", "production")
    get_settings.cache_clear()
    new_db = tmp_path / "new.duckdb"
    code = main(["registry", "ingest", "--quiet", "--db", str(new_db), str(small)])
    assert code != 0 and "生产环境" in capsys.readouterr().err
    assert not new_db.exists()  # refused before the store file is created
    code = main(["registry", "stats", "--db", str(db), "--as-of", "2024-12-31",
                 "--caliber", "resident", "--out", str(tmp_path / "s.csv")])
    assert code != 0 and "生产环境" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()
    # The server refuses to start rather than failing on its first request.
    code = main(["serve", "--db", str(db), "--port", "1"])
    assert code != 0 and "生产环境" in capsys.readouterr().err


def test_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    keys = tmp_path / "k.keys"
    result = subprocess.run([str(Path(sys.executable).parent / "renkou"), "registry",
                             "keygen", "--out", str(keys)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    keys.chmod(0o644)
    with pytest.raises(ConfigError, match="权限"):
        Settings(key_file=keys).key_secrets()
