"""Dated policy parameters (政策参数): every amount, age limit and share as data with the date
it takes effect and the policy text it comes from.

A parameter file is YAML (``src/renkou/rules/data/<name>.yaml``)::

    scheme: tianjin-home-care
    title: 天津市居家养老服务（护理）补贴
    include: [tianjin-common]          # optional: other parameter files merged in first
    parameters:
      care_amount_severe:
        description: 重度照料等级每人每月补贴
        unit: 元/人·月
        values:
          - effective_from: 2021-01-01
            value: 600
            source: 《天津市人口发展“十四五”规划》专栏3
            note: optional remark (why this date, what is unverified)

A value holds from its ``effective_from`` until the next entry's date; ``value: null`` ends a
parameter (repealed). The layout mirrors OpenFisca's parameter files (values keyed by date,
with a reference) so that the data can move there if the project ever adopts it.

Overrides (``--param minimum_wage_monthly=2320``) replace a parameter at every date; the
override is recorded in the value's source so explanations say where the number came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from renkou.errors import ConfigError, InputError, NotFoundError, NotInForceError

#: ``effective_from`` given to command-line overrides: they hold at every date.
ALWAYS = dt.date(1900, 1, 1)

OVERRIDE_SOURCE = "命令行参数覆盖（--param）"


@dataclass(frozen=True)
class DatedValue:
    """One value of a parameter and the date from which it holds (生效日期)."""

    effective_from: dt.date
    value: Any
    source: str
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    """A policy parameter (政策参数) as a history of dated values."""

    name: str
    description: str
    unit: str
    values: tuple[DatedValue, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ConfigError(f"参数 {self.name} 没有任何取值")
        dates = [v.effective_from for v in self.values]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ConfigError(f"参数 {self.name} 的生效日期必须严格递增：{dates}")

    def entry_at(self, when: dt.date) -> DatedValue:
        """The dated value in force on ``when`` (the latest with effective_from ≤ when)."""
        current: DatedValue | None = None
        for v in self.values:
            if v.effective_from <= when:
                current = v
            else:
                break
        if current is None or current.value is None:
            first = self.values[0].effective_from.isoformat()
            raise NotInForceError(
                f"参数 {self.name}（{self.description}）在 {when.isoformat()} 无有效取值"
                f"（最早生效日期 {first}；或已废止）"
            )
        return current

    def at(self, when: dt.date) -> Any:
        """The value in force on ``when``."""
        return self.entry_at(when).value

    def in_force(self, when: dt.date) -> bool:
        try:
            self.entry_at(when)
        except NotInForceError:
            return False
        return True

    def overridden(self, value: Any, source: str = OVERRIDE_SOURCE) -> Parameter:
        """The same parameter with ``value`` at every date."""
        return replace(self, values=(DatedValue(ALWAYS, value, source),))

    def with_value_from(self, when: dt.date, value: Any, source: str, note: str = "") -> Parameter:
        """A copy with a new dated value added (e.g. a scenario's future adjustment)."""
        kept = tuple(v for v in self.values if v.effective_from != when)
        merged = sorted((*kept, DatedValue(when, value, source, note)),
                        key=lambda v: v.effective_from)
        return replace(self, values=tuple(merged))


@dataclass(frozen=True)
class ParameterSet:
    """The parameters of one scheme (and the files it includes)."""

    name: str
    title: str
    params: Mapping[str, Parameter]
    files: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.params[name]
        except KeyError:
            raise NotFoundError(f"参数集 {self.name} 中没有参数 {name}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.params

    def __iter__(self) -> Iterator[str]:
        return iter(self.params)

    def value(self, name: str, when: dt.date) -> Any:
        return self[name].at(when)

    def at(self, when: dt.date) -> dict[str, Any]:
        """Snapshot of every parameter in force on ``when`` (those not in force are left out)."""
        return {k: p.at(when) for k, p in self.params.items() if p.in_force(when)}

    def with_overrides(self, overrides: Mapping[str, Any]) -> ParameterSet:
        """Copy with each named parameter replaced at every date; unknown names are an error."""
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            raise InputError(f"未知参数：{', '.join(unknown)}；可用参数：{', '.join(self.params)}")
        merged = dict(self.params)
        for k, v in overrides.items():
            merged[k] = merged[k].overridden(_coerce_like(merged[k], v, k))
        return replace(self, params=merged)

    def replaced(self, param: Parameter) -> ParameterSet:
        merged = dict(self.params)
        merged[param.name] = param
        return replace(self, params=merged)

    def table(self, when: dt.date) -> list[dict[str, Any]]:
        """Rows describing each parameter in force on ``when`` (for reports and budgets)."""
        rows = []
        for k, p in self.params.items():
            if not p.in_force(when):
                continue
            e = p.entry_at(when)
            rows.append({"参数 parameter": k, "说明 description": p.description,
                         "取值 value": _show(e.value), "单位 unit": p.unit,
                         "生效日期 effective_from": e.effective_from.isoformat(),
                         "依据 source": e.source, "备注 note": e.note})
        return rows


def _show(value: Any) -> str:
    if isinstance(value, (list, dict)):
        return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True).strip()
    return str(value)


def _coerce_like(param: Parameter, value: Any, name: str) -> Any:
    """Give an override the type of the parameter's current values (2320 → float if needed)."""
    sample = next((v.value for v in reversed(param.values) if v.value is not None), None)
    if isinstance(sample, bool):
        if isinstance(value, bool):
            return value
        raise InputError(f"参数 {name} 应为 true/false，收到 {value!r}")
    if isinstance(sample, (int, float)) and not isinstance(value, bool):
        if isinstance(value, (int, float)):
            return value
        raise InputError(f"参数 {name} 应为数值，收到 {value!r}")
    return value


def parse_override(text: str) -> tuple[str, Any]:
    """``"name=value"`` → (name, value); the value is read as YAML (numbers, true/false, text)."""
    if "=" not in text:
        raise InputError(f"参数覆盖应写成 名称=取值，例如 minimum_wage_monthly=2320：{text!r}")
    name, raw = text.split("=", 1)
    name = name.strip()
    if not name:
        raise InputError(f"参数覆盖缺少名称：{text!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw.strip()
    return name, value


def parse_overrides(texts: Iterable[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for t in texts or ():
        k, v = parse_override(t)
        out[k] = v
    return out


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}：effective_from 不是 YYYY-MM-DD 日期：{value!r}") from None


def parameter_from_mapping(name: str, spec: Mapping[str, Any], where: str = "") -> Parameter:
    """Build a :class:`Parameter` from its YAML mapping (``description, unit, values``)."""
    where = where or name
    raw_values = spec.get("values")
    if not isinstance(raw_values, list) or not raw_values:
        raise ConfigError(f"{where}：参数 {name} 需要 values 列表")
    values = []
    for i, item in enumerate(raw_values):
        if not isinstance(item, Mapping) or "effective_from" not in item or "value" not in item:
            raise ConfigError(f"{where}：参数 {name} 第 {i + 1} 个取值需要 effective_from 与 value")
        source = str(item.get("source") or "").strip()
        if not source:
            raise ConfigError(f"{where}：参数 {name} 第 {i + 1} 个取值缺少 source（政策依据）")
        values.append(DatedValue(_as_date(item["effective_from"], f"{where} {name}"),
                                 item["value"], source, str(item.get("note") or "").strip()))
    values.sort(key=lambda v: v.effective_from)
    return Parameter(name=name, description=str(spec.get("description", "")),
                     unit=str(spec.get("unit", "")), values=tuple(values))


def data_dir() -> Path:
    """Directory of the parameter and rule files shipped with renkou."""
    return Path(str(resources.files("renkou.rules") / "data"))


def _resolve(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml"):
        if not p.exists():
            raise NotFoundError(f"参数文件不存在：{p}")
        return p
    candidate = data_dir() / f"{str(name_or_path).replace('-', '_')}.yaml"
    if not candidate.exists():
        raise NotFoundError(f"没有名为 {name_or_path} 的参数文件（{candidate}）")
    return candidate


def load_yaml(name_or_path: str | Path) -> tuple[Path, dict[str, Any]]:
    path = _resolve(name_or_path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"参数文件 {path.name} 不是有效的YAML：{exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"参数文件 {path.name} 顶层应为映射")
    return path, doc


_CACHE: dict[tuple[str, float, tuple[str, ...]], ParameterSet] = {}


def load_parameters(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> ParameterSet:
    """Load a parameter file (cached by path and modification time; the result is frozen)."""
    path = _resolve(name_or_path)
    key = (str(path.resolve()), path.stat().st_mtime, _seen)
    if key not in _CACHE:
        _CACHE[key] = _load_parameters(path, _seen)
    return _CACHE[key]


def _load_parameters(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> ParameterSet:
    """Load a parameter file by name (``"tianjin-home-care"``, from ``rules/data``) or path.

    Files listed under ``include`` are loaded first; the file's own parameters win. Keys other
    than ``parameters``/``include`` are kept in :attr:`ParameterSet.extra` (rule definitions)."""
    path, doc = load_yaml(name_or_path)
    if path.name in _seen:
        raise ConfigError(f"参数文件循环引用：{' → '.join((*_seen, path.name))}")
    params: dict[str, Parameter] = {}
    files: list[str] = []
    inherited: dict[str, Any] = {}
    for inc in doc.get("include") or []:
        sub = load_parameters(inc, (*_seen, path.name))
        params.update(sub.params)
        files.extend(sub.files)
        for k, v in sub.extra.items():
            if isinstance(v, Mapping) and isinstance(inherited.get(k), Mapping):
                inherited[k] = {**inherited[k], **v}
            elif k not in ("scheme", "title"):
                inherited[k] = v
    for pname, spec in (doc.get("parameters") or {}).items():
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{path.name}：参数 {pname} 应为映射")
        params[str(pname)] = parameter_from_mapping(str(pname), spec, path.name)
    files.append(path.name)
    # Sections such as ``conditions``/``groups``/``sources`` merge with the included files'
    # (own entries win), so shared conditions are written once.
    extra: dict[str, Any] = dict(inherited)
    for k, v in doc.items():
        if k in ("parameters", "include"):
            continue
        if isinstance(v, Mapping) and isinstance(extra.get(k), Mapping):
            extra[k] = {**extra[k], **v}
        else:
            extra[k] = v
    return ParameterSet(name=str(doc.get("scheme", path.stem)), title=str(doc.get("title", "")),
                        params=params, files=tuple(files), extra=extra)
