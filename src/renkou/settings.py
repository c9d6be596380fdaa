"""One typed settings object, read from ``RENKOU_*`` environment variables and an optional
``renkou.toml`` in the working directory (pydantic-settings)."""

from __future__ import annotations

import base64
import hashlib
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

# Only ever used when env == "development"; production refuses to start without real keys.
_DEV_SECRET = "renkou-development-only-not-a-secret"


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

    def _secret(self, value: SecretStr | None, name: str) -> bytes:
        if value is not None and value.get_secret_value():
            return value.get_secret_value().encode()
        if self.env == "production":
            raise ConfigError(f"生产环境必须设置环境变量 RENKOU_{name.upper()}（不可使用默认密钥）")
        return f"{_DEV_SECRET}:{name}".encode()

    def encryption_key_bytes(self) -> bytes:
        """32-byte key material for at-rest encryption, urlsafe-base64 (Fernet format)."""
        raw = hashlib.sha256(self._secret(self.encryption_key, "encryption_key")).digest()
        return base64.urlsafe_b64encode(raw)

    def pseudonym_key_bytes(self) -> bytes:
        return hashlib.sha256(self._secret(self.pseudonym_key, "pseudonym_key")).digest()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
