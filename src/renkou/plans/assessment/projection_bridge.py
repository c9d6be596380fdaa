"""From the registry to a projection of a plan area (规划预测衔接): the forward look.

:func:`build_inputs` turns registry counts for an area into
``renkou.demography.projection.ProjectionInputs`` at the end of a base year:

* base population — residents by sex and single age at 31 December of the base year;
* fertility — age-specific rates 15–49 of the last ``window`` years (births by mother's age
  ÷ average women of the year), pooled (Σ births ÷ Σ women) and held constant;
* mortality — mx by sex and age pooled the same way (deaths ÷ average population), the open
  age closed with the mean rate of ages 90+ when it has no deaths;
* sex ratio at birth — pooled male ÷ female births;
* net migration — the cohort residual of the last ``window`` years (population at the end
  − survivors of the population at the start − births + deaths, by sex and age at the end),
  averaged per year.

The same holds for the **hukou population** (``caliber="hukou"``, 户籍人口预测): base = hukou
registrants by sex and age, fertility from births to mothers whose hukou is in the area on
the birth date, mortality from deaths of the area's hukou registrants, and net hukou
migration as the cohort residual of the hukou population (moves in and out, settlement of
newcomers, and births to hukou mothers whose child is registered elsewhere, all together).

Flow indicators (rates of a year: TFR, SRB, birth, death and natural increase rates, e0) are
reported for the calendar year of the step that ends on 31 December of that year.

:func:`project_area` runs the medium variant (these rates held constant) and stochastic
trajectories. Trajectories come from ``renkou.demography.stochastic.simulate`` when that
module is present; otherwise from a simple parametric scheme documented in
:func:`_parametric_trajectories` (random walks on the levels of fertility, mortality and
migration — an uncertainty band, not a calibrated forecast distribution).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from renkou.demography.projection import (
    FERTILE_AGE_MAX,
    FERTILE_AGE_MIN,
    ProjectionInputs,
    ProjectionResult,
    project,
)
from renkou.demography.summary import summary_indicators
from renkou.errors import InputError
from renkou.plans.formulas.protocol import NAGES, IndicatorData, year_end
from renkou.types import FloatArray, IntArray

FERTILE = slice(FERTILE_AGE_MIN, FERTILE_AGE_MAX + 1)

Summary = Callable[[dict[str, FloatArray]], FloatArray]

# Formula name → function of the summary dict (values (..., Y+1)) giving the plan's unit,
# for a projection of each caliber.
_SUMMARY: dict[str, dict[str, Summary]] = {
    "resident": {
        "resident_population": lambda s: s["total"] / 1e4,
        "ageing_60_share": lambda s: s["share_60_plus"],
        "ageing_65_share": lambda s: s["share_65_plus"],
        "child_share": lambda s: s["share_0_14"],
        "working_age_share": lambda s: s["share_15_64"],
        "old_dependency": lambda s: s["old_age_dependency"],
        "child_dependency": lambda s: s["young_dependency"],
        "total_dependency": lambda s: s["total_dependency"],
        "tfr": lambda s: s["tfr"],
        "srb": lambda s: s["srb"],
        "birth_rate": lambda s: s["cbr"],
        "death_rate": lambda s: s["cdr"],
        "natural_increase_rate": lambda s: s["natural_growth_rate"],
        "life_expectancy": lambda s: s["e0"],
    },
    "hukou": {
        "hukou_population": lambda s: s["total"] / 1e4,
        "natural_increase_rate_hukou": lambda s: s["natural_growth_rate"],
        "life_expectancy_hukou": lambda s: s["e0"],
    },
}
# Rates of a year (a step of the projection) rather than states at 31 December.
FLOWS = frozenset({"tfr", "srb", "birth_rate", "death_rate", "natural_increase_rate",
                   "life_expectancy", "natural_increase_rate_hukou", "life_expectancy_hukou"})
CALIBERS = ("resident", "hukou")
_BIRTHS = {"resident": "all", "hukou": "hukou"}
_DEATHS = {"resident": "all", "hukou": "hukou"}


@dataclass(frozen=True)
class PlanProjection:
    """Medium variant and trajectories of one area (规划区域人口预测)."""

    area: str
    base_year: int
    years: IntArray
    medium: dict[str, FloatArray]  # formula → (Y+1,)
    trajectories: dict[str, FloatArray] | None  # formula → (N, Y+1)
    population: FloatArray  # medium population (Y+1, 2, A)
    method: str
    # Formula → method text where it differs from ``method`` (merged projections).
    methods: Mapping[str, str] = field(default_factory=dict)

    def method_of(self, formula: str) -> str:
        return self.methods.get(formula, self.method)

    def covers(self, formula: str) -> bool:
        return formula in self.medium

    def merged(self, other: PlanProjection) -> PlanProjection:
        """This projection with ``other``'s series added (its own series win); the
        population and main method stay this one's. Both must share the years."""
        if not np.array_equal(self.years, other.years):
            raise ValueError("projections to merge must cover the same years")
        methods = {name: other.method_of(name) for name in other.medium}
        methods.update({name: self.method_of(name) for name in self.medium})
        medium = {**other.medium, **self.medium}
        traj: dict[str, FloatArray] | None = None
        if self.trajectories is not None or other.trajectories is not None:
            traj = {**(other.trajectories or {}), **(self.trajectories or {})}
        return dataclasses.replace(self, medium=medium, trajectories=traj, methods=methods)

    def _index(self, year: int) -> int | None:
        hits = np.nonzero(self.years == year)[0]
        return int(hits[0]) if hits.size else None

    def value(self, formula: str, year: int) -> float | None:
        i = self._index(year)
        series = self.medium.get(formula)
        if i is None or series is None or not np.isfinite(series[i]):
            return None
        return float(series[i])

    def samples(self, formula: str, year: int) -> FloatArray | None:
        i = self._index(year)
        if i is None or self.trajectories is None or formula not in self.trajectories:
            return None
        s = self.trajectories[formula][:, i]
        s = s[np.isfinite(s)]
        return s if s.size else None

    def fan(self, formula: str, quantiles: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
            ) -> dict[float, FloatArray] | None:
        """Quantiles of the trajectories by year (for fan charts)."""
        if self.trajectories is None or formula not in self.trajectories:
            return None
        t = self.trajectories[formula]
        return {q: np.nanquantile(t, q, axis=0) for q in quantiles}


def _pooled(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def build_inputs(data: IndicatorData, area: str, base_year: int, end_year: int,
                 window: int = 3, caliber: str = "resident") -> ProjectionInputs:
    """ProjectionInputs for ``area`` from the registry, rates of the last ``window`` years,
    for the resident (常住) or the hukou (户籍) population."""
    if end_year <= base_year:
        raise InputError(f"预测终止年 {end_year} 须晚于基年 {base_year}")
    if caliber not in CALIBERS:
        raise InputError(f"预测只支持常住人口或户籍人口口径，不支持 {caliber}")
    what = "常住人口" if caliber == "resident" else "户籍人口"
    years = list(range(base_year - window + 1, base_year + 1))
    births_age = np.zeros(NAGES)
    births_sex = np.zeros(2)
    deaths = np.zeros((2, NAGES))
    exposure = np.zeros((2, NAGES))
    migration = np.zeros((2, NAGES))
    for y in years:
        start = data.population(year_end(y - 1), caliber, area)
        end = data.population(year_end(y), caliber, area)
        b_sex = data.births_by_sex(y, area, _BIRTHS[caliber])
        d = data.deaths(y, area, _DEATHS[caliber])
        births_age += data.births_by_mother_age(y, area, _BIRTHS[caliber])
        births_sex += b_sex
        deaths += d
        exposure += (start + end) / 2.0
        # Cohort residual: who is aged a at the end was aged a−1 at the start (0 = births).
        survivors = np.zeros((2, NAGES))
        survivors[:, 1:] = start[:, :-1]
        survivors[:, -1] += start[:, -1]
        survivors[:, 0] = b_sex
        migration += end - survivors + d
    pop = data.population(year_end(base_year), caliber, area)
    if pop.sum() <= 0:
        raise InputError(f"地区 {area} 在 {base_year} 年末没有{what}，无法预测")
    asfr = _pooled(births_age, exposure[1])[FERTILE]
    mx = _pooled(deaths, exposure)
    for s in range(2):
        if mx[s, -1] <= 0:
            old = mx[s, 90:]
            mx[s, -1] = float(old[old > 0].mean()) if np.any(old > 0) else 0.3
    srb = births_sex[0] / births_sex[1] if births_sex[1] > 0 else 1.05
    steps = end_year - base_year
    return ProjectionInputs(
        base_year=base_year, end_year=end_year, population=pop[None, :, :],
        asfr=np.broadcast_to(asfr, (steps, 1, asfr.size)).copy(),
        mx=np.broadcast_to(mx, (steps, 1, 2, NAGES)).copy(),
        srb=np.full((steps, 1), srb),
        net_migration=np.broadcast_to(migration / len(years), (steps, 1, 2, NAGES)).copy(),
        region_codes=(area,),
    )


def indicator_series(result: ProjectionResult, caliber: str = "resident", region: int = 0
                ) -> dict[str, FloatArray]:
    """Series (..., Y+1) of the caliber's formulas for one region of the result; flows
    moved to the year their step ends in (NaN in the base year)."""
    summary = summary_indicators(result)
    out: dict[str, FloatArray] = {}
    for name, f in _SUMMARY[caliber].items():
        values = np.asarray(f(summary), dtype=np.float64)[..., region]
        if name in FLOWS:
            shifted = np.full_like(values, np.nan)
            shifted[..., 1:] = values[..., :-1]
            values = shifted
        out[name] = values
    if caliber == "resident":
        pop = result.population.sum(axis=-2)[..., region, :]  # (..., Y+1, A)
        out["working_age_population"] = pop[..., 15:65].sum(axis=-1) / 1e4
    return out


def _parametric_trajectories(inputs: ProjectionInputs, n: int, seed: int
                             ) -> ProjectionInputs:
    """Trajectories by random walks on log-levels of fertility (sd 0.04 a year), mortality
    (sd 0.03) and a normal walk on the migration level (sd 0.25 a year), starting from the
    medium assumptions — an uncertainty band in the absence of a calibrated model."""
    rng = np.random.default_rng(seed)
    steps = inputs.steps
    f = np.exp(np.cumsum(rng.normal(0.0, 0.04, (n, steps)), axis=1))
    m = np.exp(np.cumsum(rng.normal(0.0, 0.03, (n, steps)), axis=1))
    g = 1.0 + np.cumsum(rng.normal(0.0, 0.25, (n, steps)), axis=1)
    mig = inputs.net_migration if inputs.net_migration is not None else np.zeros(
        (steps, 1, 2, inputs.n_ages))
    return dataclasses.replace(
        inputs,
        asfr=inputs.asfr[None] * f[:, :, None, None],
        mx=inputs.mx[None] * m[:, :, None, None, None],
        srb=np.broadcast_to(inputs.srb, (n, *inputs.srb.shape)).copy(),
        net_migration=mig[None] * g[:, :, None, None, None],
    )


def stochastic_run(inputs: ProjectionInputs, n: int, seed: int
                  ) -> tuple[ProjectionResult, str]:
    try:
        from renkou.demography import stochastic

        result = stochastic.simulate(inputs, n, seed)
        if isinstance(result, ProjectionResult):
            return result, "随机预测（renkou.demography.stochastic）"
    except (ImportError, AttributeError, TypeError):
        pass
    return project(_parametric_trajectories(inputs, n, seed)), "参数随机游走模拟"


def project_area(data: IndicatorData, area: str, base_year: int, end_year: int, *,
                 trajectories: int = 200, seed: int = 2020, window: int = 3,
                 caliber: str = "resident") -> PlanProjection:
    """Medium variant and ``trajectories`` stochastic runs for ``area`` (resident or hukou
    population); flow indicators need the step after a year, so the run goes to
    ``end_year + 1``."""
    inputs = build_inputs(data, area, base_year, end_year + 1, window, caliber)
    medium = project(inputs)
    traj: dict[str, FloatArray] | None = None
    what = "常住人口" if caliber == "resident" else "户籍人口"
    method = f"{what}中方案（近年生育、死亡、迁移水平保持不变）"
    if trajectories > 0:
        result, how = stochastic_run(inputs, trajectories, seed)
        traj = indicator_series(result, caliber)
        method += f"；{trajectories}条{how}"
    return PlanProjection(area=area, base_year=base_year, years=medium.years,
                          medium=indicator_series(medium, caliber),
                          trajectories=traj, population=medium.population[:, 0],
                          method=method)
