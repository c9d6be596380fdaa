"""Personal data at rest (个人信息保护): encryption of ID numbers and names, keyed pseudonyms.

* The raw citizen ID number and the name are stored only encrypted, with AES-256-GCM under
  the encryption key of :class:`Keys` (``Settings.encryption_key_bytes()``, never in the
  repository).
* Records of one person are joined by a keyed pseudonym, HMAC-SHA256 with the pseudonym
  key (``Settings.pseudonym_key_bytes()``). The same HMAC is computed inside DuckDB during ingest
  (:func:`hmac_sql`) so that millions of rows never pass through Python one by one.
* Display uses :func:`renkou.ids.mask`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from renkou.errors import ConfigError
from renkou.settings import Settings, encryption_material, pseudonym_material

_NONCE = 12
PSEUDONYM_HEX = 32  # 128 bits of the HMAC kept as the pseudonym


@dataclass(frozen=True, repr=False)
class Keys:
    """The two secrets of the store: ``encryption`` (urlsafe-base64 material of a 32-byte
    AES key) and ``pseudonym`` (the HMAC key). Passed in; never read from the environment."""

    encryption: bytes
    pseudonym: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> Keys:
        """The deployment's keys (environment, or the key file beside the settings'
        database); for a store's own keys see :func:`renkou.registry.keyring.store_keys`."""
        return cls(settings.encryption_key_bytes(), settings.pseudonym_key_bytes())

    @classmethod
    def from_secrets(cls, secrets: dict[str, str]) -> Keys:
        """Keys from the two secrets (environment or key file values)."""
        return cls(encryption_material(secrets["encryption_key"].encode()),
                   pseudonym_material(secrets["pseudonym_key"].encode()))

    def __repr__(self) -> str:  # never print key material
        return "Keys(…)"


def _aes_key(keys: Keys) -> bytes:
    material = keys.encryption
    try:
        key = base64.urlsafe_b64decode(material)
    except ValueError as exc:
        raise ConfigError(f"加密密钥格式错误：{exc}") from None
    if len(key) != 32:
        raise ConfigError("加密密钥长度应为32字节")
    return key


def encrypt(text: str, keys: Keys) -> bytes:
    """Encrypt one value: 12-byte random nonce followed by the GCM ciphertext and tag."""
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(_aes_key(keys)).encrypt(nonce, text.encode("utf-8"), None)


def encrypt_many(texts: Sequence[str | None], keys: Keys) -> list[bytes | None]:
    """Encrypt many values with one cipher object (None stays None)."""
    aes = AESGCM(_aes_key(keys))
    nonces = os.urandom(_NONCE * len(texts))
    out: list[bytes | None] = []
    for i, t in enumerate(texts):
        if t is None:
            out.append(None)
            continue
        nonce = nonces[i * _NONCE:(i + 1) * _NONCE]
        out.append(nonce + aes.encrypt(nonce, t.encode("utf-8"), None))
    return out


def encrypt_array(texts: pa.Array, keys: Keys) -> pa.Array:
    """Encrypt every value of an Arrow string array (no nulls) into an Arrow binary array,
    each value as in :func:`encrypt`. The ciphertexts are written into one buffer: building
    the Arrow array from Python bytes objects would cost as much as the encryption."""
    if texts.null_count:
        raise ValueError("encrypt_array: null values")
    aes = AESGCM(_aes_key(keys))
    values = texts.cast(pa.binary()).to_pylist()
    nonces = os.urandom(_NONCE * len(values))
    seal = aes.encrypt
    parts: list[bytes] = [b""] * (2 * len(values))
    for i, v in enumerate(values):
        nonce = nonces[_NONCE * i:_NONCE * (i + 1)]
        parts[2 * i] = nonce
        parts[2 * i + 1] = seal(nonce, v, None)
    # nonce + ciphertext (same length as the text) + 16-byte tag
    lengths = pc.binary_length(texts).to_numpy(zero_copy_only=False) + _NONCE + 16
    offsets = np.zeros(len(values) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.Array.from_buffers(pa.large_binary(), len(values),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(parts))])


def decrypt(blob: bytes, keys: Keys) -> str:
    """Decrypt a value written by :func:`encrypt` (raises when the key is wrong)."""
    return AESGCM(_aes_key(keys)).decrypt(blob[:_NONCE], blob[_NONCE:], None).decode("utf-8")


def pseudonym(id_number: str, keys: Keys) -> str:
    """Keyed pseudonym of an ID number (upper-cased, stripped): 32 hex characters."""
    n = id_number.strip().upper().encode("utf-8")
    return hmac.new(keys.pseudonym, n, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def pseudonyms(numbers: Iterable[str], keys: Keys) -> list[str]:
    return [pseudonym(n, keys) for n in numbers]


def pid_of(pseudonym_hex: str) -> int:
    """The 64-bit integer key used in the store's tables (first 16 hex characters)."""
    return int(pseudonym_hex[:16], 16)


def hmac_pads(keys: Keys) -> tuple[bytes, bytes]:
    """The HMAC inner and outer padded keys (RFC 2104) for the SQL implementation."""
    key = keys.pseudonym
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\x00")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_sql(expr: str, ipad_param: str = "$ipad", opad_param: str = "$opad") -> str:
    """DuckDB expression computing the pseudonym of the VARCHAR expression ``expr``.

    HMAC(K, m) = SHA256((K ^ opad) || SHA256((K ^ ipad) || m)); the pads are bound as BLOB
    parameters so the key never appears in SQL text or logs."""
    inner = f"unhex(sha256({ipad_param}::BLOB || encode({expr})))"
    return f"substr(sha256({opad_param}::BLOB || {inner}), 1, {PSEUDONYM_HEX})"


def pid_sql(pseudonym_expr: str) -> str:
    """DuckDB expression turning a pseudonym into the 64-bit table key."""
    return f"('0x' || substr({pseudonym_expr}, 1, 16))::UBIGINT"
