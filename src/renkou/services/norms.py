"""Service norms (公共服务配置标准) as dated data.

Each jurisdiction has a file in ``services/data/norms/<key>.yaml`` that includes the national
defaults (``national.yaml``) or another jurisdiction's file (a district under its city); a
service it names replaces the included one's dated values, other fields are inherited. A
value holds from its ``effective_from`` until the next one; a change of standard is a new
dated value, never an edit of an old one. Every value names its source: the plan and section
with the sentence quoted (``quote``), or a national document by its number (``summary``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from renkou.errors import ConfigError, NotFoundError, NotInForceError
from renkou.types import OPEN_AGE

KINDS = ("per_1000", "per_person", "per_100_households", "share_of", "coverage")
SCOPES = ("area", "new_area")
NATIONAL = "national"


@dataclass(frozen=True)
class NormValue:
    """One dated value of a norm and where it comes from."""

    effective_from: dt.date
    value: float
    source: str
    quote: str = ""  # the plan's own sentence, copied
    summary: str = ""  # a national document's content in brief
    target_year: int | None = None  # the year the plan wants the level reached
    note: str = ""

    @property
    def citation(self) -> str:
        text = self.quote or self.summary
        return f"{self.source}：“{text}”" if self.quote else (
            f"{self.source}（{text}）" if text else self.source)


@dataclass(frozen=True)
class Norm:
    """A service standard: the population it applies to and its dated values."""

    service: str
    name: str
    unit: str
    kind: str
    age_from: int
    age_to: int
    served: str
    values: tuple[NormValue, ...]
    of: str | None = None  # share_of: the service whose supply it is a share of
    scope: str = "area"
    min_population: int | None = None  # new_area: the size from which the norm applies
    facility: str | None = None  # facility type counted as supply, when not the service
    radius_m: float | None = None  # coverage: walking distance

    @property
    def facility_type(self) -> str:
        return self.facility or self.service

    def entry_at(self, when: dt.date) -> NormValue:
        current: NormValue | None = None
        for v in self.values:
            if v.effective_from <= when:
                current = v
        if current is None:
            raise NotInForceError(f"服务标准 {self.service}（{self.name}）在 {when.isoformat()} "
                              f"尚未生效（最早 {self.values[0].effective_from.isoformat()}）")
        return current

    def at(self, when: dt.date) -> float:
        return self.entry_at(when).value

    def in_force(self, when: dt.date) -> bool:
        return self.values[0].effective_from <= when


@dataclass(frozen=True)
class NormsLibrary:
    """The norms of one jurisdiction (its own and those it includes)."""

    jurisdiction: str
    name: str
    norms: Mapping[str, Norm]
    household_size: float
    household_size_source: str
    files: tuple[str, ...]

    def __getitem__(self, service: str) -> Norm:
        try:
            return self.norms[service]
        except KeyError:
            raise NotFoundError(f"{self.name}没有服务标准 {service}；可选："
                                f"{'、'.join(self.norms)}") from None

    def area_norms(self, when: dt.date) -> list[Norm]:
        """Norms counted for existing areas and in force on ``when``, ``share_of`` last."""
        found = [n for n in self.norms.values() if n.scope == "area" and n.in_force(when)]
        return sorted(found, key=lambda n: n.kind == "share_of")


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}：生效日期 {value!r} 不是 yyyy-mm-dd") from None


def _values(raw: list[dict[str, Any]], where: str) -> tuple[NormValue, ...]:
    out = []
    for v in raw:
        if "source" not in v or not (v.get("quote") or v.get("summary")):
            raise ConfigError(f"{where}：每个取值须注明 source 及 quote 或 summary")
        out.append(NormValue(
            effective_from=_date(v["effective_from"], where), value=float(v["value"]),
            source=str(v["source"]), quote=str(v.get("quote", "")),
            summary=str(v.get("summary", "")),
            target_year=int(v["target_year"]) if v.get("target_year") else None,
            note=str(v.get("note", ""))))
    dates = [v.effective_from for v in out]
    if not out or dates != sorted(dates) or len(set(dates)) != len(dates):
        raise ConfigError(f"{where}：生效日期须严格递增且至少一个：{dates}")
    return tuple(out)


def _norm(service: str, raw: Mapping[str, Any], base: Norm | None, where: str) -> Norm:
    def field(name: str, default: Any = None) -> Any:
        if name in raw:
            return raw[name]
        return getattr(base, name) if base is not None else default

    ages = raw.get("ages")
    age_from, age_to = (int(ages[0]), int(ages[1])) if ages else (
        (base.age_from, base.age_to) if base else (0, OPEN_AGE))
    kind = str(field("kind"))
    if kind not in KINDS:
        raise ConfigError(f"{where}：未知的标准类型 {kind}（可选 {', '.join(KINDS)}）")
    scope = str(field("scope", "area"))
    if scope not in SCOPES:
        raise ConfigError(f"{where}：未知的适用范围 {scope}")
    if not 0 <= age_from <= age_to <= OPEN_AGE:
        raise ConfigError(f"{where}：年龄范围 {age_from}—{age_to} 无效")
    values = _values(raw["values"], where) if "values" in raw else (
        base.values if base else ())
    if not values:
        raise ConfigError(f"{where}：缺少 values")
    name = field("name")
    if not name:
        raise ConfigError(f"{where}：缺少 name")
    norm = Norm(service=service, name=str(name), unit=str(field("unit", "")), kind=kind,
                age_from=age_from, age_to=age_to, served=str(field("served", "")),
                values=values, of=field("of"), scope=scope,
                min_population=field("min_population"), facility=field("facility"),
                radius_m=field("radius_m"))
    if kind == "share_of" and not norm.of:
        raise ConfigError(f"{where}：share_of 类型须指明 of")
    return norm


def _read(key: str) -> dict[str, Any]:
    entry = resources.files("renkou.services").joinpath(f"data/norms/{key}.yaml")
    if not entry.is_file():
        raise NotFoundError(f"没有辖区 {key} 的服务标准文件")
    raw = yaml.safe_load(entry.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("services"), dict):
        raise ConfigError(f"服务标准文件 {key}.yaml 格式错误：缺少 services")
    return raw


@lru_cache(maxsize=8)
def load_norms(key: str) -> NormsLibrary:
    """The norms library of a jurisdiction key (``national`` for the defaults alone)."""
    raw = _read(key)
    base: NormsLibrary | None = None
    if raw.get("include"):
        base = load_norms(str(raw["include"]))
    norms: dict[str, Norm] = dict(base.norms) if base else {}
    for service, spec in raw["services"].items():
        norms[service] = _norm(service, spec or {}, norms.get(service), f"{key}.yaml {service}")
    for n in norms.values():
        if n.of is not None and n.of not in norms:
            raise ConfigError(f"{key}.yaml {n.service}：of 指向不存在的服务 {n.of}")
    size = float(raw.get("household_size", base.household_size if base else 0) or 0)
    if size <= 0:
        raise ConfigError(f"{key}.yaml：缺少户均人口 household_size")
    return NormsLibrary(
        jurisdiction=key, name=str(raw.get("name", key)), norms=norms, household_size=size,
        household_size_source=str(raw.get("household_size_source",
                                          base.household_size_source if base else "")),
        files=(*(base.files if base else ()), f"{key}.yaml"))


def norms_for(jurisdiction_key: str, household_size: float | None = None,
              source: str = "") -> NormsLibrary:
    """The jurisdiction's library, with its own census household size when it has one."""
    lib = load_norms(jurisdiction_key)
    if household_size is None:
        return lib
    return NormsLibrary(lib.jurisdiction, lib.name, lib.norms, household_size,
                        source or lib.household_size_source, lib.files)
