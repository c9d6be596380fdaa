"""Loading points schemes and change files from YAML (积分方案读取).

A scheme file is laid out like ``rules/data/points/tianjin-sample.yaml``; each indicator's
``values`` and the ``admission`` entries become :class:`renkou.rules.parameters.Parameter`
histories (strictly increasing dates, a source for every value)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from renkou.errors import InputError, NotFoundError
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.rules.parameters import Parameter, parameter_from_mapping
from renkou.rules.points.scheme import (
    KINDS,
    SAMPLE_SCHEME,
    AdmissionVersion,
    Group,
    Indicator,
    IndicatorVersion,
    PointsScheme,
    Target,
)


def _indicator_version(kind: str, v: dict[str, Any], when: dt.date,
                       source: str) -> IndicatorVersion:
    return IndicatorVersion(
        effective_from=when, source=source, cap=float(v["cap"]),
        weight=float(v.get("weight", 1.0)),
        points=({str(k): float(p) for k, p in v["points"].items()} if kind == "table" else {}),
        bands=(tuple(sorted((float(lo), float(p)) for lo, p in v["bands"]))
               if kind == "bands" else ()),
        per_unit=float(v["per_unit"]) if kind == "per_unit" else 0.0,
        flag_points=float(v["points"]) if kind == "flag" else 0.0,
    )


def _history(name: str, description: str, raw_values: Any, where: str,
             build: Any) -> Parameter:
    """Dated versions as a :class:`renkou.rules.parameters.Parameter` (shared dating rules:
    strictly increasing dates, a source for every value)."""
    if not isinstance(raw_values, list):
        raise InputError(f"{where}：{name} 需要 values 列表")
    spec = {"description": description, "values": [
        {"effective_from": v.get("effective_from"), "source": v.get("source"),
         "value": {k: x for k, x in v.items() if k not in ("effective_from", "source")}}
        for v in raw_values if isinstance(v, dict)]}
    param = parameter_from_mapping(name, spec, where)
    values = tuple(replace(d, value=build(d.value, d.effective_from, d.source))
                   for d in param.values)
    return replace(param, values=values)


def _indicator(key: str, raw: dict[str, Any], where: str) -> Indicator:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InputError(f"{where}：指标 {key} 的 kind 应为 {'/'.join(KINDS)}")
    name = str(raw["name"])
    history = _history(key, name, raw.get("values"), where,
                       lambda v, when, source: _indicator_version(str(kind), v, when, source))
    return Indicator(
        key=key, name=name, kind=str(kind), column=str(raw["column"]), history=history,
        motivation=str(raw.get("motivation", "")),
        labels={str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
        unit=str(raw.get("unit", "")), whole_units=bool(raw.get("whole_units", False)),
        group=raw.get("group"), key_by=raw.get("key_by"),
    )


def _admission_version(a: dict[str, Any], when: dt.date, source: str) -> AdmissionVersion:
    return AdmissionVersion(
        effective_from=when, source=source,
        quota=None if a.get("quota") is None else int(a["quota"]),
        threshold=None if a.get("threshold") is None else float(a["threshold"]),
        require_residence_permit=bool(a.get("require_residence_permit", True)),
        min_insurance_years=float(a.get("min_insurance_years", 0)),
        max_age=int(a.get("max_age", 200)),
    )


def parse_scheme(raw: dict[str, Any], where: str = "积分方案") -> PointsScheme:
    """Build a scheme from its YAML mapping (see ``rules/data/points/tianjin-sample.yaml``)."""
    try:
        if not raw.get("admission"):
            raise InputError(f"{where}：缺少 admission（准入条件与名额）")
        admission = _history("admission", "准入条件与名额", raw.get("admission"), where,
                             _admission_version)
        indicators = tuple(_indicator(str(k), v, where)
                           for k, v in (raw.get("indicators") or {}).items())
        groups = {str(k): Group(str(k), str(g.get("name", k)), str(g.get("combine", "max")))
                  for k, g in (raw.get("groups") or {}).items()}
        targets = {str(k): Target(str(k), str(t["label"]), float(t["value"]),
                                  int(t["from_year"]), int(t["to_year"]), str(t["source"]))
                   for k, t in (raw.get("targets") or {}).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}：格式错误（{exc!r}）") from None
    for ind in indicators:
        if ind.group and ind.group not in groups:
            raise InputError(f"{where}：指标 {ind.key} 的分组 {ind.group} 未在 groups 中定义")
    for g in groups.values():
        if g.combine != "max":
            raise InputError(f"{where}：分组 {g.key} 的 combine 只支持 max")
    return PointsScheme(
        key=str(raw.get("scheme", "")), title=str(raw.get("title", "")),
        sample=bool(raw.get("sample", False)), notice=str(raw.get("notice", "")).strip(),
        indicators=indicators, admission=admission, groups=groups, targets=targets,
        motivation=tuple(str(m) for m in raw.get("motivation", [])),
        jurisdiction=_jurisdiction_key(raw, where),
        applicant_pool=dict(raw.get("applicant_pool") or {}),
    )


def _jurisdiction_key(raw: dict[str, Any], where: str) -> str:
    """The scheme's jurisdiction, which must be declared and known."""
    key = raw.get("jurisdiction")
    if not key:
        raise InputError(f"{where}：积分方案须声明 jurisdiction（适用辖区，如 tianjin）")
    return get_jurisdiction(str(key)).key


def scheme_jurisdiction(scheme: PointsScheme) -> Jurisdiction:
    return get_jurisdiction(scheme.jurisdiction)


def sample_jurisdiction() -> Jurisdiction:
    """The jurisdiction of the shipped sample scheme (the default for applicant tables)."""
    return scheme_jurisdiction(load_scheme())


def load_scheme(name_or_path: str | Path = SAMPLE_SCHEME) -> PointsScheme:
    """Load a shipped scheme by name (``tianjin-sample``) or any YAML file by path."""
    p = Path(name_or_path)
    if p.suffix.lower() in (".yaml", ".yml"):
        if not p.exists():
            raise NotFoundError(f"积分方案文件不存在：{p}")
        text = p.read_text(encoding="utf-8")
        return parse_scheme(yaml.safe_load(text), where=str(p))
    return _shipped(str(name_or_path))


@lru_cache(maxsize=8)
def _shipped(name: str) -> PointsScheme:
    base = resources.files("renkou").joinpath("rules/data/points")
    f = base.joinpath(f"{name}.yaml")
    if not f.is_file():
        have = sorted(x.name.removesuffix(".yaml") for x in base.iterdir()
                      if x.name.endswith(".yaml"))
        raise NotFoundError(f"没有名为 {name} 的积分方案（现有：{', '.join(have)}）")
    return parse_scheme(yaml.safe_load(f.read_text(encoding="utf-8")), where=f"{name}.yaml")


def load_changes(path: Path | str) -> tuple[dict[str, str | float | int | None], str]:
    """Read a change file: either a flat ``key: value`` mapping or
    ``{source: …, changes: {key: value}}``. Returns the changes and their source text."""
    p = Path(path)
    if not p.exists():
        raise InputError("文件不存在", file=str(p))
    raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise InputError("调整文件应为 键: 值 的映射", file=str(p))
    source = ""
    if "changes" in raw:
        source = str(raw.get("source", ""))
        raw = raw["changes"] or {}
    return {str(k): v for k, v in raw.items()}, source


def parse_change_args(items: list[str]) -> dict[str, str | float | int | None]:
    """``KEY=VALUE`` strings from the command line."""
    out: dict[str, str | float | int | None] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"调整项 {item!r} 应写成 KEY=VALUE")
        out[key.strip()] = value.strip()
    return out
