"""``renkou rules``: entitlement schemes as code — evaluate people, show parameters, run the
policy test cases, caseloads and budgets (政策规则计算)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from renkou.cli._choices import scheme_keys
from renkou.errors import InputError

# The rules and the application layer (pandas) are imported inside the commands: start-up time.

rules_app = typer.Typer(
    help="政策规则计算：居家养老护理补贴、助餐补贴、计划生育特别扶助的资格、金额、说明、"
    "测算与预算 / rules as code: entitlements, explanations, caseloads and budgets",
    no_args_is_help=True)

MAX_ERRORS_SHOWN = 20


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option} 应为 YYYY-MM-DD 日期：{text!r}") from None


def errors_path_for(out: Path) -> Path:
    """Companion file of row errors: ``OUT.csv`` → ``OUT.errors.csv``."""
    return out.with_name(f"{out.stem}.errors{out.suffix or '.csv'}")


@rules_app.command("evaluate")
def evaluate_cmd(
    scheme: str = typer.Option(..., "--scheme", help="项目 scheme: " + " | ".join(scheme_keys())),
    people: Path = typer.Option(..., "--people", help="人员表 CSV/XLSX/Parquet"),
    as_of: str = typer.Option(..., "--as-of", help="评估日期 YYYY-MM-DD"),
    out: Path = typer.Option(..., "--out", help="输出 CSV（每人一行）"),
    param: list[str] = typer.Option([], "--param", help="覆盖参数 name=value，可重复，"
                                    "例如 minimum_wage_monthly=2320"),
    errors: Path | None = typer.Option(None, "--errors", help="错误行文件（默认 OUT.errors.csv）"),
    explain: bool = typer.Option(True, "--explain/--no-explain", help="是否输出说明列"),
) -> None:
    """按项目规则逐人评估资格与金额，输出说明；有错误的行单独列出，不影响其他行。

    有错误的单元格逐一列在标准错误输出和 OUT.errors.csv（row, column, value, message；
    row 为表格行号，表头为第1行），这些行不进入 OUT；其余行照常评估，退出码0。
    各项目的输入列见 docs/methods.md “Rules as code”。"""
    from renkou.app.rules import evaluate_people
    from renkou.jurisdictions import get_jurisdiction
    from renkou.rules.inputs import errors_frame
    from renkou.rules.parameters import parse_overrides
    from renkou.settings import get_settings
    from renkou.tables import write_table

    when = _date(as_of, "--as-of")
    result = evaluate_people(scheme, people, when, parse_overrides(param), explain=explain,
                             jurisdiction=get_jurisdiction(get_settings().jurisdiction))
    write_table(result.output, out)
    err_path = errors or errors_path_for(out)
    if result.errors:
        write_table(errors_frame(result.errors), err_path)
        for e in result.errors[:MAX_ERRORS_SHOWN]:
            typer.echo(f"错误：文件 {people.name}，{e}", err=True)
        if len(result.errors) > MAX_ERRORS_SHOWN:
            typer.echo(f"……共 {len(result.errors)} 处错误，见 {err_path}", err=True)
    elif err_path.exists():
        err_path.unlink()  # a stale list from an earlier run would mislead
    bad_rows = len({e.row for e in result.errors})
    typer.echo(f"已评估 {len(result.output)} 人（输入 {result.n_input} 行，"
               f"{bad_rows} 行有错误未评估），结果写入 {out}"
               + (f"；错误明细见 {err_path}" if result.errors else ""))
    if result.n_input and not len(result.output):
        raise InputError("所有行均有错误，未评估任何人", file=people.name)


@rules_app.command("params")
def params_cmd(
    scheme: str = typer.Option(..., "--scheme", help="项目 scheme"),
    as_of: str = typer.Option(dt.date.today().isoformat(), "--as-of", help="日期 YYYY-MM-DD"),
    param: list[str] = typer.Option([], "--param", help="覆盖参数 name=value"),
) -> None:
    """列出某日有效的参数、取值、生效日期和政策依据。"""
    from renkou.rules.parameters import parse_overrides
    from renkou.rules.schemes import get_scheme

    when = _date(as_of, "--as-of")
    seen: set[str] = set()
    for ps in get_scheme(scheme).parameters(parse_overrides(param)):
        for row in ps.table(when):
            name = row["参数 parameter"]
            if name in seen:
                continue
            seen.add(name)
            typer.echo(f"{name} = {row['取值 value']} {row['单位 unit']}"
                       f"  （{row['说明 description']}；自 {row['生效日期 effective_from']}；"
                       f"依据：{row['依据 source']}）")


@rules_app.command("columns")
def columns_cmd(scheme: str = typer.Option(..., "--scheme", help="项目 scheme")) -> None:
    """列出某项目人员表的输入列、类型与说明。"""
    from renkou.rules.schemes import get_scheme

    s = get_scheme(scheme)
    typer.echo(f"{s.key}：{s.title}")
    for c in s.columns:
        need = "必填" if c.required else "可空"
        values = f"（{' / '.join(c.values)}）" if c.values else ""
        typer.echo(f"  {c.name}  [{c.kind}，{need}]  {c.description}{values}")


@rules_app.command("test")
def test_cmd(
    paths: list[Path] = typer.Argument(None, help="YAML 用例文件或目录（默认内置用例）"),
) -> None:
    """运行政策测试用例（YAML），报告通过与失败。"""
    from renkou.rules.cases import case_files, default_cases_dir, run_case_file
    from renkou.rules.points.cases import is_points_case_file, run_points_case_file

    files = case_files(paths or None)
    if not paths:  # the shipped points cases live beside the subsidy cases
        files += sorted(f for f in default_cases_dir().glob("points_*.y*ml"))
    failed = total = 0
    for f in files:
        run = run_points_case_file if is_points_case_file(f) else run_case_file
        for outcome in run(f):
            total += 1
            if not outcome.passed:
                failed += 1
                typer.echo(f"失败 {f.name} · {outcome.name}：{outcome.message}", err=True)
    typer.echo(f"{total} 个用例，{total - failed} 个通过，{failed} 个失败")
    if failed:
        raise typer.Exit(1)


@rules_app.command("caseload")
def caseload_cmd(
    scheme: str = typer.Option(..., "--scheme", help="项目 scheme"),
    db: Path = typer.Option(..., "--db", help="人口基础信息库 DuckDB 文件"),
    as_of: str = typer.Option(..., "--as-of", help="日期 YYYY-MM-DD"),
    out: Path = typer.Option(..., "--out", help="输出 CSV/XLSX：按区的人数与月度金额"),
    param: list[str] = typer.Option([], "--param", help="覆盖参数（含测算假设）name=value"),
    seed: int = typer.Option(2025, "--seed", help="推算未登记属性的随机种子"),
) -> None:
    """用登记库在某日的户籍人口，按区测算受益人数与经费（未登记属性按假设比例推算）。

    OUT 为按区、按经费项目的人数与年/月经费；同目录 OUT.groups.* 为按区、按类别的人数。"""
    from renkou.app.rules import caseload
    from renkou.rules.parameters import parse_overrides
    from renkou.tables import write_table

    when = _date(as_of, "--as-of")
    result = caseload(db, scheme, when, parse_overrides(param), seed=seed)
    write_table(result.costs, out)
    groups_out = out.with_name(f"{out.stem}.groups{out.suffix}")
    write_table(result.groups, groups_out)
    typer.echo(f"已按区测算 {scheme} 在 {when.isoformat()} 的受益人数与经费，写入 {out}；"
               f"分类人数写入 {groups_out}；合计 {result.total_caseload:,.0f} 人次，"
               f"年经费 {result.annual_cost / 1e4:,.1f} 万元")


@rules_app.command("budget")
def budget_cmd(
    scheme: str = typer.Option(..., "--scheme", help="项目 scheme"),
    db: Path = typer.Option(..., "--db", help="人口基础信息库 DuckDB 文件"),
    from_year: int = typer.Option(2025, "--from", help="起始年"),
    to_year: int = typer.Option(2035, "--to", help="终止年"),
    out: Path = typer.Option(..., "--out", help="输出 XLSX（按年、区、付款方）"),
    param: list[str] = typer.Option([], "--param", help="覆盖参数（含测算假设）name=value"),
    seed: int = typer.Option(2025, "--seed", help="推算未登记属性的随机种子"),
    base_date: str = typer.Option("", "--base-date", help="基准日 YYYY-MM-DD（默认起始年前一年"
                                  "12月31日）"),
    compare: bool = typer.Option(False, "--compare", help="同时按未覆盖的参数测算基准，"
                                 "输出“与基准比较”表（方案调整的影响）"),
) -> None:
    """按基准人口逐年增龄与存活概率测算各年各区受益人数与年度经费（市、区分担），写出 XLSX。"""
    from renkou.app.rules import budget
    from renkou.rules.budget import budget_workbook
    from renkou.rules.parameters import parse_overrides

    if to_year < from_year:
        raise InputError("--to 不能早于 --from")
    if out.suffix.lower() != ".xlsx":
        raise InputError("预算输出应为 .xlsx 文件", file=str(out))
    base = _date(base_date, "--base-date") if base_date else None
    result = budget(db, scheme, from_year, to_year, parse_overrides(param), seed=seed,
                    base_date=base, compare=compare)
    budget_workbook(result, out)
    total = result.by_year["annual_cost_total"]
    typer.echo(f"已测算 {scheme} {from_year}—{to_year} 年预算，写入 {out}；"
               f"{from_year} 年合计 {total.iloc[0] / 1e4:,.1f} 万元，"
               f"{to_year} 年合计 {total.iloc[-1] / 1e4:,.1f} 万元")
    if result.comparison is not None:
        diff = result.comparison.groupby("year")["annual_cost_total_change"].sum()
        typer.echo(f"与基准相比：{from_year} 年 {diff.iloc[0] / 1e4:+,.1f} 万元，"
                   f"{to_year} 年 {diff.iloc[-1] / 1e4:+,.1f} 万元")


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
