"""Scoring applicants (积分计算) under a points scheme, vectorised, with an explanation per
applicant in Chinese (which indicator gave how many points under which rule).

Each indicator's points are looked up for all applicants at once: category tables become
index arrays, bands use ``searchsorted``, per-unit indicators multiply and clip. Explanations
are built per distinct value (a few dozen per indicator) and then spread over the applicants,
so that a million applicants take seconds, not minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from renkou.errors import ConfigError
from renkou.regions import gazetteer
from renkou.rules.points.columns import CATEGORIES, ApplicantTable
from renkou.rules.points.scheme import Indicator, IndicatorVersion, PointsScheme, ResolvedScheme
from renkou.types import BoolArray, FloatArray

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ScoreResult:
    """Points of every applicant on one date (积分结果)."""

    applicants: ApplicantTable
    scheme: ResolvedScheme
    age: IntArray
    points: dict[str, FloatArray]  # indicator key -> points counted (0 if not counted)
    total: FloatArray
    eligible: BoolArray
    ineligible_reason: ObjArray  # "" when eligible
    explanation: ObjArray | None

    @property
    def as_of(self) -> dt.date:
        return self.scheme.as_of

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """Output columns as arrays: id, age, eligibility, total, points by indicator, why."""
        cols: dict[str, npt.NDArray[Any]] = {
            "applicant_id": self.applicants.applicant_id,
            "age": self.age,
            "eligible": self.eligible,
            "total_points": self.total,
        }
        for key, pts in self.points.items():
            cols[f"points_{key}"] = pts
        cols["ineligible_reason"] = self.ineligible_reason
        if self.explanation is not None:
            cols["explanation"] = self.explanation
        return cols

    def frame(self) -> pd.DataFrame:
        """:meth:`columns` as a DataFrame, one row per applicant."""
        return pd.DataFrame(self.columns())


def _fmt(x: float) -> str:
    return f"{x:+g}"


@dataclass(frozen=True)
class _Texts:
    """Texts of many applicants as a small table of distinct texts and an index into it."""

    table: tuple[str, ...]
    index: IntArray

    def materialize(self) -> ObjArray:
        out: ObjArray = np.array(self.table, dtype=object)[self.index]
        return out

    def nonempty(self) -> BoolArray:
        out: BoolArray = np.array([t != "" for t in self.table], dtype=bool)[self.index]
        return out

    def part(self, shown: BoolArray | None = None, prefix: str = "", suffix: str = "") -> Any:
        """An Arrow string array: the text with prefix and suffix where shown, else ""."""
        table = [f"{prefix}{t}{suffix}" if t else "" for t in self.table] + [""]
        index = self.index if shown is None else np.where(shown, self.index, len(self.table))
        return pc.take(pa.array(table, type=pa.string()), pa.array(index))


def _spread(keys: IntArray, text: Callable[[int], str]) -> _Texts:
    """``text(k)`` for each element, computed once per distinct key (keys are small ints)."""
    if keys.size == 0:
        return _Texts((), np.zeros(0, dtype=np.int64))
    lo, hi = int(keys.min()), int(keys.max())
    if hi - lo > 1_000_000:  # wide keys: fall back to sorting
        uniq, inverse = np.unique(keys, return_inverse=True)
        return _Texts(tuple(text(int(k)) for k in uniq), inverse.ravel().astype(np.int64))
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[keys - lo] = True
    table = [text(k + lo) if present[k] else "" for k in range(hi - lo + 1)]
    return _Texts(tuple(table), (keys - lo).astype(np.int64))


def _finish(raw: FloatArray, v: IndicatorVersion) -> FloatArray:
    # "+ 0.0" turns -0.0 (zero violations × negative rate) into 0.0 for display.
    out: FloatArray = np.clip(raw * v.weight, -v.cap, v.cap) + 0.0
    return out


def _weight_note(v: IndicatorVersion) -> str:
    return f"×权重{v.weight:g}" if v.weight != 1.0 else ""


def _district_keys(ind: Indicator, codes: tuple[str, ...], v: IndicatorVersion) -> list[str]:
    """The table key of each district: its own code if listed, else its area group."""
    keys = []
    for code in codes:
        if code in v.points or ind.key_by != "district_group":
            keys.append(code)
        else:
            keys.append(gazetteer().get(code).group or "")
    return keys


def _score(ind: Indicator, v: IndicatorVersion, a: ApplicantTable, age: IntArray,
           explain: bool) -> tuple[FloatArray, _Texts | None]:
    """Points of one indicator for every applicant, and their texts when ``explain``."""
    name = ind.name
    if ind.kind == "table":
        if ind.column == "district":
            levels = _district_keys(ind, a.district_codes, v)
            codes = a.district.astype(np.int64)
            labels = [ind.labels.get(k, gazetteer().get(c).name)
                      for k, c in zip(levels, a.district_codes, strict=True)]
            labels = [f"{gazetteer().get(c).name}（{lab}）" if lab != gazetteer().get(c).name
                      else lab for lab, c in zip(labels, a.district_codes, strict=True)]
        elif ind.column in CATEGORIES:
            levels = list(CATEGORIES[ind.column])
            codes = a.categories[ind.column].astype(np.int64)
            labels = [ind.labels.get(k, k) for k in levels]
        else:
            raise ConfigError(f"指标 {ind.key} 的列 {ind.column} 不是分类列")
        lookup = np.array([v.points.get(k, 0.0) for k in levels], dtype=np.float64)
        finished = _finish(lookup, v)
        pts = finished[codes]
        if not explain:
            return pts, None
        return pts, _spread(codes, lambda k: f"{name}：{labels[k]} {_fmt(float(finished[k]))}分"
                            f"{_weight_note(v)}")
    if ind.kind == "bands":
        values = _numeric(ind, a, age)
        lows = np.array([lo for lo, _ in v.bands], dtype=np.float64)
        band_pts = np.array([p for _, p in v.bands], dtype=np.float64)
        idx = np.searchsorted(lows, values, side="right") - 1
        raw = np.where(idx >= 0, band_pts[np.clip(idx, 0, None)], 0.0)
        pts = _finish(raw, v)
        if not explain:
            return pts, None

        def band_text(k: int) -> str:
            j = int(np.searchsorted(lows, k, side="right")) - 1
            got = float(_finish(np.array([band_pts[j] if j >= 0 else 0.0]), v)[0])
            return f"{name}：{k}{ind.unit} {_fmt(got)}分{_weight_note(v)}"
        return pts, _spread(np.floor(values).astype(np.int64), band_text)
    if ind.kind == "per_unit":
        values = _numeric(ind, a, age)
        units = np.floor(values) if ind.whole_units else values
        pts = _finish(units * v.per_unit, v)
        if explain:
            keys = np.round(units * 100).astype(np.int64)

            def text(k: int) -> str:
                u = k / 100
                got = float(_finish(np.array([u * v.per_unit]), v)[0])
                capped = "（已达上限）" if abs(u * v.per_unit * v.weight) > v.cap else ""
                whole = "满" if ind.whole_units and ind.unit == "年" else ""
                return (f"{name}：{whole}{u:g}{ind.unit}×{v.per_unit:g}{_weight_note(v)}"
                        f" {_fmt(got)}分{capped}")
            return pts, _spread(keys, text)
        return pts, None
    if ind.kind == "flag":
        flag = a.flags.get(ind.column)
        if flag is None:
            raise ConfigError(f"指标 {ind.key} 的列 {ind.column} 不是是/否列")
        got = float(_finish(np.array([v.flag_points]), v)[0])
        pts = np.where(flag, got, 0.0)
        texts = (_Texts(("", f"{name} {_fmt(got)}分{_weight_note(v)}"), flag.astype(np.int64))
                 if explain else None)
        return pts, texts
    raise ConfigError(f"未知的指标类型 {ind.kind}")


def _numeric(ind: Indicator, a: ApplicantTable, age: IntArray) -> FloatArray:
    if ind.column == "age":
        return age.astype(np.float64)
    if ind.column in a.numbers:
        return a.numbers[ind.column]
    raise ConfigError(f"指标 {ind.key} 的列 {ind.column} 不是数值列")


def _eligibility(resolved: ResolvedScheme, a: ApplicantTable,
                 age: IntArray) -> tuple[BoolArray, _Texts]:
    rules = resolved.admission
    checks: list[tuple[BoolArray, str]] = []
    if rules.require_residence_permit:
        checks.append((~a.flags["has_residence_permit"], "未持有本市居住证"))
    checks.append((a.numbers["insurance_years"] < rules.min_insurance_years,
                   f"社会保险不满{rules.min_insurance_years:g}年"))
    checks.append((age > rules.max_age, f"年龄超过{rules.max_age}岁"))
    checks.append((age < 18, "未满18周岁"))
    # One bit per failed condition; the text of each combination is made once.
    bits = np.zeros(len(a), dtype=np.int64)
    for j, (mask, _) in enumerate(checks):
        bits |= mask.astype(np.int64) << j
    reason = _spread(bits, lambda b: "、".join(text for j, (_, text) in enumerate(checks)
                                              if b >> j & 1))
    return bits == 0, reason


def score(applicants: ApplicantTable, scheme: PointsScheme, as_of: dt.date,
          explain: bool = True) -> ScoreResult:
    """Score every applicant under the scheme in force on ``as_of``."""
    resolved = scheme.at(as_of)
    age = applicants.age_at(as_of)
    n = len(applicants)
    points: dict[str, FloatArray] = {}
    texts: dict[str, _Texts] = {}
    for ind in scheme.indicators:
        pts, text = _score(ind, resolved.versions[ind.key], applicants, age, explain)
        points[ind.key] = pts
        if text is not None:
            texts[ind.key] = text
    # Groups: only the best member counts (职称与职业资格不累计); ties go to the first listed.
    dropped_any: dict[str, BoolArray] = {}
    for group in scheme.groups.values():
        members = [i.key for i in scheme.indicators if i.group == group.key]
        if len(members) < 2:
            continue
        stack = np.vstack([points[k] for k in members])
        best = np.argmax(stack, axis=0)
        for j, k in enumerate(members):
            dropped = (best != j) & (points[k] != 0)
            dropped_any[k] = dropped
            if k in texts:
                t = texts[k]
                note = f"（{group.name}，不累计，本项计0分）"
                texts[k] = _Texts(t.table + tuple(x + note for x in t.table),
                                  np.where(dropped, t.index + len(t.table), t.index))
            points[k] = np.where(best == j, points[k], 0.0)
    total = np.sum(np.vstack(list(points.values())), axis=0) if points else np.zeros(n)
    eligible, reason = _eligibility(resolved, applicants, age)
    explanation: ObjArray | None = None
    if explain:
        # Each part is a take from a small table of texts; Arrow joins them element-wise in C.
        parts = []
        for ind in scheme.indicators:
            if ind.key not in texts:
                continue
            t = texts[ind.key]
            shown = ((points[ind.key] != 0) | dropped_any.get(ind.key, False)
                     | (_always_shown(ind, resolved.versions[ind.key]) & t.nonempty()))
            parts.append(t.part(shown, suffix="；"))
        parts.append(_spread(np.round(total * 100).astype(np.int64),
                             lambda k: f"合计 {k / 100:g} 分").part())
        parts.append(reason.part(prefix="；不符合准入条件："))
        joined = pc.binary_join_element_wise(*parts, "")
        explanation = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    return ScoreResult(applicants=applicants, scheme=resolved, age=age, points=points,
                       total=total, eligible=eligible, ineligible_reason=reason.materialize(),
                       explanation=explanation)


def _always_shown(ind: Indicator, v: IndicatorVersion) -> bool:
    """Basic indicators (学历、年龄、年限) are explained even at zero points, so that a 0 is
    visible; bonuses and deductions only when they apply."""
    return (ind.kind == "bands" or (ind.kind == "per_unit" and v.per_unit > 0)
            or ind.column == "education")
