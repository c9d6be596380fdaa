"""The plan's own targets as a variant (规划目标方案): ``renkou project … --variant plan``.

The medium variant with scenario paths built from the numeric targets of a plan
(:mod:`renkou.plans`) for the area's resident population:

* ``tfr`` targets — each region's TFR moves by the ratio of the target to the
  jurisdiction's current TFR (women-weighted mean of the regions), linearly from the base
  step to the step that ends in the target year, held afterwards;
* ``life_expectancy`` targets — each region's and sex's e0 moves by the difference between
  the target and the jurisdiction's current both-sex e0 (population-weighted), likewise;
* ``resident_population`` targets — extra net migrants, the same number in every step up
  to the target year and spread over the regions by population, chosen (three passes of
  the projection) so that the projected total meets the target; after the last target the
  medium migration. Used only when the input population is on the plan's scale (within
  half of the plan's level interpolated at the base year): a down-scaled demo store is not.

Targets that are directions only (提高/降低) or lie before the first projection step are
left out; the paths are written to ``OUT/plan_paths`` (``tfr.csv``, ``e0.csv``,
``migration.csv``), so that ``renkou project OUT/inputs --tfr-path … --e0-path …
--migration-path …`` reruns the variant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from renkou.demography.lifetable import life_expectancy
from renkou.demography.projection import ProjectionInputs, project
from renkou.errors import InputError
from renkou.projection import paths

PLAN_VARIANT = "plan"
PASSES = 3


@dataclass(frozen=True)
class PlanPaths:
    """Path files of a plan variant and what they hold."""

    plan: str
    tfr: Path | None
    e0: Path | None
    migration: Path | None
    notes: tuple[str, ...]


def _targets(plan_code: str, formula: str, base_year: int) -> list[tuple[int, float]]:
    """(calendar year, value) of the plan's numeric targets of ``formula`` after the base
    year (a range by its middle)."""
    from renkou.plans.model.catalog import get_plan

    plan = get_plan(plan_code)
    out: dict[int, float] = {}
    for ind in plan.indicators:
        if (ind.formula or "") != formula:
            continue
        for t in ind.assessed_targets():
            value = t.value
            if value is None and t.low is not None and t.high is not None:
                value = (t.low + t.high) / 2.0
            if value is not None and t.comparator not in ("increase", "decrease") \
                    and t.year > base_year:
                out[t.year] = float(value)
    return sorted(out.items())


def _levels(plan_code: str, formula: str) -> list[tuple[int, float]]:
    """Every stated value (baselines and targets) of ``formula`` in the plan, by year."""
    from renkou.plans.model.catalog import get_plan

    plan = get_plan(plan_code)
    out: dict[int, float] = {}
    for ind in plan.indicators:
        if (ind.formula or "") == formula:
            out.update({b.year: float(b.value) for b in ind.baselines if b.value is not None})
            out.update({t.year: float(t.value) for t in ind.assessed_targets()
                        if t.value is not None})
    return sorted(out.items())


def _write(rows: Sequence[tuple[object, ...]], columns: list[str], path: Path) -> Path:
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False, float_format="%.10g")
    return path


def _step_path(base: int, current: float, targets: list[tuple[int, float]], steps: int
               ) -> np.ndarray:
    """A value per step: ``current`` at the base step, each target at the step ending in its
    year (step year = year − 1), linear between, held after the last."""
    xs = [base] + [y - 1 for y, _ in targets]
    ys = [current] + [v for _, v in targets]
    return np.interp(np.arange(base, base + steps), xs, ys)


def build_plan_paths(plan_code: str, inputs: ProjectionInputs, out_dir: Path) -> PlanPaths:
    """Write the plan's TFR, e0 and population-target paths for ``inputs`` (the medium
    inputs, housing included) to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base, steps = inputs.base_year, inputs.steps
    codes = list(inputs.region_codes or [str(i + 1) for i in range(inputs.n_regions)])
    pop = np.asarray(inputs.population, dtype=np.float64)
    notes: list[str] = []
    tfr_file = e0_file = mig_file = None
    current = inputs
    tfr_targets = _targets(plan_code, "tfr", base)
    if tfr_targets:
        tfr_r = np.asarray(inputs.asfr, dtype=np.float64)[0].sum(axis=-1)  # (R,)
        women = pop[:, 1, 15:50].sum(axis=-1)
        tfr_j = float(np.average(tfr_r, weights=women)) if women.sum() > 0 else 0.0
        if tfr_j > 0:
            ratio = _step_path(base, 1.0, [(y, v / tfr_j) for y, v in tfr_targets], steps)
            rows = [(base + k, c, float(tfr_r[i] * ratio[k])) for k in range(steps)
                    for i, c in enumerate(codes)]
            tfr_file = _write(rows, ["year", "region", "value"], out_dir / "tfr.csv")
            current = paths.apply_tfr_path(current, paths.read_tfr_path(tfr_file, current))
            notes.append("总和生育率：" + "、".join(f"{y}年 {v:g}" for y, v in tfr_targets)
                         + f"（当前 {tfr_j:.3f}，各地区按同一比例调整）")
    e0_targets = _targets(plan_code, "life_expectancy", base)
    if e0_targets:
        e0 = life_expectancy(np.asarray(inputs.mx, dtype=np.float64)[0],
                             np.array([False, True]), inputs.a0_rule)  # (R, 2)
        e0_j = float(np.average(e0, weights=pop.sum(axis=-1)))
        gain = _step_path(base, 0.0, [(y, v - e0_j) for y, v in e0_targets], steps)
        e0_rows = [(base + k, c, sex, float(e0[i, s] + gain[k])) for k in range(steps)
                   for i, c in enumerate(codes) for s, sex in enumerate(("male", "female"))]
        e0_file = _write(e0_rows, ["year", "region", "sex", "value"], out_dir / "e0.csv")
        current = paths.apply_e0_path(current, paths.read_e0_path(e0_file, current))
        notes.append("人均预期寿命：" + "、".join(f"{y}年 {v:g}岁" for y, v in e0_targets)
                     + f"（当前 {e0_j:.2f} 岁，各地区、性别增加相同岁数）")
    pop_targets = _targets(plan_code, "resident_population", base)
    if pop_targets:
        levels = _levels(plan_code, "resident_population")
        plan_now = float(np.interp(base, [y for y, _ in levels], [v for _, v in levels]))
        total = float(pop.sum()) / 1e4
        if abs(total / plan_now - 1.0) > 0.5:
            notes.append(f"常住人口目标未使用：输入人口 {total:,.2f} 万人与规划在 {base} 年的水平 "
                         f"{plan_now:,.0f} 万人不在同一规模（如缩样的示范库）")
        else:
            mig_file = _population_path(current, pop_targets, codes, out_dir / "migration.csv")
            notes.append("常住人口：" + "、".join(f"{y}年 {v:g}万人" for y, v in pop_targets)
                         + "（在中方案迁移之上每年增加相同的净迁入，按人口分到各地区）")
    if not notes:
        raise InputError(f"规划 {plan_code} 在 {base} 年之后没有总和生育率、人均预期寿命或常住人口"
                         "的数值目标，无法构成规划目标方案", column="--variant")
    return PlanPaths(plan=plan_code, tfr=tfr_file, e0=e0_file, migration=mig_file,
                     notes=tuple(notes))


def _population_path(inputs: ProjectionInputs, targets: list[tuple[int, float]],
                     codes: list[str], file: Path) -> Path:
    """Net-migration totals per step and region meeting the population targets."""
    base, steps = inputs.base_year, inputs.steps
    mig = (np.zeros((steps, inputs.n_regions, 2, inputs.n_ages))
           if inputs.net_migration is None else np.asarray(inputs.net_migration))
    medium = mig.sum(axis=(-1, -2))  # (Y, R)
    share = np.asarray(inputs.population).sum(axis=(-1, -2))
    share = share / share.sum()
    extra = np.zeros(steps)
    start = 0
    for year, value in targets:
        stop = min(year - base, steps)
        if stop <= start:
            continue
        for _ in range(PASSES):
            totals = medium + extra[:, None] * share[None]
            run = project(paths.apply_migration_path(
                inputs, paths.ScenarioPath(values=totals, given=np.ones(totals.shape, bool),
                                           warnings=())))
            gap = value * 1e4 - float(run.population[stop].sum())
            extra[start:stop] += gap / (stop - start)
        start = stop
    totals = medium + extra[:, None] * share[None]
    rows = [(base + k, c, float(totals[k, i])) for k in range(steps) for i, c in enumerate(codes)]
    return _write(rows, ["year", "region", "value"], file)


def plan_code_for(jurisdiction_plans: tuple[str, ...] | list[str], plan: str | None) -> str:
    """The plan to use: ``plan`` when given, else the jurisdiction's only plan."""
    if plan:
        return plan
    if len(jurisdiction_plans) == 1:
        return str(jurisdiction_plans[0])
    raise InputError("--variant plan 需要用 --plan 指定规划（"
                     + "、".join(jurisdiction_plans) + "）", column="--plan")

