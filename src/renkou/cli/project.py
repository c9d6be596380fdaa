"""``renkou project``: cohort-component population projection (人口预测) from an input
directory, and ``renkou project-sample`` to write an example input directory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from renkou.cli._choices import VARIANTS
from renkou.errors import InputError

if TYPE_CHECKING:  # the projection (numpy, pandas) is imported when a command runs: start-up
    from renkou.app.projection import ProjectionRun


def project_command(
    input_dir: Path | None = typer.Argument(
        None, help="输入目录 / input directory (population.csv, asfr.csv, mortality.csv, "
        "srb.csv, projection.toml …)；与 --from-db 二选一"),
    out: Path = typer.Option(..., "--out", help="输出目录 / output directory"),
    variant: str = typer.Option("medium", "--variant",
                                help="方案 / variant: " + " | ".join((*VARIANTS, "plan"))
                                + "（plan：规划目标方案，见 --plan）"),
    plan: str | None = typer.Option(
        None, "--plan", help="规划代码（--variant plan 用其总和生育率、预期寿命、常住人口目标；"
        "--from-db 时默认为辖区的规划）"),
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
    from_db: Path | None = typer.Option(
        None, "--from-db", help="从人口基础信息库生成输入（写到 OUT/inputs/，可编辑后用 renkou "
        "project OUT/inputs 重跑）/ build the inputs from a registry store"),
    as_of: str | None = typer.Option(None, "--as-of", help="基期 YYYY-MM-DD（与 --from-db 一起）"),
    caliber: str = typer.Option("resident", "--caliber", help="resident|hukou（与 --from-db）"),
    level: str = typer.Option("district", "--level", help="district|street（与 --from-db）"),
    to: int | None = typer.Option(None, "--to", help="预测终年（与 --from-db）/ end year"),
    housing: Path | None = typer.Option(
        None, "--housing", help="住房交付计划（region, year, dwellings, persons_per_dwelling, "
        "age_profile），在趋势之上增加迁入（与 --from-db；输入目录中可放 housing.csv）"),
    split: str | None = typer.Option(
        None, "--split", help="hukou：常住人口分户籍、非户籍两个状态联动预测（含落户），"
        "population.csv 增加 hukou_status 列（与 --from-db）"),
    settlement: Path | None = typer.Option(
        None, "--settlement", help="落户人员表（year, region, sex, age, value，或积分落户模拟的 "
        "inflow 表），代替登记数据估计的落户率（与 --split hukou）"),
) -> None:
    """队列要素法人口预测：读取输入目录，写出分年龄人口、出生、死亡和汇总指标。

    情景路径（--tfr-path、--e0-path、--migration-path）在 --variant 之上替换所给年份的数值：
    两个给定年份之间线性插值，最后一个给定年份之后沿用其数值，第一个给定年份之前保持方案原值。

    Cohort-component projection; see docs/methods.md for the conventions. Scenario paths
    (--tfr-path, --e0-path, --migration-path) replace the given years on top of --variant:
    linear between given years, the last value held after them, the variant's values before
    the first.

    --from-db FILE --as-of DATE --to YEAR [--caliber resident|hukou] [--level district|street]:
    inputs from the registry (base population = registry stats at DATE; fertility, mortality
    and migration of the last three years, smoothed; see OUT/inputs/projection.toml)."""
    from renkou.app.projection import ScenarioPaths, run_from_registry, run_projection

    if from_db is not None:
        if input_dir is not None:
            raise InputError("输入目录与 --from-db 只能二选一")
        if as_of is None or to is None:
            raise InputError("--from-db 需要 --as-of 和 --to")
        if tfr_path or e0_path or migration_path:
            raise InputError("情景路径请在生成的输入目录上使用：renkou project OUT/inputs …")
        try:
            date = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InputError(f"日期格式应为 YYYY-MM-DD：{as_of}", column="--as-of") from None
        built = run_from_registry(from_db, out, as_of=date, caliber=caliber, level=level,
                                  end_year=to, variant=variant, trajectories=trajectories,
                                  seed=seed, housing=housing, split=split,
                                  settlement=settlement, plan=plan)
        for message in built.warnings:
            typer.echo(f"警告：{message}", err=True)
        window = f"{built.window[0]}–{built.window[-1]}"
        what = "常住" if caliber == "resident" else "户籍"
        typer.echo(f"输入来自 {from_db.name}（{built.jurisdiction}，{date} 的{what}人口，"
                   f"生育死亡迁移取 {window} 年）：已写入 {built.inputs_dir}")
        _report(built.run)
        for note in built.notes:
            typer.echo(note)
        return
    if input_dir is None:
        raise InputError("请给出输入目录，或用 --from-db 从数据库生成输入")
    if split is not None or settlement is not None:
        raise InputError("--split、--settlement 用于 --from-db；输入目录中的 hukou_population 表"
                         "即表示分户籍预测")
    if housing is not None:
        raise InputError("输入目录的住房交付计划请放在目录中（housing.csv）")
    run = run_projection(input_dir, out, variant=variant, trajectories=trajectories, seed=seed,
                         scenario=ScenarioPaths(tfr_path, e0_path, migration_path), plan=plan)
    _report(run)


def _report(run: ProjectionRun) -> None:
    for message in run.warnings:
        typer.echo(f"警告：{message}", err=True)
    if run.seed_drawn:
        typer.echo(f"随机数种子 seed = {run.seed}（用 --seed {run.seed} 可重现）", err=True)
    cfg = run.config
    typer.echo(f"预测完成：{run.variant_name}（{run.variant}），{cfg.base_year}–{cfg.end_year} 年，"
               f"{run.inputs.n_regions} 个地区，开放年龄组 {run.inputs.open_age}+")
    if run.applied:
        typer.echo("情景路径：" + "；".join(run.applied))
    if run.mortality_pattern is not None:
        typer.echo(f"随机预测的死亡率变化年龄模式：{run.mortality_pattern}")
        typer.echo("随机预测的波动幅度：" + ("；".join(run.calibration) if run.calibration
                                        else "默认（按中国 WPP 2024 区间校准）"))
    typer.echo(f"总人口：{cfg.base_year} 年 {run.total_start:,.0f} → {cfg.end_year} 年 "
               f"{run.total_end:,.0f}")
    if run.split is not None:
        h0, h1 = float(run.split.hukou[0].sum()), float(run.split.hukou[-1].sum())
        settled = float(run.split.settled.sum())
        typer.echo(f"其中户籍常住：{h0:,.0f} → {h1:,.0f}；非户籍常住："
                   f"{run.total_start - h0:,.0f} → {run.total_end - h1:,.0f}；"
                   f"预测期内落户 {settled:,.0f} 人"
                   "（population.csv 的 hukou_status 列）")
    for p in run.written:
        typer.echo(f"已写入 {p}")


def sample_command(
    out_dir: Path = typer.Argument(..., help="要创建的样例输入目录 / directory to create"),
    base_year: int = typer.Option(2020, "--base-year", help="基年 / base year"),
    end_year: int = typer.Option(2035, "--end-year", help="终年 / end year"),
) -> None:
    """写出一个可直接运行的预测输入样例（合成数据）。 Write a sample input directory."""
    from renkou.app.projection import write_sample

    d = write_sample(out_dir, base_year, end_year)
    typer.echo(f"已写入样例输入目录 {d}（合成数据，仅示范格式）")
    typer.echo(f"运行：renkou project {d} --out <输出目录>")


def register(app: typer.Typer) -> None:
    app.command("project")(project_command)
    app.command("project-sample")(sample_command)
