"""Declared department feeds (部门数据接口): one YAML schema per feed in ``feeds/``.

A schema maps the Chinese column headers a department delivers to canonical fields with a
type, whether the field is required and its allowed values. The ingest builds its staging,
validation and record tables from these declarations, so adding a column is a data change,
not a code change."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from renkou.errors import ConfigError

FIELD_TYPES = ("text", "id", "name", "sex", "date", "month", "code", "enum")
# Where a code field's codes may lie: in one of the jurisdiction's areas as a street (9
# digits), a street or community (9 or 12), at any level (6, 9, 12), or ``any``: also outside.
CODE_SCOPES = ("inside_street", "inside_street_or_community", "inside_any", "any")
FEED_SUFFIXES = (".csv", ".xlsx", ".parquet")


@dataclass(frozen=True)
class FeedField:
    """One declared column: header → canonical field."""

    header: str
    field: str
    type: str
    required: bool
    values: dict[str, str] = dc_field(default_factory=dict)  # enum: delivered → canonical
    scope: str | None = None  # code fields: which division codes are valid
    check: str | None = None  # 'id_birth': must equal the birth date in the subject's ID
    expect_sex: str | None = None  # id fields: the sex the number must encode
    future_ok: bool = False  # may lie after 登记日期 (e.g. a permit's expiry)


@dataclass(frozen=True)
class FeedSchema:
    """The declared schema of one department feed."""

    key: str
    department: str
    title: str
    subject: str
    event_date: str
    fields: tuple[FeedField, ...]
    after_death_exempt_all: bool = False
    after_death_exempt_field: str | None = None
    after_death_exempt_values: tuple[str, ...] = ()

    @property
    def headers(self) -> dict[str, FeedField]:
        return {f.header: f for f in self.fields}

    def by_field(self, name: str) -> FeedField:
        for f in self.fields:
            if f.field == name:
                return f
        raise KeyError(name)

    def of_type(self, *types: str) -> list[FeedField]:
        return [f for f in self.fields if f.type in types]


def _parse(raw: dict[str, object]) -> FeedSchema:
    try:
        fields = []
        for item in raw["fields"]:  # type: ignore[attr-defined]
            ftype = str(item["type"])
            if ftype not in FIELD_TYPES:
                raise ConfigError(f"接口 {raw['key']} 字段 {item['field']} 类型未知：{ftype}")
            scope = item.get("scope")
            if ftype == "code" and scope not in CODE_SCOPES:
                raise ConfigError(f"接口 {raw['key']} 字段 {item['field']} 区划范围未知：{scope}")
            fields.append(FeedField(
                header=str(item["header"]), field=str(item["field"]), type=ftype,
                required=bool(item.get("required", False)),
                values={str(k): str(v) for k, v in (item.get("values") or {}).items()},
                scope=scope, check=item.get("check"), expect_sex=item.get("expect_sex"),
                future_ok=bool(item.get("future_ok", False)),
            ))
        exempt = raw.get("after_death_exempt") or {}
        assert isinstance(exempt, dict)
        return FeedSchema(
            key=str(raw["key"]), department=str(raw["department"]), title=str(raw["title"]),
            subject=str(raw["subject"]), event_date=str(raw["event_date"]),
            fields=tuple(fields),
            after_death_exempt_all=bool(exempt.get("all", False)),
            after_death_exempt_field=exempt.get("field"),
            after_death_exempt_values=tuple(exempt.get("values", ())),
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"接口定义格式错误：{exc}") from None


@lru_cache(maxsize=1)
def feed_schemas() -> dict[str, FeedSchema]:
    """All declared feeds by key (loaded once from the package data)."""
    out: dict[str, FeedSchema] = {}
    folder = resources.files("renkou.registry").joinpath("feeds")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            schema = _parse(yaml.safe_load(entry.read_text(encoding="utf-8")))
            out[schema.key] = schema
    return out


def feed_of(path: Path) -> str | None:
    """The feed a delivered file belongs to, by file-name prefix (longest key wins)."""
    name = path.name
    if path.suffix.lower() not in FEED_SUFFIXES:
        return None
    for key in sorted(feed_schemas(), key=len, reverse=True):
        if name.startswith(key):
            return key
    return None


def unrecognised_files(directory: Path) -> list[Path]:
    """Table files under ``directory`` (outside ``truth/``) whose name starts with no feed
    key: reported so that a misnamed delivery is not silently ignored."""
    from renkou.registry.delivery import delivery_entries

    return [e.path for e in delivery_entries(directory)[0] if e.feed is None]


def find_feed_files(directory: Path) -> list[tuple[str, Path]]:
    """Every feed file under ``directory`` (recursively, symlinks not followed), as (feed
    key, path), sorted by feed and file name so that runs are deterministic."""
    from renkou.registry.delivery import delivery_entries

    found = [(e.feed, e.path) for e in delivery_entries(directory)[0] if e.feed is not None]
    return sorted(found, key=lambda kp: (kp[0], kp[1].name))
