"""Projections (人口预测): run one from an input directory, write a sample input directory,
and build projection inputs for an area from a registry.

The numerics are :mod:`renkou.demography`; the file contract is :mod:`renkou.projection`;
the registry-to-inputs bridge is :mod:`renkou.plans.assessment.projection_bridge` (the same one the
plan assessment's forward look uses)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from renkou.demography.projection import ProjectionInputs, ProjectionResult, project
from renkou.demography.stochastic import StochasticSettings, simulate_indicators
from renkou.demography.variants import VARIANT_ZH, VARIANTS, apply_variant
from renkou.errors import InputError
from renkou.projection import paths
from renkou.projection.bounds import calibrated_settings
from renkou.projection.config import ProjectionConfig
from renkou.projection.history import mortality_pattern
from renkou.projection.housing import housing_arrivals, with_housing
from renkou.projection.io import load_projection
from renkou.projection.output import write_outputs
from renkou.projection.sample import write_sample_inputs
from renkou.types import FloatArray

if TYPE_CHECKING:  # the registry (DuckDB) is loaded only by the commands that open a store
    import pandas as pd

    from renkou.projection.registry_inputs import RegistryBuild
    from renkou.registry import Registry

# Two worker threads: NumPy releases the GIL, so both cores of the server are used.
STOCHASTIC_WORKERS = 2


@dataclass(frozen=True)
class ScenarioPaths:
    """Scenario path files applied on top of the variant, in the order TFR, e0, migration."""

    tfr: Path | None = None
    e0: Path | None = None
    migration: Path | None = None


@dataclass(frozen=True)
class ProjectionRun:
    """What a run did and wrote."""

    config: ProjectionConfig
    variant: str
    inputs: ProjectionInputs
    result: ProjectionResult
    written: tuple[Path, ...]
    applied: tuple[str, ...]  # scenario paths applied, "总和生育率 tfr.csv" …
    warnings: tuple[str, ...]  # about the inputs and the path files
    seed: int | None  # the seed of the stochastic run (drawn when none was given)
    seed_drawn: bool = False
    stochastic: dict[str, FloatArray] | None = field(default=None, repr=False)
    mortality_pattern: str | None = None  # the b(x) of the stochastic mortality deviations
    calibration: tuple[str, ...] = ()  # how the stochastic spreads were calibrated

    @property
    def variant_name(self) -> str:
        return VARIANT_ZH[self.variant]

    @property
    def total_start(self) -> float:
        return float(self.result.population[0].sum())

    @property
    def total_end(self) -> float:
        return float(self.result.population[-1].sum())


def resolve_variant(variant: str) -> str:
    """A variant key from its key or Chinese name (中方案 → medium)."""
    v = variant.strip()
    v = {zh: en for en, zh in VARIANT_ZH.items()}.get(v, v)
    if v not in VARIANTS:
        raise InputError(f"未知的方案 {variant!r}，可选：{', '.join(VARIANTS)}")
    return v


_PathStep = tuple[str, Path | None, Callable[..., paths.ScenarioPath],
                  Callable[[ProjectionInputs, paths.ScenarioPath], ProjectionInputs]]


def apply_scenario_paths(inputs: ProjectionInputs, scenario: ScenarioPaths
                         ) -> tuple[ProjectionInputs, list[str], list[str]]:
    """The inputs with the scenario paths applied; the names applied and the warnings."""
    applied: list[str] = []
    warnings: list[str] = []
    steps: tuple[_PathStep, ...] = (
        ("总和生育率", scenario.tfr, paths.read_tfr_path, paths.apply_tfr_path),
        ("预期寿命", scenario.e0, paths.read_e0_path, paths.apply_e0_path),
        ("净迁移", scenario.migration, paths.read_migration_path, paths.apply_migration_path))
    for name, file, read, apply in steps:
        if file is None:
            continue
        path = read(file, inputs)
        warnings.extend(path.warnings)
        try:
            inputs = apply(inputs, path)
        except ValueError as exc:
            raise InputError(f"{name}路径不能用于预测：{exc}", file=str(file)) from None
        applied.append(f"{name} {file.name}")
    return inputs, applied, warnings


def stochastic_indicators(inputs: ProjectionInputs, trajectories: int, seed: int,
                          settings: StochasticSettings | None = None) -> dict[str, FloatArray]:
    """Summary indicators (N, Y+1, R) of N stochastic trajectories, projected in chunks so
    that memory stays bounded."""
    try:
        return simulate_indicators(inputs, trajectories, seed, settings=settings,
                                   workers=STOCHASTIC_WORKERS)
    except ValueError as exc:
        raise InputError(f"随机预测失败：{exc}") from None


def run_projection(input_dir: Path, out_dir: Path, *, variant: str = "medium",
                   trajectories: int | None = None, seed: int | None = None,
                   scenario: ScenarioPaths | None = None,
                   control: Callable[[ProjectionResult], ProjectionResult] | None = None
                   ) -> ProjectionRun:
    """Read ``input_dir`` (with its housing pipeline, if any), project the variant (with
    scenario paths on top), optionally ``trajectories`` stochastic runs, and write the
    results to ``out_dir``; ``control`` adjusts the projection before it is written."""
    key = resolve_variant(variant)
    if Path(out_dir).resolve() == Path(input_dir).resolve():
        raise InputError("输出目录不能与输入目录相同（会覆盖输入的 population.csv）",
                         file=str(out_dir))
    if seed is not None and trajectories is None:
        raise InputError("--seed 只能与 --trajectories 一起使用")
    loaded = load_projection(input_dir)
    warnings = list(loaded.warnings)
    inputs = loaded.inputs
    arrivals, housing_notes = housing_arrivals(input_dir, inputs)
    if arrivals is not None:
        inputs = with_housing(inputs, arrivals)
        warnings += housing_notes
    try:
        inputs = apply_variant(inputs, key)
    except ValueError as exc:
        raise InputError(f"输入数据不能用于预测：{exc}") from None
    inputs, applied, path_warnings = apply_scenario_paths(inputs, scenario or ScenarioPaths())
    warnings += path_warnings
    try:
        result = project(inputs)
    except ValueError as exc:
        raise InputError(f"输入数据不能用于预测：{exc}") from None
    if result.emigration_capped is not None:
        cut = float(result.emigration_capped.sum())
        warnings.append(f"净迁出超过队列人数，已截断为 0：共 {cut:,.0f} 人，"
                        "见 summary.csv 的 emigration_capped")
    stochastic = None
    drawn = False
    pattern = None
    calibration: list[str] = []
    if trajectories is not None:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**31))  # type: ignore[operator]
            drawn = True
        history = mortality_pattern(input_dir, inputs.n_ages)
        pattern = history.description
        settings = (StochasticSettings(mortality_bx=history.bx) if history.bx is not None
                    else None)
        settings, calibration = calibrated_settings(input_dir, inputs, settings)
        stochastic = stochastic_indicators(inputs, trajectories, seed, settings)
    if control is not None:
        result = control(result)
    written = write_outputs(result, out_dir, stochastic)
    return ProjectionRun(config=loaded.config, variant=key, inputs=inputs, result=result,
                         written=tuple(written), applied=tuple(applied),
                         warnings=tuple(warnings), seed=seed, seed_drawn=drawn,
                         stochastic=stochastic, mortality_pattern=pattern,
                         calibration=tuple(calibration) if trajectories is not None else ())


def write_sample(out_dir: Path, base_year: int = 2020, end_year: int = 2035) -> Path:
    """A runnable sample input directory (synthetic data)."""
    if end_year <= base_year:
        raise InputError("--end-year 必须晚于 --base-year")
    return write_sample_inputs(out_dir, base_year, end_year)


def registry_inputs(registry: Registry, area: str, base_year: int, end_year: int, *,
                    window: int = 3, caliber: str = "resident") -> ProjectionInputs:
    """Projection inputs for ``area`` from the registry's counts: the base population at the
    end of ``base_year`` and the rates of the last ``window`` years held constant."""
    # Imported here: the plans package sits above the projection run in the layers.
    from renkou.plans import RegistryData
    from renkou.plans.assessment.projection_bridge import build_inputs

    return build_inputs(RegistryData(registry), area, base_year, end_year, window, caliber)


@dataclass(frozen=True)
class RegistryProjection:
    """A projection built from a registry: where its inputs went and what was assumed."""

    run: ProjectionRun
    inputs_dir: Path
    window: tuple[int, ...]
    jurisdiction: str
    warnings: tuple[str, ...]
    districts: ProjectionRun | None = None  # the district projection streets are fitted to
    notes: tuple[str, ...] = ()


ASSUMPTION_NOTES = (
    "基期人口为数据库在 as_of 的该口径人口（与 renkou registry stats 相同）；"
    "预测第 y 年的一步为 as_of 之后的一年",
    "生育：窗口期分母亲年龄出生数 ÷ 妇女人年数，gamma 生育模式（Hoem 等 1981）罚似然拟合，"
    "先全辖区，再以全辖区为先验拟合各地区；今后保持不变",
    "死亡：全辖区分性别 Siler 曲线为标准，各地区 Brass 关联 logit 模型（α ~ N(0, 0.3²)，"
    "β ~ N(1, 0.1²)）罚似然拟合；库内有 10 年以上死亡数据时今后按全辖区 Lee–Carter 漂移变化，"
    "否则保持不变",
    "出生性别比：各地区出生数加全辖区比例的 200 例先验",
    "迁移：登记的迁入、迁出按年龄拟合 Rogers–Castro 模式，净迁移总量与窗口期人口平衡方程"
    "（人口变化 − 出生 + 死亡）一致；今后保持窗口期年均水平",
)


def _write_registry_inputs(build: RegistryBuild, directory: Path, meta: dict[str, object],
                           housing: pd.DataFrame | None) -> Path:
    from renkou.projection.output import write_input_directory
    from renkou.projection.registry_inputs import toml_text
    from renkou.tables import write_table

    write_input_directory(build.inputs, directory)
    settings = {"base_year": build.inputs.base_year, "end_year": build.inputs.end_year,
                "open_age": build.inputs.open_age,
                "migration_timing": build.inputs.migration_timing,
                "a0_rule": build.inputs.a0_rule}
    table = {**meta, "methods": "；".join(ASSUMPTION_NOTES), **build.assumptions}
    (directory / "projection.toml").write_text(
        "# 由人口基础信息库生成的预测输入；[registry] 记录口径、窗口期和各地区的拟合结果\n"
        + toml_text(settings, {"registry": table}), encoding="utf-8")
    if housing is not None:
        write_table(housing, directory / "housing.csv")
    if build.mortality_history is not None:
        write_table(build.mortality_history, directory / "mortality_history.csv")
    if build.migration_bounds is not None:
        write_table(build.migration_bounds, directory / "migration_bounds.csv")
    return directory


def run_from_registry(db: Path, out_dir: Path, *, as_of: dt.date, caliber: str = "resident",
                      level: str = "district", end_year: int, variant: str = "medium",
                      trajectories: int | None = None, seed: int | None = None,
                      housing: Path | None = None) -> RegistryProjection:
    """Build projection inputs from the registry in ``db`` (written to ``out_dir/inputs``,
    re-runnable with ``renkou project``) and project them into ``out_dir``.

    At ``level="street"`` the districts are projected too (``out_dir/districts``, with the
    stochastic trajectories) and the 街镇 results are fitted to them
    (:mod:`renkou.projection.control`), so that streets sum to their district exactly.
    ``housing`` (region, year, dwellings, persons_per_dwelling, age_profile) adds arrivals
    into new housing on top of the trend (at street level, to the district as well)."""
    from renkou.app.stores import registry_at
    from renkou.projection.control import control_to_parents, parent_index
    from renkou.projection.registry_inputs import build_registry_inputs
    from renkou.tables import read_table

    key = resolve_variant(variant)
    with registry_at(db) as registry:
        build = build_registry_inputs(registry, as_of, caliber, level, end_year)
        parents = (build_registry_inputs(registry, as_of, caliber, "district", end_year)
                   if level == "street" else None)
        jurisdiction = registry.jurisdiction()
    meta: dict[str, object] = {
        "database": Path(db).name, "jurisdiction": jurisdiction.key,
        "as_of": as_of.isoformat(), "caliber": caliber, "level": level,
        "future": "窗口期的生育、迁移水平保持不变，死亡率见 mortality_future（中方案）；"
                  "其他方案和情景路径在其上调整"}
    plan = read_table(housing).astype(str) if housing is not None else None
    out = Path(out_dir)
    inputs_dir = _write_registry_inputs(build, out / "inputs", meta, plan)
    if parents is None:
        run = run_projection(inputs_dir, out, variant=key, trajectories=trajectories,
                             seed=seed)
        return RegistryProjection(run=run, inputs_dir=inputs_dir, window=build.window,
                                  jurisdiction=jurisdiction.name,
                                  warnings=tuple(build.warnings))
    codes = build.inputs.region_codes
    try:
        mapping = parent_index(codes, parents.inputs.region_codes)
    except ValueError as exc:
        raise InputError(f"街镇无法对应到区：{exc}") from None
    district_plan = None
    if plan is not None:
        lookup = {c: parents.inputs.region_codes[mapping[i]] for i, c in enumerate(codes)}
        district_plan = plan.assign(region=plan["region"].str.strip().map(
            lambda c: lookup.get(c, c)))
    district_dir = _write_registry_inputs(parents, out / "districts" / "inputs",
                                          {**meta, "level": "district"}, district_plan)
    district_run = run_projection(district_dir, out / "districts", variant=key,
                                  trajectories=trajectories, seed=seed)
    run = run_projection(inputs_dir, out, variant=key, control=lambda r: control_to_parents(
        r, district_run.result, mapping))
    note = ("街镇预测已按比例调整到区级预测（districts/，各年、性别、年龄之和与区一致）"
            + ("；随机预测在区级进行（districts/quantiles.csv）" if trajectories else ""))
    return RegistryProjection(run=run, inputs_dir=inputs_dir, window=build.window,
                              jurisdiction=jurisdiction.name, warnings=tuple(build.warnings),
                              districts=district_run, notes=(note,))
