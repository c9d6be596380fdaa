"""``renkou rules points``: points-based hukou settlement (积分落户) — score, rank, simulate a
change, generate a synthetic applicant pool. The applicant columns are documented in
:mod:`renkou.rules.points.columns`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from renkou.cli.rules import rules_app
from renkou.errors import InputError
from renkou.rules.points.scheme import SAMPLE_SCHEME

if TYPE_CHECKING:  # pandas, pyarrow and the application layer load when a command runs: start-up
    import pandas as pd

    from renkou.app.rules import Applicants, PointsSimulation
    from renkou.rules.points.columns import RowProblem

points_app = typer.Typer(
    help="积分落户：计分、排名、方案调整模拟、模拟申请人 / points-based hukou settlement",
    no_args_is_help=True)

MAX_SHOWN_PROBLEMS = 20

SchemeOpt = typer.Option(SAMPLE_SCHEME, "--scheme",
                         help="积分方案名称或YAML文件 / scheme name or YAML path")
ApplicantsOpt = typer.Option(..., "--applicants", exists=False,
                             help="申请人表（CSV/XLSX/Parquet）/ applicant table")


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} 应为 YYYY-MM-DD 日期：{text!r}") from None


def _report(problems: list[RowProblem], file: str) -> None:
    for p in problems[:MAX_SHOWN_PROBLEMS]:
        typer.echo(f"警告：文件 {file}，{p}", err=True)
    if len(problems) > MAX_SHOWN_PROBLEMS:
        typer.echo(f"警告：另有 {len(problems) - MAX_SHOWN_PROBLEMS} 处错误未显示", err=True)


def _load(path: Path, scheme_name: str) -> Applicants:
    from renkou.app.rules import load_applicants

    applicants = load_applicants(path, scheme_name)
    _report(list(applicants.problems), str(path))
    if applicants.skipped_rows:
        typer.echo(f"已跳过 {applicants.skipped_rows} 行无效记录，其余 {len(applicants.table)} "
                   "行继续计算", err=True)
    if applicants.scheme.sample:
        typer.echo(f"注意：{applicants.scheme.notice}", err=True)
    return applicants


def _write(columns: dict[str, Any], out: Path) -> None:
    """CSV through Arrow (a million rows with explanations in seconds, where pandas takes half
    a minute); other formats through ``renkou.tables.write_table``."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from renkou.tables import safe_column, write_table

    if out.suffix.lower() != ".csv":
        write_table(pd.DataFrame(columns), out)
        return

    table = pa.table({k: pa.array(safe_column(v).tolist() if v.dtype == object else v)
                      for k, v in columns.items()})
    out.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, out, pacsv.WriteOptions(quoting_style="needed"))


@points_app.command("score")
def score_cmd(
    applicants: Path = ApplicantsOpt,
    as_of: str = typer.Option(..., "--as-of", help="计分日期 YYYY-MM-DD"),
    out: Path = typer.Option(..., "--out", help="输出CSV / output CSV"),
    scheme_name: str = SchemeOpt,
    no_explain: bool = typer.Option(False, "--no-explain", help="不生成逐人说明（更快）"),
) -> None:
    """按计分日期有效的方案为每位申请人计分，并给出逐项说明。"""
    from renkou.app.rules import points_score

    when = _date(as_of, "--as-of")
    pool = _load(applicants, scheme_name)
    result = points_score(pool, when, explain=not no_explain)
    _write(result.columns(), out)
    typer.echo(f"已计分 {len(pool.table)} 人（符合准入条件 {int(result.eligible.sum())} 人），"
               f"平均 {float(result.total.mean()):.1f} 分 → {out}")


@points_app.command("rank")
def rank_cmd(
    applicants: Path = ApplicantsOpt,
    as_of: str = typer.Option(..., "--as-of", help="排名日期 YYYY-MM-DD"),
    out: Path = typer.Option(..., "--out", help="输出CSV / output CSV"),
    quota: int | None = typer.Option(None, "--quota", help="年度落户名额（默认取方案）"),
    threshold: float | None = typer.Option(None, "--threshold", help="最低分值线（可选）"),
    scheme_name: str = SchemeOpt,
) -> None:
    """按积分排名并按名额确定获准落户人员（同分依次比较：积分 → 社保缴纳年限 → 申请日期 →
    匿名编号）。"""
    from renkou.app.rules import points_rank
    from renkou.settings import get_settings

    when = _date(as_of, "--as-of")
    ranked = points_rank(_load(applicants, scheme_name), when, quota=quota,
                         threshold=threshold,
                         pseudonym_key=get_settings().pseudonym_key_bytes())
    _write(ranked.columns(), out)
    typer.echo(f"候选 {ranked.order.shape[0]} 人，名额 {ranked.quota or '不限'}，"
               f"获准 {ranked.n_admitted} 人，最低获准积分 {ranked.cutoff_points}，"
               f"末位区分依据：{ranked.decided_by} → {out}")


@points_app.command("simulate")
def simulate_cmd(
    applicants: Path = ApplicantsOpt,
    out: Path = typer.Option(..., "--out", help="输出XLSX / output workbook"),
    quota: int | None = typer.Option(None, "--quota", help="年度落户名额（调整前后相同，"
                                     "除非调整项另设 quota）"),
    change: list[str] = typer.Option(
        [], "--change", help="调整项 KEY=VALUE，可重复，如 education.points.associate=45、"
        "social_insurance.cap=60、district_bonus.weight=2、quota=20000、threshold=100"),
    change_file: Path | None = typer.Option(None, "--change-file", help="调整项YAML文件"),
    as_of: str | None = typer.Option(None, "--as-of", help="调整生效与计分日期（默认取申请表中"
                                     "最晚的申请日期）"),
    settle_from: int | None = typer.Option(None, "--settle-from",
                                           help="落户起始年（默认取户籍目标的起始年）"),
    settle_to: int | None = typer.Option(None, "--settle-to",
                                         help="落户终止年（默认为终止年前一年）"),
    base_year: int = typer.Option(2020, "--base-year", help="落户迁入数组的基年"),
    end_year: int = typer.Option(2035, "--end-year", help="落户迁入数组的终止年"),
    projection: Path | None = typer.Option(
        None, "--projection", help="户籍人口预测输入目录（renkou project 格式）：给出时计算落户"
        "迁入对预测户籍人口的影响；基年与终年取自该目录"),
    scheme_name: str = SchemeOpt,
) -> None:
    """模拟方案调整（权重、上限、名额）：新增获准与被挤出人员及其构成，落户迁入与户籍目标对照。"""
    from renkou.app.rules import points_simulate
    from renkou.rules.points.loader import load_changes, parse_change_args
    from renkou.settings import get_settings
    from renkou.tables import write_workbook

    changes: dict[str, str | float | int | None] = {}
    source = ""
    if change_file is not None:
        changes, source = load_changes(change_file)
    changes.update(parse_change_args(change))
    if out.suffix.lower() != ".xlsx":
        raise InputError("输出文件应为 .xlsx", file=str(out))
    run = points_simulate(
        _load(applicants, scheme_name), changes, source=source,
        as_of=_date(as_of, "--as-of") if as_of else None, quota=quota,
        settle_from=settle_from, settle_to=settle_to, base_year=base_year, end_year=end_year,
        projection_dir=projection, pseudonym_key=get_settings().pseudonym_key_bytes())
    for message in run.projection_warnings:
        typer.echo(f"警告：{message}", err=True)
    sim = run.simulation
    sheets = {
        "summary": sim.summary(),
        "admitted-instead": sim.people("admitted_instead"),
        "displaced": sim.people("displaced"),
        "composition": sim.composition(),
        "inflow": _inflow_sheet(sim.baseline_inflow.frame(), sim.changed_inflow.frame()),
    }
    if run.projection is not None:
        sheets["projection"] = _projection_sheet(run)
    write_workbook(sheets, out)
    typer.echo(f"调整后新增获准 {sim.admitted_instead.shape[0]} 人，被挤出 "
               f"{sim.displaced.shape[0]} 人 → {out}")
    for t in sim.targets:
        typer.echo(f"{t.target.from_year}–{t.target.to_year} 累计积分落户：调整前 "
                   f"{t.baseline:,.0f} 人（占“{t.target.label}{t.target.value / 1e4:g}万人”"
                   f"{t.baseline_share:.1%}），调整后 {t.changed:,.0f} 人"
                   f"（{t.changed_share:.1%}）")


def _projection_sheet(run: PointsSimulation) -> pd.DataFrame:
    """Projected hukou population without points settlement and with the baseline and
    the changed settled inflow (districts outside the projection are left out and said so)."""
    import pandas as pd

    assert run.projection is not None
    base, changed = run.projection
    sim = run.simulation
    if base.left_out or changed.left_out:
        typer.echo(f"注意：预测只覆盖 {', '.join(run.projection_regions)}，其他区的落户人员"
                   f"（调整前 {base.left_out:,.0f} 人，调整后 {changed.left_out:,.0f} 人）"
                   "未计入预测", err=True)
    frame = pd.DataFrame({
        "year": base.years,
        "户籍人口（不含积分落户）without": base.without,
        "含调整前积分落户 with_baseline": base.with_inflow,
        "含调整后积分落户 with_changed": changed.with_inflow,
        "调整前落户增加 baseline_effect": base.difference,
        "调整后落户增加 changed_effect": changed.difference,
    })
    for t in sim.targets:
        year = t.target.to_year + 1  # the step labelled to_year ends at the next reference date
        if year in set(base.years.tolist()):
            i = base.years.tolist().index(year)
            typer.echo(f"预测：{t.target.from_year}–{t.target.to_year}年积分落户使预测年份 "
                       f"{year} 的户籍人口增加 {base.difference[i]:,.0f} 人（调整前）/ "
                       f"{changed.difference[i]:,.0f} 人（调整后），含其间出生与死亡")
    return frame


def _inflow_sheet(baseline: pd.DataFrame, changed: pd.DataFrame) -> pd.DataFrame:
    keys = ["year", "district_code", "district", "sex", "age"]
    merged = baseline.rename(columns={"settled": "settled_baseline"}).merge(
        changed.rename(columns={"settled": "settled_changed"}), on=keys, how="outer")
    return merged.fillna({"settled_baseline": 0.0, "settled_changed": 0.0}).sort_values(keys)


@points_app.command("generate")
def generate_cmd(
    n: int = typer.Option(..., "--n", help="申请人数 / number of applicants"),
    seed: int = typer.Option(2021, "--seed", help="随机种子 / random seed"),
    out: Path = typer.Option(..., "--out", help="输出文件（CSV/XLSX/Parquet）"),
    as_of: str = typer.Option("2021-12-31", "--as-of", help="申请截止日期（年龄按此计算）"),
    scheme_name: str = SchemeOpt,
) -> None:
    """按积分方案所属辖区及其模拟申请人假设（applicant_pool），生成模拟积分落户申请人表
    （有种子，可复现）。"""
    from renkou.app.rules import sample_applicants
    from renkou.tables import write_table

    df = sample_applicants(n, seed, _date(as_of, "--as-of"), scheme_name)
    write_table(df, out)
    typer.echo(f"已生成 {n} 名模拟申请人（种子 {seed}）→ {out}")


def register(app: typer.Typer) -> None:
    rules_app.add_typer(points_app, name="points")
