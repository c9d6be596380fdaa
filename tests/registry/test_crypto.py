"""At-rest protection: encryption, keyed pseudonyms (Python and SQL agree), no raw IDs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from renkou.ids import generate
from renkou.registry import crypto
from renkou.registry.ingest import ingest_directory
from renkou.registry.keyring import store_keys
from renkou.registry.store import Store
from renkou.tables import read_table

SMALL = Path(__file__).parent / "data" / "small"


def keys() -> crypto.Keys:
    from renkou.settings import get_settings

    return crypto.Keys.from_settings(get_settings())


def test_roundtrip_and_random_nonce() -> None:
    k = keys()
    text = "120101198005100117\t张一"
    a, b = crypto.encrypt(text, k), crypto.encrypt(text, k)
    assert a != b
    assert crypto.decrypt(a, k) == "120101198005100117\t张一"
    assert [crypto.decrypt(x, k) for x in crypto.encrypt_many(["a", "b"], k) if x] == ["a", "b"]
    assert "dev" not in repr(k)  # key material never printed


def test_wrong_key_cannot_decrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.exceptions import InvalidTag

    from renkou.settings import get_settings

    blob = crypto.encrypt("secret", keys())
    monkeypatch.setenv("RENKOU_ENCRYPTION_KEY", "another-key")
    get_settings.cache_clear()
    try:
        with pytest.raises(InvalidTag):
            crypto.decrypt(blob, keys())
    finally:
        monkeypatch.delenv("RENKOU_ENCRYPTION_KEY")
        get_settings.cache_clear()


def test_sql_hmac_equals_python(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 50
    ids = generate(np.array(["120111"] * n), np.full(n, np.datetime64("1990-01-01")),
                   np.array(["male", "female"] * (n // 2)), rng)
    k = keys()
    ipad, opad = crypto.hmac_pads(k)
    with Store(tmp_path / "c.duckdb") as store:
        sql = crypto.hmac_sql("$id")
        got = [store.scalar(f"SELECT {sql}", {"id": str(i), "ipad": ipad, "opad": opad})
               for i in ids]
        pids = [store.scalar(f"SELECT {crypto.pid_sql(repr(p))}") for p in got]
    assert got == [crypto.pseudonym(str(i), k) for i in ids]
    assert pids == [crypto.pid_of(p) for p in got]


def test_database_file_holds_no_raw_id_or_name(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        ingest_directory(store, SMALL)
        blob = store.scalar("SELECT pii_enc FROM identity WHERE id_masked LIKE '120102%'")
        own = store_keys(store)
        assert own is not None
        assert crypto.decrypt(blob, own).endswith("\t王四")
    raw = db.read_bytes()
    ids = read_table(SMALL / "police_hukou_2020.csv")["公民身份号码"]
    for number in {n for n in ids if n}:
        assert number.encode() not in raw
    assert "王四".encode() not in raw and "张一".encode() not in raw


def test_encrypt_array_round_trips_and_uses_fresh_nonces() -> None:
    texts = pa.array(["120101199001011234\t张三", "1\t", "x" * 300])
    k = keys()
    sealed = crypto.encrypt_array(texts, k)
    assert [crypto.decrypt(b, k) for b in sealed.to_pylist()] == texts.to_pylist()
    again = crypto.encrypt_array(texts, k)
    assert all(a != b for a, b in zip(sealed.to_pylist(), again.to_pylist(), strict=True))
    with pytest.raises(ValueError):
        crypto.encrypt_array(pa.array(["a", None]), k)
