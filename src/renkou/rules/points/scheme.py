"""A points scheme (积分指标体系) for points-based hukou settlement (积分落户) as dated data.

A scheme is a set of indicators (education, age, social-insurance years, …), each with a
scoring table and a cap, plus admission rules (quota, minimum score, eligibility). Every value
is dated: a version applies from its ``effective_from`` until a later version replaces it, and
names the policy text it comes from. A proposed change is therefore just one more dated
version (see :meth:`PointsScheme.with_changes`), so the scheme in force on any date, and its
history, can always be reconstructed.

Indicator kinds:

* ``table``    — a category column looked up in a points table (学历, 职称, 奖项, 区域);
* ``bands``    — a number placed in lower-bounded bands (年龄);
* ``per_unit`` — a number (whole units if ``whole_units``) times a rate (社保年限, 违法次数);
* ``flag``     — a yes/no column giving fixed points (紧缺职业, 失信).

Points are ``weight × raw``, clipped to ``[-cap, cap]``. Indicators sharing a ``group`` with
``combine: max`` count only the highest one (职称与职业资格不累计)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from renkou.errors import InputError, NotFoundError
from renkou.rules.parameters import Parameter

Kind = Literal["table", "bands", "per_unit", "flag"]
KINDS: tuple[str, ...] = ("table", "bands", "per_unit", "flag")

SAMPLE_SCHEME = "tianjin-sample"


@dataclass(frozen=True)
class IndicatorVersion:
    """The scoring rule of one indicator from ``effective_from`` on (分值版本)."""

    effective_from: dt.date
    source: str
    cap: float
    weight: float = 1.0
    points: dict[str, float] = field(default_factory=dict)  # table
    bands: tuple[tuple[float, float], ...] = ()  # bands: (lower bound, points), ascending
    per_unit: float = 0.0  # per_unit
    flag_points: float = 0.0  # flag


@dataclass(frozen=True)
class Indicator:
    """One scoring indicator (积分指标) with its dated versions."""

    key: str
    name: str
    kind: str
    column: str
    history: Parameter  # values are IndicatorVersion
    motivation: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    whole_units: bool = False
    group: str | None = None
    key_by: str | None = None  # "district_group" for the district bonus

    @property
    def versions(self) -> tuple[IndicatorVersion, ...]:
        return tuple(v.value for v in self.history.values)

    def at(self, when: dt.date) -> IndicatorVersion:
        version: IndicatorVersion = self.history.at(when)
        return version


@dataclass(frozen=True)
class AdmissionVersion:
    """Quota, minimum score and eligibility conditions (准入条件与名额) from a date on."""

    effective_from: dt.date
    source: str
    quota: int | None
    threshold: float | None
    require_residence_permit: bool
    min_insurance_years: float
    max_age: int


@dataclass(frozen=True)
class Group:
    """Indicators that are not added up (e.g. 职称与职业资格取最高一项)."""

    key: str
    name: str
    combine: str = "max"


@dataclass(frozen=True)
class Target:
    """A plan figure the settled inflow is compared with (e.g. 户籍人口净增长80万人以上)."""

    key: str
    label: str
    value: float
    from_year: int
    to_year: int
    source: str


@dataclass(frozen=True)
class PointsScheme:
    """A whole points scheme with the history of all its values."""

    key: str
    title: str
    sample: bool
    notice: str
    indicators: tuple[Indicator, ...]
    admission: Parameter  # values are AdmissionVersion
    groups: dict[str, Group]
    targets: dict[str, Target]
    motivation: tuple[str, ...] = ()
    jurisdiction: str = ""  # key of the jurisdiction the scheme is for (tianjin …)
    # Assumptions of the synthetic applicant pool (area_group_tilt, origin_shares).
    applicant_pool: Mapping[str, Any] = field(default_factory=dict)

    def indicator(self, key: str) -> Indicator:
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise NotFoundError(f"积分方案 {self.key} 没有指标 {key}"
                            f"（现有：{', '.join(i.key for i in self.indicators)}）")

    def admission_at(self, when: dt.date) -> AdmissionVersion:
        version: AdmissionVersion = self.admission.at(when)
        return version

    def at(self, when: dt.date) -> ResolvedScheme:
        """The values in force on ``when``."""
        return ResolvedScheme(
            scheme=self, as_of=when,
            versions={i.key: i.at(when) for i in self.indicators},
            admission=self.admission_at(when),
        )

    def with_changes(self, changes: dict[str, str | float | int | None],
                     effective_from: dt.date, source: str = "") -> PointsScheme:
        """A copy with one new dated version for every indicator (or the admission rules) that
        a change touches. Keys:

        * ``quota``, ``threshold``, ``min_insurance_years``, ``max_age``,
          ``require_residence_permit`` — admission rules (``none`` clears quota/threshold);
        * ``<indicator>.cap`` / ``.weight`` / ``.per_unit`` / ``.points`` (flag) —
          scalar values of an indicator;
        * ``<indicator>.points.<category>`` — one cell of a points table;
        * ``<indicator>.bands.<lower bound>`` — the points of one age band (added if new).

        Like any dated value, the change holds until the next later version already in the
        history (a scheduled revision still takes effect on its date)."""
        why = source or "模拟调整（simulated change）"
        by_indicator: dict[str, dict[str, str | float | int | None]] = {}
        admission_changes: dict[str, str | float | int | None] = {}
        for raw_key, value in changes.items():
            key = raw_key.strip()
            if key in _ADMISSION_KEYS:
                admission_changes[key] = value
                continue
            head, _, rest = key.partition(".")
            if not rest:
                raise InputError(f"无法识别的调整项 {key}（应为 指标.属性=值 或 quota=值 等）",
                                 column=key)
            if head not in {i.key for i in self.indicators}:
                raise InputError(f"积分方案 {self.key} 没有指标 {head}（现有："
                                 f"{', '.join(i.key for i in self.indicators)}）", column=key)
            by_indicator.setdefault(head, {})[rest] = value
        indicators = tuple(
            replace(ind, history=ind.history.with_value_from(
                effective_from, _changed_version(ind, ind.at(effective_from),
                                                 by_indicator[ind.key], effective_from, why),
                why))
            if ind.key in by_indicator else ind
            for ind in self.indicators
        )
        admission = self.admission
        if admission_changes:
            current = self.admission_at(effective_from)
            updates: dict[str, Any] = {}
            for k, v in admission_changes.items():
                updates[k] = _admission_value(k, v)
            new = replace(current, effective_from=effective_from, source=why, **updates)
            admission = self.admission.with_value_from(effective_from, new, why)
        return replace(self, indicators=indicators, admission=admission)


@dataclass(frozen=True)
class ResolvedScheme:
    """A scheme's values on one date — what scoring uses."""

    scheme: PointsScheme
    as_of: dt.date
    versions: dict[str, IndicatorVersion]
    admission: AdmissionVersion

    def max_points(self) -> float:
        """The highest total an applicant can reach (sum of positive caps, groups once)."""
        total = 0.0
        seen: set[str] = set()
        for ind in self.scheme.indicators:
            v = self.versions[ind.key]
            best = _best_raw(ind, v)
            if ind.group:
                if ind.group in seen:
                    continue
                seen.add(ind.group)
                best = max(_best_raw(i, self.versions[i.key]) for i in self.scheme.indicators
                           if i.group == ind.group)
            total += max(best, 0.0)
        return total


_ADMISSION_KEYS = ("quota", "threshold", "min_insurance_years", "max_age",
                   "require_residence_permit")


def _best_raw(ind: Indicator, v: IndicatorVersion) -> float:
    if ind.kind == "table":
        raw = max(v.points.values(), default=0.0) * v.weight
    elif ind.kind == "bands":
        raw = max((p for _, p in v.bands), default=0.0) * v.weight
    elif ind.kind == "flag":
        raw = v.flag_points * v.weight
    else:
        raw = v.cap if v.per_unit * v.weight > 0 else 0.0
    return min(raw, v.cap)


def _number(key: str, value: str | float | int | None) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"调整项 {key} 的值 {value!r} 不是数字", column=key) from None


def _admission_value(key: str, value: str | float | int | None) -> Any:
    if key == "require_residence_permit":
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0"):
            raise InputError(f"调整项 {key} 的值应为 true 或 false", column=key)
        return text in ("true", "1")
    if key in ("quota", "threshold") and (value is None or str(value).strip().lower()
                                           in ("none", "null", "")):
        return None
    number = _number(key, value)
    if key in ("quota", "max_age"):
        if number < 0 or number != int(number):
            raise InputError(f"调整项 {key} 应为非负整数", column=key)
        return int(number)
    return number


def _changed_version(ind: Indicator, base: IndicatorVersion,
                     changes: dict[str, str | float | int | None], effective_from: dt.date,
                     source: str) -> IndicatorVersion:
    points = dict(base.points)
    bands = dict(base.bands)
    updates: dict[str, Any] = {}
    for attr, value in changes.items():
        full = f"{ind.key}.{attr}"
        if attr in ("cap", "weight"):
            number = _number(full, value)
            if attr == "cap" and number < 0:
                raise InputError("上限（cap）不能为负数", column=full)
            updates[attr] = number
        elif attr == "per_unit" and ind.kind == "per_unit":
            updates["per_unit"] = _number(full, value)
        elif attr == "points" and ind.kind == "flag":
            updates["flag_points"] = _number(full, value)
        elif attr.startswith("points.") and ind.kind == "table":
            category = attr.removeprefix("points.")
            if category not in points:
                raise InputError(f"指标 {ind.key} 没有类别 {category}"
                                 f"（现有：{', '.join(points)}）", column=full)
            points[category] = _number(full, value)
        elif attr.startswith("bands.") and ind.kind == "bands":
            bands[_number(full, attr.removeprefix("bands."))] = _number(full, value)
        else:
            raise InputError(f"指标 {ind.key}（{ind.kind}）不能调整属性 {attr}", column=full)
    new = replace(base, effective_from=effective_from, source=source, points=points,
                  bands=tuple(sorted(bands.items())), **updates)
    # A table value above the cap would be clipped silently: make the caller raise the cap.
    values = [*new.points.values(), *(p for _, p in new.bands), new.flag_points]
    worst = max((abs(x) * new.weight for x in values), default=0.0)
    if ind.kind != "per_unit" and worst > new.cap:
        raise InputError(f"指标 {ind.key}（{ind.name}）调整后的分值 {worst:g} 超过上限 "
                         f"{new.cap:g}，请同时调整 {ind.key}.cap", column=ind.key)
    return new
