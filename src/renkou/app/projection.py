"""Projections (人口预测): run one from an input directory, write a sample input directory,
and build projection inputs for an area from a registry.

The numerics are :mod:`renkou.demography`; the file contract is :mod:`renkou.projection`;
the registry-to-inputs bridge is :mod:`renkou.plans.assessment.projection_bridge` (the same one the
plan assessment's forward look uses)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from renkou.app.plan_variant import PLAN_VARIANT, build_plan_paths
from renkou.demography.hukou_split import SplitProjection, project_split
from renkou.demography.projection import ProjectionInputs, ProjectionResult, project
from renkou.demography.stochastic import StochasticSettings, simulate_indicators
from renkou.demography.variants import VARIANT_ZH, VARIANTS, apply_variant
from renkou.errors import InputError
from renkou.projection import paths
from renkou.projection.bounds import calibrated_settings
from renkou.projection.config import ProjectionConfig
from renkou.projection.history import mortality_pattern
from renkou.projection.housing import housing_arrivals, with_housing
from renkou.projection.hukou_tables import load_split, split_population_table
from renkou.projection.io import load_projection
from renkou.projection.output import write_outputs
from renkou.projection.sample import write_sample_inputs
from renkou.types import FloatArray

if TYPE_CHECKING:  # the registry (DuckDB) is loaded only by the commands that open a store
    import pandas as pd

    from renkou.projection.hukou_registry import SplitBuild
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
    # Hukou and non-hukou residents (the input directory's hukou_population), controlled
    # to ``result``'s population.
    split: SplitProjection | None = None

    @property
    def variant_name(self) -> str:
        return VARIANT_ZH.get(self.variant, "规划目标方案")

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
    if v in ("规划目标方案", PLAN_VARIANT):
        return PLAN_VARIANT
    if v not in VARIANTS:
        raise InputError(f"未知的方案 {variant!r}，可选：{', '.join(VARIANTS)}、{PLAN_VARIANT}")
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
                   control: Callable[[ProjectionResult], ProjectionResult] | None = None,
                   plan: str | None = None) -> ProjectionRun:
    """Read ``input_dir`` (with its housing pipeline, if any), project the variant (with
    scenario paths on top), optionally ``trajectories`` stochastic runs, and write the
    results to ``out_dir``; ``control`` adjusts the projection before it is written.
    ``variant="plan"`` is the medium variant with the paths of ``plan``'s targets
    (:mod:`renkou.app.plan_variant`, written to ``out_dir/plan_paths``)."""
    key = resolve_variant(variant)
    if Path(out_dir).resolve() == Path(input_dir).resolve():
        raise InputError("输出目录不能与输入目录相同（会覆盖输入的 population.csv）",
                         file=str(out_dir))
    if seed is not None and trajectories is None:
        raise InputError("--seed 只能与 --trajectories 一起使用")
    loaded = load_projection(input_dir)
    warnings = list(loaded.warnings)
    inputs = loaded.inputs
    split, split_warnings = load_split(input_dir, inputs)
    warnings += split_warnings
    if split is not None and key == "zero-migration":  # no migration of either state
        split = dataclasses.replace(split, hukou_migration=None)
    arrivals, housing_notes = housing_arrivals(input_dir, inputs)
    if arrivals is not None:
        inputs = with_housing(inputs, arrivals)
        warnings += housing_notes
    if key == PLAN_VARIANT:
        if plan is None:
            raise InputError("--variant plan 需要用 --plan 指定规划", column="--plan")
        if scenario is not None and (scenario.tfr or scenario.e0 or scenario.migration):
            raise InputError("--variant plan 自带情景路径，不能再给 --tfr-path 等路径")
        built = build_plan_paths(plan, inputs, Path(out_dir) / "plan_paths")
        scenario = ScenarioPaths(built.tfr, built.e0, built.migration)
        warnings += [f"规划目标方案（{plan}）：{n}" for n in built.notes]
    try:
        inputs = apply_variant(inputs, "medium" if key == PLAN_VARIANT else key)
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
    linked = None
    if split is not None:
        try:
            linked = project_split(inputs, split, result.population)
        except ValueError as exc:
            raise InputError(f"户籍/非户籍联动预测失败：{exc}") from None
    written = write_outputs(result, out_dir, stochastic, population=(
        split_population_table(result, linked) if linked is not None else None))
    return ProjectionRun(config=loaded.config, variant=key, inputs=inputs, result=result,
                         written=tuple(written), applied=tuple(applied),
                         warnings=tuple(warnings), seed=seed, seed_drawn=drawn,
                         stochastic=stochastic, mortality_pattern=pattern,
                         calibration=tuple(calibration) if trajectories is not None else (),
                         split=linked)


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


SPLIT_NOTE = (
    "常住人口分为户籍常住（持本辖区户籍）与非户籍常住两个状态，生育、死亡、出生性别比用所在地区的"
    "常住人口水平，子女随母亲状态；每年非户籍常住人口按落户率（或落户人员表的人数）转为户籍常住；"
    "户籍常住的净迁移为窗口期其人口变化减出生、死亡和落户，其余净迁移属于非户籍常住；两个状态"
    "的分年龄结果按户籍比例调整到常住人口预测，两者之和逐格等于常住人口")


def _write_registry_inputs(build: RegistryBuild, directory: Path, meta: dict[str, object],
                           housing: pd.DataFrame | None, split: SplitBuild | None = None
                           ) -> Path:
    from renkou.projection.output import write_input_directory
    from renkou.projection.registry_inputs import toml_text
    from renkou.tables import write_table

    write_input_directory(build.inputs, directory)
    settings = {"base_year": build.inputs.base_year, "end_year": build.inputs.end_year,
                "open_age": build.inputs.open_age,
                "migration_timing": build.inputs.migration_timing,
                "a0_rule": build.inputs.a0_rule}
    table = {**meta, "methods": "；".join(ASSUMPTION_NOTES), **build.assumptions}
    tables: dict[str, dict[str, Any]] = {"registry": table}
    if split is not None:
        from renkou.projection.hukou_tables import write_split

        write_split(split.split, build.inputs, directory)
        tables["hukou_split"] = {"methods": SPLIT_NOTE, **split.assumptions}
    (directory / "projection.toml").write_text(
        "# 由人口基础信息库生成的预测输入；[registry] 记录口径、窗口期和各地区的拟合结果\n"
        + toml_text(settings, tables), encoding="utf-8")
    if housing is not None:
        write_table(housing, directory / "housing.csv")
    if build.mortality_history is not None:
        write_table(build.mortality_history, directory / "mortality_history.csv")
    if build.migration_bounds is not None:
        write_table(build.migration_bounds, directory / "migration_bounds.csv")
    return directory


@dataclass(frozen=True)
class RegistryInputs:
    """Projection inputs written from a registry (the part of a run that reads the store):
    what :func:`project_registry_inputs` projects, in this process or another."""

    out_dir: Path
    inputs_dir: Path
    window: tuple[int, ...]
    jurisdiction: str
    warnings: tuple[str, ...]
    district_dir: Path | None = None  # street level: the districts the streets are fitted to
    mapping: tuple[int, ...] = ()  # street level: each street's district (index)


def write_registry_inputs(db: Path, out_dir: Path, *, as_of: dt.date,
                          caliber: str = "resident", level: str = "district", end_year: int,
                          housing: Path | None = None, split: str | None = None,
                          settlement: Path | None = None) -> RegistryInputs:
    """Build projection inputs from the registry in ``db`` and write them to
    ``out_dir/inputs`` (at street level also the districts' to ``out_dir/districts/inputs``).
    ``split="hukou"`` (resident caliber only) adds the hukou split of the residents, with
    settlement rates from the registry or the settlers of ``settlement`` (a table of
    admitted applicants) (:mod:`renkou.projection.hukou_tables`)."""
    from renkou.app.stores import registry_at
    from renkou.projection.control import parent_index
    from renkou.projection.registry_inputs import build_registry_inputs
    from renkou.tables import read_table

    if split not in (None, "hukou"):
        raise InputError(f"--split 只支持 hukou，而不是 {split!r}", column="--split")
    if split and caliber != "resident":
        raise InputError("--split hukou 把常住人口分为户籍和非户籍，只能用于 --caliber resident",
                         column="--split")
    if settlement is not None and not split:
        raise InputError("--settlement 需要与 --split hukou 一起使用", column="--settlement")
    split_build = None
    with registry_at(db) as registry:
        build = build_registry_inputs(registry, as_of, caliber, level, end_year)
        if split:
            from renkou.projection.hukou_registry import build_split

            split_build = build_split(registry, build, as_of, level, settlement)
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
    inputs_dir = _write_registry_inputs(build, out / "inputs", meta, plan, split_build)
    warnings = tuple(build.warnings) + (tuple(split_build.warnings) if split_build else ())
    written = RegistryInputs(out_dir=out, inputs_dir=inputs_dir, window=build.window,
                             jurisdiction=jurisdiction.name, warnings=warnings)
    if parents is None:
        return written
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
    return dataclasses.replace(written, district_dir=district_dir,
                               mapping=tuple(int(i) for i in mapping))


def _jurisdiction_plan(inputs_dir: Path, plan: str | None) -> str:
    """``plan``, or the plan of the jurisdiction the inputs were built for."""
    import tomllib

    from renkou.app.plan_variant import plan_code_for
    from renkou.jurisdictions import get_jurisdiction

    if plan:
        return plan
    meta = tomllib.loads((inputs_dir / "projection.toml").read_text(encoding="utf-8"))
    key = str(meta.get("registry", {}).get("jurisdiction", ""))
    return plan_code_for(tuple(get_jurisdiction(key).plans), None)


def project_registry_inputs(written: RegistryInputs, *, variant: str = "medium",
                            trajectories: int | None = None, seed: int | None = None,
                            plan: str | None = None) -> RegistryProjection:
    """Project inputs written by :func:`write_registry_inputs` into their ``out_dir`` (reads
    no store: a server runs it in a child process it can stop)."""
    from renkou.projection.control import control_to_parents

    key = resolve_variant(variant)
    out = written.out_dir
    if key == PLAN_VARIANT:
        plan = _jurisdiction_plan(written.inputs_dir, plan)
    if written.district_dir is None:
        run = run_projection(written.inputs_dir, out, variant=key, trajectories=trajectories,
                             seed=seed, plan=plan)
        return RegistryProjection(run=run, inputs_dir=written.inputs_dir,
                                  window=written.window, jurisdiction=written.jurisdiction,
                                  warnings=written.warnings)
    mapping = np.asarray(written.mapping, dtype=np.int64)
    district_run = run_projection(written.district_dir, out / "districts", variant=key,
                                  trajectories=trajectories, seed=seed, plan=plan)
    run = run_projection(written.inputs_dir, out, variant=key, control=lambda r: (
        control_to_parents(r, district_run.result, mapping)), plan=plan)
    note = ("街镇预测已按比例调整到区级预测（districts/，各年、性别、年龄之和与区一致）"
            + ("；随机预测在区级进行（districts/quantiles.csv）" if trajectories else ""))
    return RegistryProjection(run=run, inputs_dir=written.inputs_dir, window=written.window,
                              jurisdiction=written.jurisdiction, warnings=written.warnings,
                              districts=district_run, notes=(note,))


def run_from_registry(db: Path, out_dir: Path, *, as_of: dt.date, caliber: str = "resident",
                      level: str = "district", end_year: int, variant: str = "medium",
                      trajectories: int | None = None, seed: int | None = None,
                      housing: Path | None = None, split: str | None = None,
                      settlement: Path | None = None, plan: str | None = None
                      ) -> RegistryProjection:
    """Build projection inputs from the registry in ``db`` (written to ``out_dir/inputs``,
    re-runnable with ``renkou project``) and project them into ``out_dir``.

    At ``level="street"`` the districts are projected too (``out_dir/districts``, with the
    stochastic trajectories) and the 街镇 results are fitted to them
    (:mod:`renkou.projection.control`), so that streets sum to their district exactly.
    ``housing`` (region, year, dwellings, persons_per_dwelling, age_profile) adds arrivals
    into new housing on top of the trend (at street level, to the district as well).
    ``split``/``settlement``: see :func:`write_registry_inputs`."""
    resolve_variant(variant)  # an unknown variant is refused before the store is read
    written = write_registry_inputs(db, out_dir, as_of=as_of, caliber=caliber, level=level,
                                    end_year=end_year, housing=housing, split=split,
                                    settlement=settlement)
    return project_registry_inputs(written, variant=variant, trajectories=trajectories,
                                   seed=seed, plan=plan)
