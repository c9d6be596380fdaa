"""``renkou project``: cohort-component population projection (人口预测) from an input
directory, and ``renkou project-sample`` to write an example input directory."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import typer

from renkou import projection_paths as paths
from renkou.demography.projection import ProjectionInputs, project
from renkou.demography.variants import VARIANT_ZH, VARIANTS, apply_variant
from renkou.errors import InputError, RenkouError
from renkou.projection_io import load_projection
from renkou.projection_output import write_outputs
from renkou.projection_sample import write_sample_inputs
from renkou.types import FloatArray


def _stochastic(inputs: ProjectionInputs, trajectories: int,
                seed: int) -> dict[str, FloatArray]:
    """Summary indicators (N, Y+1, R) of N stochastic trajectories (demography-2's module),
    projected in chunks so that memory stays bounded."""
    try:
        module = importlib.import_module("renkou.demography.stochastic")
    except ImportError:
        raise RenkouError("随机预测模块（renkou.demography.stochastic）尚未提供，"
                          "暂不能使用 --trajectories") from None
    try:
        # Two worker threads: NumPy releases the GIL, so both cores of the server are used.
        result: dict[str, FloatArray] = module.simulate_indicators(inputs, trajectories, seed,
                                                                  workers=2)
    except ValueError as exc:
        raise InputError(f"随机预测失败：{exc}") from None
    return result


def _apply_paths(inputs: ProjectionInputs, tfr: Path | None, e0: Path | None,
                 migration: Path | None) -> tuple[ProjectionInputs, list[str]]:
    """Apply the user's scenario path files in the order TFR, e0, migration."""
    applied: list[str] = []
    steps = (("总和生育率", tfr, paths.read_tfr_path, paths.apply_tfr_path),
             ("预期寿命", e0, paths.read_e0_path, paths.apply_e0_path),
             ("净迁移", migration, paths.read_migration_path, paths.apply_migration_path))
    for name, file, read, apply in steps:
        if file is None:
            continue
        path = read(file, inputs)  # type: ignore[operator]
        for message in path.warnings:
            typer.echo(f"警告：{message}", err=True)
        try:
            inputs = apply(inputs, path)  # type: ignore[operator]
        except ValueError as exc:
            raise InputError(f"{name}路径不能用于预测：{exc}", file=str(file)) from None
        applied.append(f"{name} {file.name}")
    return inputs, applied


def project_command(
    input_dir: Path = typer.Argument(..., help="输入目录 / input directory (population.csv, "
                                     "asfr.csv, mortality.csv, srb.csv, projection.toml …)"),
    out: Path = typer.Option(..., "--out", help="输出目录 / output directory"),
    variant: str = typer.Option("medium", "--variant",
                                help="方案 / variant: " + " | ".join(VARIANTS)),
    trajectories: int | None = typer.Option(None, "--trajectories", min=1,
                                            help="随机预测的轨迹数 / stochastic trajectories"),
    seed: int | None = typer.Option(None, "--seed", help="随机数种子 / random seed"),
    tfr_path: Path | None = typer.Option(
        None, "--tfr-path", help="总和生育率路径文件（year,region,value；region 可为 * 表示全部"
        "地区），在所选方案之上替换这些年份的 TFR / TFR path file (year,region,value; region "
        "may be * for all), replacing TFR on top of the chosen variant"),
    e0_path: Path | None = typer.Option(
        None, "--e0-path", help="预期寿命路径文件（year,region,sex,value），按 Brass 模型调整死亡率"
        " / e0 path file (year,region,sex,value); mx moved by the Brass logit model"),
    migration_path: Path | None = typer.Option(
        None, "--migration-path", help="净迁移总量路径文件（year,region,value），按输入的年龄性别"
        "结构分配，无结构时用 Rogers–Castro 模式 / net-migration totals path file "
        "(year,region,value), split by the input's age–sex pattern or a Rogers–Castro profile"),
) -> None:
    """队列要素法人口预测：读取输入目录，写出分年龄人口、出生、死亡和汇总指标。

    情景路径（--tfr-path、--e0-path、--migration-path）在 --variant 之上替换所给年份的数值：
    两个给定年份之间线性插值，最后一个给定年份之后沿用其数值，第一个给定年份之前保持方案原值。

    Cohort-component projection; see docs/methods.md for the conventions. Scenario paths
    (--tfr-path, --e0-path, --migration-path) replace the given years on top of --variant:
    linear between given years, the last value held after them, the variant's values before
    the first."""
    variant = {zh: en for en, zh in VARIANT_ZH.items()}.get(variant.strip(), variant.strip())
    if variant not in VARIANTS:
        raise InputError(f"未知的方案 {variant!r}，可选：{', '.join(VARIANTS)}")
    if out.resolve() == input_dir.resolve():
        raise InputError("输出目录不能与输入目录相同（会覆盖输入的 population.csv）",
                         file=str(out))
    if seed is not None and trajectories is None:
        raise InputError("--seed 只能与 --trajectories 一起使用")
    loaded = load_projection(input_dir)
    for message in loaded.warnings:
        typer.echo(f"警告：{message}", err=True)
    try:
        inputs = apply_variant(loaded.inputs, variant)
    except ValueError as exc:
        raise InputError(f"输入数据不能用于预测：{exc}") from None
    inputs, applied = _apply_paths(inputs, tfr_path, e0_path, migration_path)
    try:
        result = project(inputs)
    except ValueError as exc:
        raise InputError(f"输入数据不能用于预测：{exc}") from None
    stochastic = None
    if trajectories is not None:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**31))  # type: ignore[operator]
            typer.echo(f"随机数种子 seed = {seed}（用 --seed {seed} 可重现）", err=True)
        stochastic = _stochastic(inputs, trajectories, seed)
    written = write_outputs(result, out, stochastic)
    cfg = loaded.config
    typer.echo(f"预测完成：{VARIANT_ZH[variant]}（{variant}），{cfg.base_year}–{cfg.end_year} 年，"
               f"{inputs.n_regions} 个地区，开放年龄组 {inputs.open_age}+")
    if applied:
        typer.echo("情景路径：" + "；".join(applied))
    total0 = float(result.population[0].sum())
    total1 = float(result.population[-1].sum())
    typer.echo(f"总人口：{cfg.base_year} 年 {total0:,.0f} → {cfg.end_year} 年 {total1:,.0f}")
    for p in written:
        typer.echo(f"已写入 {p}")


def sample_command(
    out_dir: Path = typer.Argument(..., help="要创建的样例输入目录 / directory to create"),
    base_year: int = typer.Option(2020, "--base-year", help="基年 / base year"),
    end_year: int = typer.Option(2035, "--end-year", help="终年 / end year"),
) -> None:
    """写出一个可直接运行的预测输入样例（合成数据）。 Write a sample input directory."""
    if end_year <= base_year:
        raise InputError("--end-year 必须晚于 --base-year")
    d = write_sample_inputs(out_dir, base_year, end_year)
    typer.echo(f"已写入样例输入目录 {d}（合成数据，仅示范格式）")
    typer.echo(f"运行：renkou project {d} --out <输出目录>")


def register(app: typer.Typer) -> None:
    app.command("project")(project_command)
    app.command("project-sample")(sample_command)
