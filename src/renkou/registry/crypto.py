"""Personal data at rest (个人信息保护): encryption of ID numbers and names, keyed pseudonyms.

Two algorithm suites, chosen in the settings (``Settings.crypto_algorithm``) and recorded by
the store (:mod:`renkou.registry.keyring`):

* ``aes-gcm`` (default): ID number and name encrypted with AES-256-GCM, records of one person
  joined by an HMAC-SHA256 pseudonym of the ID number;
* ``sm4-gcm`` (国密, GB/T 32907 and GB/T 32905): SM4-GCM (RFC 8998) and an SM3-HMAC
  pseudonym. Both come from OpenSSL through the ``cryptography`` package — maintained,
  and about 5 µs a value for SM4-GCM against several hundred for pure-Python SM4.

Either way a value is stored as a 12-byte random nonce, the ciphertext and the 16-byte tag.
The keys are never in the repository: :class:`Keys` derives the cipher and HMAC keys from
the two secrets of the environment or the key file. The pseudonym HMAC is computed inside
DuckDB during ingest (:func:`pseudonym_sql`) so that millions of rows never pass through
Python one by one — with SHA-256 in SQL, with SM3 through a vectorised function registered on
the connection (:func:`register_sql_functions`). Display uses :func:`renkou.ids.mask`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, get_args

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from renkou.errors import ConfigError
from renkou.settings import CryptoAlgorithm as Algorithm
from renkou.settings import Settings, encryption_material, pseudonym_material

ALGORITHMS: tuple[Algorithm, ...] = get_args(Algorithm)
DEFAULT_ALGORITHM: Algorithm = "aes-gcm"
ALGORITHM_LABELS: dict[Algorithm, str] = {
    "aes-gcm": "AES-256-GCM 加密、HMAC-SHA256 假名",
    "sm4-gcm": "国密 SM4-GCM 加密、SM3-HMAC 假名",
}

_NONCE = 12
_TAG = 16
_BLOCK = 64  # HMAC block size of SHA-256 and of SM3
PSEUDONYM_HEX = 32  # 128 bits of the HMAC kept as the pseudonym
SM3_HMAC_FUNCTION = "renkou_sm3_hmac"


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


@dataclass(frozen=True, repr=False)
class Keys:
    """The two secrets of the store as key material: ``encryption`` (AES: urlsafe-base64 of a
    32-byte key; SM4: the 16-byte key) and ``pseudonym`` (the HMAC key), and the algorithm
    suite they serve. Passed in; never read from the environment."""

    encryption: bytes
    pseudonym: bytes
    algorithm: Algorithm = DEFAULT_ALGORITHM

    @classmethod
    def from_settings(cls, settings: Settings) -> Keys:
        """The deployment's keys (environment, or the key file beside the settings'
        database) for the settings' algorithm; for a store's own keys see
        :func:`renkou.registry.keyring.store_keys`."""
        return cls.from_secrets(settings.deployment_key_secrets(), settings.crypto_algorithm)

    @classmethod
    def from_secrets(cls, secrets: dict[str, str],
                     algorithm: Algorithm = DEFAULT_ALGORITHM) -> Keys:
        """Keys from the two secrets (environment or key file values). SM4 keys are derived
        with SM3 so that the 国密 suite uses no other primitive."""
        enc, pse = secrets["encryption_key"].encode(), secrets["pseudonym_key"].encode()
        if algorithm == "sm4-gcm":
            return cls(sm3(b"renkou sm4 key\0" + enc)[:16], sm3(b"renkou sm3 hmac key\0" + pse),
                       algorithm)
        if algorithm != "aes-gcm":
            raise ConfigError(f"未知的加密算法 {algorithm}：应为 {'、'.join(ALGORITHMS)}")
        return cls(encryption_material(enc), pseudonym_material(pse), algorithm)

    def __repr__(self) -> str:  # never print key material
        return f"Keys({self.algorithm}, …)"


class _Aead(Protocol):
    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...


class _SM4GCM:
    """SM4 in GCM mode with the interface of :class:`AESGCM` (ciphertext then 16-byte tag).
    ``cryptography`` has no one-shot AEAD class for SM4; its GCM mode does the work."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 16:
            raise ConfigError("SM4 密钥长度应为16字节")
        self._algorithm = algorithms.SM4(key)

    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        enc = Cipher(self._algorithm, modes.GCM(nonce)).encryptor()
        if associated_data:
            enc.authenticate_additional_data(associated_data)
        return enc.update(data) + enc.finalize() + enc.tag

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        if len(data) < _TAG:
            raise InvalidTag
        dec = Cipher(self._algorithm, modes.GCM(nonce, data[-_TAG:])).decryptor()
        if associated_data:
            dec.authenticate_additional_data(associated_data)
        return dec.update(data[:-_TAG]) + dec.finalize()


def _aes_key(keys: Keys) -> bytes:
    material = keys.encryption
    try:
        key = base64.urlsafe_b64decode(material)
    except ValueError as exc:
        raise ConfigError(f"加密密钥格式错误：{exc}") from None
    if len(key) != 32:
        raise ConfigError("加密密钥长度应为32字节")
    return key


def _cipher(keys: Keys) -> _Aead:
    if keys.algorithm == "sm4-gcm":
        return _SM4GCM(keys.encryption)
    return AESGCM(_aes_key(keys))


def encrypt(text: str, keys: Keys) -> bytes:
    """Encrypt one value: 12-byte random nonce followed by the GCM ciphertext and tag."""
    nonce = os.urandom(_NONCE)
    return nonce + _cipher(keys).encrypt(nonce, text.encode("utf-8"), None)


def encrypt_many(texts: Sequence[str | None], keys: Keys) -> list[bytes | None]:
    """Encrypt many values with one cipher object (None stays None)."""
    cipher = _cipher(keys)
    nonces = os.urandom(_NONCE * len(texts))
    out: list[bytes | None] = []
    for i, t in enumerate(texts):
        if t is None:
            out.append(None)
            continue
        nonce = nonces[i * _NONCE:(i + 1) * _NONCE]
        out.append(nonce + cipher.encrypt(nonce, t.encode("utf-8"), None))
    return out


def encrypt_array(texts: pa.Array, keys: Keys) -> pa.Array:
    """Encrypt every value of an Arrow string array (no nulls) into an Arrow binary array,
    each value as in :func:`encrypt`. The ciphertexts are written into one buffer: building
    the Arrow array from Python bytes objects would cost as much as the encryption."""
    if texts.null_count:
        raise ValueError("encrypt_array: null values")
    seal = _cipher(keys).encrypt
    values = texts.cast(pa.binary()).to_pylist()
    nonces = os.urandom(_NONCE * len(values))
    parts: list[bytes] = [b""] * (2 * len(values))
    for i, v in enumerate(values):
        nonce = nonces[_NONCE * i:_NONCE * (i + 1)]
        parts[2 * i] = nonce
        parts[2 * i + 1] = seal(nonce, v, None)
    # nonce + ciphertext (same length as the text) + 16-byte tag
    lengths = pc.binary_length(texts).to_numpy(zero_copy_only=False) + _NONCE + _TAG
    offsets = np.zeros(len(values) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.Array.from_buffers(pa.large_binary(), len(values),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(parts))])


def decrypt(blob: bytes, keys: Keys) -> str:
    """Decrypt a value written by :func:`encrypt` (raises InvalidTag when the key is wrong)."""
    return _cipher(keys).decrypt(blob[:_NONCE], blob[_NONCE:], None).decode("utf-8")


def decrypt_many(blobs: Iterable[bytes], keys: Keys) -> list[str]:
    """Decrypt many values with one cipher object."""
    cipher = _cipher(keys)
    return [cipher.decrypt(b[:_NONCE], b[_NONCE:], None).decode("utf-8") for b in blobs]


def pseudonym(id_number: str, keys: Keys) -> str:
    """Keyed pseudonym of an ID number (upper-cased, stripped): 32 hex characters."""
    n = id_number.strip().upper().encode("utf-8")
    if keys.algorithm == "sm4-gcm":
        mac = crypto_hmac.HMAC(keys.pseudonym, hashes.SM3())
        mac.update(n)
        return mac.finalize().hex()[:PSEUDONYM_HEX]
    return hmac.new(keys.pseudonym, n, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def pseudonyms(numbers: Iterable[str], keys: Keys) -> list[str]:
    """Pseudonyms of many ID numbers (upper-cased, stripped) with one keyed HMAC state."""
    if keys.algorithm != "sm4-gcm":
        return [pseudonym(n, keys) for n in numbers]
    ipad, opad = hmac_pads(keys)
    return [h[:PSEUDONYM_HEX] for h in
            _sm3_hmac_hex(ipad, opad, (n.strip().upper().encode("utf-8") for n in numbers))]


def pid_of(pseudonym_hex: str) -> int:
    """The 64-bit integer key used in the store's tables (first 16 hex characters)."""
    return int(pseudonym_hex[:16], 16)


def hmac_pads(keys: Keys) -> tuple[bytes, bytes]:
    """The HMAC inner and outer padded keys (RFC 2104) for the SQL implementation."""
    key = keys.pseudonym
    if len(key) > _BLOCK:
        key = sm3(key) if keys.algorithm == "sm4-gcm" else hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_sql(expr: str, ipad_param: str = "$ipad", opad_param: str = "$opad") -> str:
    """DuckDB expression computing the HMAC-SHA256 pseudonym of the VARCHAR ``expr``.

    HMAC(K, m) = SHA256((K ^ opad) || SHA256((K ^ ipad) || m)); the pads are bound as BLOB
    parameters so the key never appears in SQL text or logs."""
    inner = f"unhex(sha256({ipad_param}::BLOB || encode({expr})))"
    return f"substr(sha256({opad_param}::BLOB || {inner}), 1, {PSEUDONYM_HEX})"


def sm3_hmac_sql(expr: str, ipad_param: str = "$ipad", opad_param: str = "$opad") -> str:
    """DuckDB expression computing the SM3-HMAC pseudonym of the VARCHAR ``expr`` through
    the function :func:`register_sql_functions` adds (DuckDB has no SM3); the pads are bound
    parameters, as in :func:`hmac_sql`."""
    return (f"substr({SM3_HMAC_FUNCTION}({ipad_param}::BLOB, {opad_param}::BLOB, "
            f"encode({expr})), 1, {PSEUDONYM_HEX})")


def pseudonym_sql(keys: Keys) -> Callable[[str], str]:
    """The SQL pseudonym function of the keys' algorithm (see :func:`hmac_sql`)."""
    return sm3_hmac_sql if keys.algorithm == "sm4-gcm" else hmac_sql


class _FunctionHost(Protocol):
    def create_function(self, name: str, fn: Callable[..., pa.Array],
                        params: list[str], returns: str) -> None: ...


def register_sql_functions(con: _FunctionHost, keys: Keys) -> None:
    """Add what :func:`pseudonym_sql` needs to a connection (the SM3 HMAC for ``sm4-gcm``;
    nothing for ``aes-gcm``). The function holds no key: the pads arrive as arguments."""
    if keys.algorithm == "sm4-gcm":
        con.create_function(SM3_HMAC_FUNCTION, _sm3_hmac_arrow, ["BLOB", "BLOB", "BLOB"],
                            "VARCHAR")


def _sm3_hmac_hex(ipad: bytes, opad: bytes, messages: Iterable[bytes]) -> list[str]:
    # The padded keys are hashed once; each message costs two copies of the states.
    inner0, outer0 = hashes.Hash(hashes.SM3()), hashes.Hash(hashes.SM3())
    inner0.update(ipad)
    outer0.update(opad)
    out = []
    for m in messages:
        inner = inner0.copy()
        inner.update(m)
        outer = outer0.copy()
        outer.update(inner.finalize())
        out.append(outer.finalize().hex())
    return out


def _sm3_hmac_arrow(ipad: pa.ChunkedArray, opad: pa.ChunkedArray,
                    messages: pa.ChunkedArray) -> pa.Array:
    if not len(messages):
        return pa.array([], pa.string())
    if len(pc.unique(ipad)) != 1 or len(pc.unique(opad)) != 1:
        # The pads are one bound parameter; anything else is a misuse.
        raise ValueError(f"{SM3_HMAC_FUNCTION}: the pads must be constant")
    i_pad, o_pad = ipad[0].as_py(), opad[0].as_py()
    values = messages.to_pylist()
    if any(v is None for v in values):
        raise ValueError(f"{SM3_HMAC_FUNCTION}: null value")
    return pa.array(_sm3_hmac_hex(i_pad, o_pad, values), pa.string())


def pid_sql(pseudonym_expr: str) -> str:
    """DuckDB expression turning a pseudonym into the 64-bit table key."""
    return f"('0x' || substr({pseudonym_expr}, 1, 16))::UBIGINT"
