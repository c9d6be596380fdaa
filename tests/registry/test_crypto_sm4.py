"""The 国密 option: SM4-GCM identities and SM3-HMAC pseudonyms, chosen in the settings and
recorded by the store."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from cryptography.exceptions import InvalidTag

from renkou.errors import StoreError
from renkou.registry import Registry, crypto
from renkou.registry.ingest import ingest_directory
from renkou.registry.keyring import ALGORITHM_META, FINGERPRINT_META, store_keys
from renkou.registry.store import Scratch, Store
from renkou.settings import Settings

SMALL = Path(__file__).parent / "data" / "small"
SECRETS = {"encryption_key": "test-encryption-secret", "pseudonym_key": "test-pseudonym-secret"}


def sm4_keys() -> crypto.Keys:
    return crypto.Keys.from_secrets(SECRETS, "sm4-gcm")


def test_sm4_gcm_matches_the_rfc_8998_vector() -> None:
    # RFC 8998 appendix A.1 (SM4-GCM test vector).
    cipher = crypto._SM4GCM(bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"))
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                          "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
    sealed = cipher.encrypt(nonce, plain, aad)
    assert sealed.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC")
    assert cipher.decrypt(nonce, sealed, aad) == plain
    with pytest.raises(InvalidTag):
        cipher.decrypt(nonce, sealed[:-1] + bytes([sealed[-1] ^ 1]), aad)


def test_sm3_matches_the_standard_vector() -> None:
    # GB/T 32905-2016, example 1.
    assert crypto.sm3(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def test_sm3_hmac_pseudonym_is_rfc_2104_over_sm3() -> None:
    k = sm4_keys()
    ipad = bytes(b ^ 0x36 for b in k.pseudonym.ljust(64, b"\0"))
    opad = bytes(b ^ 0x5C for b in k.pseudonym.ljust(64, b"\0"))
    number = "120101198005100117"
    expected = crypto.sm3(opad + crypto.sm3(ipad + number.encode())).hex()[:32]
    assert crypto.pseudonym(number, k) == expected
    assert crypto.pseudonyms([number.lower(), " " + number], k) == [expected, expected]
    aes = crypto.Keys.from_secrets(SECRETS)
    assert crypto.pseudonym(number, aes) != expected  # the suites give other pseudonyms


def test_sm4_round_trip_and_the_other_suite_cannot_decrypt() -> None:
    k = sm4_keys()
    assert repr(k) == "Keys(sm4-gcm, …)" and SECRETS["encryption_key"] not in repr(k)
    blob = crypto.encrypt("120101198005100117\t张一", k)
    assert crypto.decrypt(blob, k) == "120101198005100117\t张一"
    texts = pa.array(["120101198005100117\t张一", "11010519491231002X\t", "x"])
    sealed = crypto.encrypt_array(texts, k)
    assert crypto.decrypt_many([bytes(b) for b in sealed.to_pylist()], k) == texts.to_pylist()
    with pytest.raises(InvalidTag):
        crypto.decrypt(blob, crypto.Keys.from_secrets(SECRETS))  # same secrets, AES
    with pytest.raises(InvalidTag):
        crypto.decrypt(blob, crypto.Keys.from_secrets({**SECRETS, "encryption_key": "o"},
                                                      "sm4-gcm"))


def test_sm3_pseudonym_in_sql_equals_python() -> None:
    k = sm4_keys()
    ids = [f"1201011980051{i:04d}X" for i in range(3000)]  # more than one DuckDB vector
    ipad, opad = crypto.hmac_pads(k)
    with Scratch() as scratch:
        crypto.register_sql_functions(scratch, k)
        scratch.register("_ids", pa.table({"i": range(len(ids)), "x": ids}))
        got = [r[0] for r in scratch.rows(
            f"SELECT {crypto.pseudonym_sql(k)('x')} FROM _ids ORDER BY i",
            {"ipad": ipad, "opad": opad})]
    assert got == crypto.pseudonyms(ids, k)


def test_a_store_built_under_sm4_records_it_and_refuses_aes(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    sm4 = Settings(crypto_algorithm="sm4-gcm")
    with Store(db, settings=sm4) as store:
        ingest_directory(store, SMALL, settings=sm4)
    with Store(db, read_only=True, settings=sm4) as store:
        meta = dict(store.rows("SELECT key, value FROM store_meta"))
        assert meta[ALGORITHM_META] == "sm4-gcm" and meta[FINGERPRINT_META]
        keys = store_keys(store)
        assert keys is not None and keys.algorithm == "sm4-gcm"
        rows = store.rows("SELECT pid, pseudonym, pii_enc FROM identity")
        assert rows
        for pid, ps, blob in rows:  # pseudonyms of the ingest (SQL) are those of Python
            number = crypto.decrypt(bytes(blob), keys).split("\t", 1)[0]
            assert crypto.pseudonym(number, keys) == ps and crypto.pid_of(ps) == pid
        before = store.scalar("SELECT count(*) FROM identity")
    aes = Settings()  # the same key file, the default algorithm
    with pytest.raises(StoreError, match="算法不符") as refused:
        Registry(db, read_only=True, settings=aes)
    assert "RENKOU_CRYPTO_ALGORITHM=sm4-gcm" in str(refused.value)
    with Store(db, settings=aes) as store, pytest.raises(StoreError, match="算法不符"):
        ingest_directory(store, SMALL, settings=aes)
    with Store(db, read_only=True, settings=sm4) as store:
        assert store.scalar("SELECT count(*) FROM identity") == before
    Registry(db, read_only=True, settings=sm4).close()
