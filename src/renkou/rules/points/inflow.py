"""Settled inflow (积分落户迁入) as hukou in-migration for the projection, and its effect on
the 户籍 targets (e.g. “户籍人口净增长80万人以上”, Tianjin plan, 2021–2025).

People admitted by points already live in the city (they hold a 居住证), so settling changes
their hukou, not where they live: the inflow is an in-migration of the **registered (户籍)**
population only. Feeding it into a projection of the resident (常住) population would count
them twice.

Assumption (stated, a parameter of the run): every year in ``settle_years`` admits a cohort
like the one ranked here — same numbers (the quota, or everyone above the score line), same
age, sex and district mix; ``annual_scale`` scales it (e.g. to pools of other sizes).
``accompanying`` adds family members who settle with the applicant (随迁), off by default
because the applicant table does not record families.

Array convention (``renkou.demography.projection``): ``net_migration[y, r, s, a]`` is the
flow of the step labelled year ``base_year + y`` (Y = end_year − base_year), by district in
``district_codes`` order, sex (0 male, 1 female) and completed age at the move; settlements of
calendar year c go into the step labelled c."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from renkou.demography.projection import ProjectionInputs, project
from renkou.errors import InputError
from renkou.regions import gazetteer
from renkou.rules.points.rank import RankResult
from renkou.rules.points.scheme import Target
from renkou.types import FloatArray

DEFAULT_AGES = 101  # 0 … 100+, as the projection uses


@dataclass(frozen=True)
class SettledInflow:
    """Settled applicants by year, district, sex and age (积分落户人口迁入)."""

    base_year: int
    end_year: int
    settle_years: tuple[int, ...]
    district_codes: tuple[str, ...]
    array: FloatArray  # (Y, R, 2, A)

    def year_index(self, year: int) -> int:
        return year - self.base_year

    def total(self, from_year: int, to_year: int) -> float:
        """Settled people over the calendar years ``from_year`` … ``to_year`` (inclusive)."""
        lo = max(from_year - self.base_year, 0)
        hi = min(to_year - self.base_year, self.array.shape[0] - 1)
        if hi < lo:
            return 0.0
        return float(self.array[lo:hi + 1].sum())

    def frame(self) -> pd.DataFrame:
        """Tidy rows (year, district, sex, age, settled), zeros left out."""
        y, r, s, a = np.nonzero(self.array)
        names = [gazetteer().get(c).name for c in self.district_codes]
        return pd.DataFrame({
            "year": self.base_year + y,
            "district_code": np.array(self.district_codes, dtype=object)[r],
            "district": np.array(names, dtype=object)[r],
            "sex": np.where(s == 0, "male", "female"),
            "age": a,
            "settled": self.array[y, r, s, a],
        })


def settled_inflow(ranked: RankResult, base_year: int, end_year: int,
                   settle_years: tuple[int, ...] | None = None, n_ages: int = DEFAULT_AGES,
                   annual_scale: float = 1.0, accompanying: float = 0.0) -> SettledInflow:
    """Turn one ranking's admitted applicants into yearly hukou in-migration ``(Y, R, 2, A)``.

    ``settle_years`` defaults to every year from the ranking's year to ``end_year − 1``
    (the last step of the projection is labelled ``end_year − 1``). ``accompanying`` family
    members per applicant are given the applicant's district, the opposite sex and the same
    age (a spouse) — a deliberately simple rule."""
    if end_year <= base_year:
        raise InputError("预测终止年份必须晚于基年")
    if annual_scale < 0 or accompanying < 0:
        raise InputError("年度规模系数与随迁人数不能为负")
    steps = end_year - base_year
    if settle_years is None:
        first = max(ranked.score.as_of.year, base_year)
        settle_years = tuple(range(first, end_year))
    bad = [y for y in settle_years if not base_year <= y < end_year]
    if bad:
        raise InputError(f"落户年份 {bad} 不在预测区间 {base_year}–{end_year - 1} 内")
    a = ranked.score.applicants
    idx = np.flatnonzero(ranked.admitted)
    ages = np.clip(ranked.score.age[idx], 0, n_ages - 1)
    one_year = np.zeros((len(a.district_codes), 2, n_ages), dtype=np.float64)
    np.add.at(one_year, (a.district[idx].astype(np.int64), a.sex[idx].astype(np.int64), ages),
              annual_scale)
    if accompanying:
        one_year += accompanying * one_year[:, ::-1, :]
    array = np.zeros((steps, *one_year.shape), dtype=np.float64)
    for year in settle_years:
        array[year - base_year] += one_year
    return SettledInflow(base_year=base_year, end_year=end_year,
                         settle_years=tuple(settle_years), district_codes=a.district_codes,
                         array=array)


@dataclass(frozen=True)
class TargetComparison:
    """Cumulative settled inflow over a target's period against the target (目标对照)."""

    target: Target
    baseline: float
    changed: float

    @property
    def baseline_share(self) -> float:
        return self.baseline / self.target.value

    @property
    def changed_share(self) -> float:
        return self.changed / self.target.value


def compare_with_target(target: Target, baseline: SettledInflow,
                        changed: SettledInflow) -> TargetComparison:
    return TargetComparison(target=target,
                            baseline=baseline.total(target.from_year, target.to_year),
                            changed=changed.total(target.from_year, target.to_year))


@dataclass(frozen=True)
class HukouEffect:
    """The projected 户籍 population with and without the settled inflow (户籍人口影响)."""

    years: np.ndarray
    without: FloatArray  # (Y+1,) total hukou population
    with_inflow: FloatArray
    left_out: float = 0.0  # settled people in districts the projection does not cover

    @property
    def difference(self) -> FloatArray:
        out: FloatArray = self.with_inflow - self.without
        return out


def hukou_effect(inputs: ProjectionInputs, inflow: SettledInflow,
                 other_districts: str = "error") -> HukouEffect:
    """Run the projection of the **registered** population with and without the inflow.

    ``inputs`` is a :class:`renkou.demography.projection.ProjectionInputs` for the 户籍
    population (its ``region_codes``, if given, are matched to the inflow's districts; without
    them the regions must be the city's districts in gazetteer order). The difference includes
    births to, and deaths of, the settled people over the horizon. Settlements in districts
    the projection does not cover are an error, or with ``other_districts="drop"`` left out
    and counted in :attr:`HukouEffect.left_out`."""
    if (inputs.base_year, inputs.end_year) != (inflow.base_year, inflow.end_year):
        raise InputError(f"落户迁入的年份 {inflow.base_year}–{inflow.end_year} 与预测 "
                         f"{inputs.base_year}–{inputs.end_year} 不一致")
    if other_districts not in ("error", "drop"):
        raise InputError("other_districts 应为 error 或 drop")
    flows = _align_regions(inflow, tuple(inputs.region_codes), int(inputs.n_regions),
                           int(inputs.n_ages), drop=other_districts == "drop")
    base_mig = inputs.net_migration
    added = flows if base_mig is None else np.asarray(base_mig) + flows
    without = project(inputs)
    with_inflow = project(replace(inputs, net_migration=added))
    return HukouEffect(years=np.asarray(without.years),
                       without=without.population.sum(axis=(-3, -2, -1)),
                       with_inflow=with_inflow.population.sum(axis=(-3, -2, -1)),
                       left_out=float(inflow.array.sum() - flows.sum()))


def _align_regions(inflow: SettledInflow, codes: tuple[str, ...], n_regions: int,
                   n_ages: int, drop: bool = False) -> FloatArray:
    arr = inflow.array
    if arr.shape[-1] != n_ages:
        if arr.shape[-1] > n_ages:  # fold older ages into the open age group
            folded = arr[..., :n_ages].copy()
            folded[..., -1] += arr[..., n_ages:].sum(axis=-1)
            arr = folded
        else:
            arr = np.concatenate([arr, np.zeros((*arr.shape[:-1], n_ages - arr.shape[-1]))],
                                 axis=-1)
    if not codes:
        if n_regions == arr.shape[1]:
            return arr
        if n_regions == 1:
            return arr.sum(axis=1, keepdims=True)
        raise InputError(f"预测有 {n_regions} 个地区，落户迁入有 {arr.shape[1]} 个区，"
                         "请在预测输入中给出 region_codes")
    out = np.zeros((arr.shape[0], len(codes), 2, n_ages))
    position = {c: i for i, c in enumerate(codes)}
    city = gazetteer().city_of(inflow.district_codes[0]) if inflow.district_codes else None
    for r, code in enumerate(inflow.district_codes):
        if code in position:
            out[:, position[code]] += arr[:, r]
        elif city in position:
            out[:, position[city]] += arr[:, r]
        elif not drop:
            raise InputError(f"预测地区中没有 {code}（也没有全市 {city}）")
    return out
