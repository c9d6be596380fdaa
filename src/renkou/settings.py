"""One typed settings object, read from ``RENKOU_*`` environment variables and an optional
``renkou.toml`` in the working directory (pydantic-settings)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import stat
import tempfile
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from renkou.errors import ConfigError

_KEY_NAMES = ("encryption_key", "pseudonym_key")
# Identity encryption and pseudonyms: AES-256-GCM with HMAC-SHA256, or SM4-GCM with SM3-HMAC.
CryptoAlgorithm = Literal["aes-gcm", "sm4-gcm"]
KEY_FILE_SUFFIX = ".keys"


class Settings(BaseSettings):
    """Runtime configuration (运行配置)."""

    model_config = SettingsConfigDict(
        env_prefix="RENKOU_", toml_file="renkou.toml", extra="ignore"
    )

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    db_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    # Key for encrypting ID numbers and names at rest (Fernet-compatible material is derived).
    encryption_key: SecretStr | None = None
    # Key for the keyed pseudonym (HMAC) used to join records of one person.
    pseudonym_key: SecretStr | None = None
    # File holding both keys when they are not in the environment (mode 0600, outside the
    # store). None: next to the store, ``<store>.keys``. Without keys anywhere, the first
    # ingest of a new store creates it with random keys (never in production).
    key_file: Path | None = None
    # Algorithm suite of a new store's identities and pseudonyms (renkou.registry.crypto); a
    # store records its own, and opening it under the other one is refused (renkou keys
    # rotate --algorithm converts a store).
    crypto_algorithm: CryptoAlgorithm = "aes-gcm"
    demo_persons: int = Field(default=200_000, ge=1_000)
    demo_seed: int = 2020
    # The jurisdiction (data/jurisdictions/<key>.yaml) a new store is built for; a store that
    # already holds data keeps the one it records.
    jurisdiction: str = "tianjin"
    # DuckDB resources: the store's memory limit, the limits of the two databases an ingest
    # validates in (staging, scratch), worker threads, and the size of one ingest group.
    duckdb_memory: str = "6GB"
    duckdb_staging_memory: str = "2GB"
    duckdb_scratch_memory: str = "3584MB"
    duckdb_threads: int = Field(default=2, ge=1)
    ingest_group_mb: int = Field(default=512, ge=1)
    # Aggregate cells under this many persons are suppressed for roles below statistician.
    disclosure_threshold: int = Field(default=5, ge=1)
    # Limits on what a delivery may hold, checked before the memory is spent: bytes of one
    # delivered file, bytes of an XLSX once decompressed, data rows of one file, characters
    # of one cell (a longer value is quarantined as bad_value).
    max_file_mb: int = Field(default=4096, ge=1)
    max_xlsx_unzipped_mb: int = Field(default=256, ge=1)
    max_rows: int = Field(default=50_000_000, ge=1)
    max_cell_chars: int = Field(default=200, ge=18)
    # Largest request body of an upload through the web API (a whole batch of files; larger
    # deliveries go through ``renkou registry ingest``, which a running server takes over).
    max_upload_mb: int = Field(default=256, ge=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def database(self) -> Path:
        """The DuckDB file of the embedded store."""
        return self.db_path or self.data_dir / "renkou.duckdb"

    def key_path(self, store: Path | None = None) -> Path:
        """The key file: ``key_file``, else ``<store>.keys`` beside the store (default: the
        settings' database)."""
        if self.key_file is not None:
            return self.key_file
        db = Path(store) if store is not None else self.database
        return db.with_name(db.name + KEY_FILE_SUFFIX)

    def key_secrets(self, store: Path | None = None) -> dict[str, str] | None:
        """The two key secrets, each from the environment (``RENKOU_ENCRYPTION_KEY``,
        ``RENKOU_PSEUDONYM_KEY``) or else the key file; None when neither has them."""
        given = {n: v.get_secret_value() for n in _KEY_NAMES
                 if (v := getattr(self, n)) is not None and v.get_secret_value()}
        if len(given) == len(_KEY_NAMES):
            return given
        path = self.key_path(store)
        if not path.exists():
            if given:
                missing = "、".join(f"RENKOU_{n.upper()}" for n in _KEY_NAMES if n not in given)
                raise ConfigError(f"只设置了一个密钥：缺少 {missing}，且密钥文件 {path} 不存在")
            return None
        return {**read_key_file(path), **given}

    def require_key_secrets(self, store: Path | None = None) -> dict[str, str] | None:
        """:meth:`key_secrets`; in production their absence is an error."""
        found = self.key_secrets(store)
        if found is None and self.env == "production":
            raise ConfigError("生产环境必须配置密钥：设置环境变量 RENKOU_ENCRYPTION_KEY 和 "
                              "RENKOU_PSEUDONYM_KEY，或提供密钥文件（RENKOU_KEY_FILE，默认 "
                              f"{self.key_path(store)}）")
        return found

    def deployment_key_secrets(self) -> dict[str, str]:
        """The deployment's two secrets (environment, or the key file beside the settings'
        database — outside production made once with random keys when absent)."""
        found = self.require_key_secrets()
        if found is None:
            try:
                found = write_key_file(self.key_path(), new_key_secrets())
            except ConfigError:
                if not self.key_path().exists():
                    raise
                found = read_key_file(self.key_path())  # another process made it first
        return found

    def _key(self, name: str) -> bytes:
        return self.deployment_key_secrets()[name].encode()

    def encryption_key_bytes(self) -> bytes:
        """32-byte key material for at-rest encryption, urlsafe-base64 (Fernet format), of
        the deployment's key (environment or key file beside the settings' database)."""
        return encryption_material(self._key("encryption_key"))

    def pseudonym_key_bytes(self) -> bytes:
        return pseudonym_material(self._key("pseudonym_key"))


def encryption_material(secret: bytes) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret).digest())


def pseudonym_material(secret: bytes) -> bytes:
    return hashlib.sha256(secret).digest()


def new_key_secrets() -> dict[str, str]:
    """Two fresh random secrets (256 bits each)."""
    return {n: secrets.token_urlsafe(32) for n in _KEY_NAMES}


def read_key_file(path: Path) -> dict[str, str]:
    """The secrets of a key file (TOML: encryption_key, pseudonym_key). A file that others
    than its owner may read, a symlink or a malformed file is refused."""
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"密钥文件 {path} 不是普通文件（不接受符号链接）")
        if info.st_mode & 0o077:
            raise ConfigError(f"密钥文件 {path} 的权限过宽（{oct(info.st_mode & 0o777)}），"
                              "应为 0600：chmod 600")
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"无法读取密钥文件 {path}：{exc}") from None
    values = {n: raw.get(n) for n in _KEY_NAMES}
    if not all(isinstance(v, str) and v for v in values.values()):
        raise ConfigError(f"密钥文件 {path} 应包含 encryption_key 与 pseudonym_key 两项")
    return {n: str(v) for n, v in values.items()}


def write_key_file(path: Path, values: dict[str, str], *, demo: bool = False) -> dict[str, str]:
    """Create ``path`` (mode 0600, never overwriting) holding ``values``."""
    head = ("# renkou 密钥文件：丢失后库中的身份证号码和姓名无法解密，泄露后可被解密。\n"
            "# 请备份到安全位置，切勿放入数据目录的共享备份或代码仓库。\n")
    if demo:
        head += "# 示范密钥：仅用于合成的示范数据，不得用于真实个人信息。\n"
    body = head + "".join(f'{n} = "{values[n]}"\n' for n in _KEY_NAMES)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        raise ConfigError(f"密钥文件 {path} 已存在，不会覆盖")
    # Written whole beside it, then linked into place: a process killed while writing leaves
    # no key file, never a half-written one that the next command would refuse.
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        raise ConfigError(f"无法创建密钥文件 {path}：{exc}") from None
    partial = Path(name)  # mode 0600, a name of this process's own
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(partial, path)  # refuses an existing file: never overwrites
    except FileExistsError:
        raise ConfigError(f"密钥文件 {path} 已存在，不会覆盖") from None
    except OSError as exc:
        raise ConfigError(f"无法创建密钥文件 {path}：{exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return dict(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
