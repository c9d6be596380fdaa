"""``renkou services``: public services sized to the population served — the facility
inventory (template, import, synthetic demo), gaps by area and the allocation of new sites."""

from __future__ import annotations

from pathlib import Path

import typer

from renkou.cli._dates import option_date

# The application layer (pandas, scipy) is imported inside the commands: start-up time.
app = typer.Typer(help="公共服务资源配置：设施清单、供需缺口、新增设施选址 / public services",
                  no_args_is_help=True)
facilities_app = typer.Typer(help="设施清单 / facility inventory", no_args_is_help=True)
app.add_typer(facilities_app, name="facilities")


def _store(db: Path | None) -> Path:
    from renkou.app.demo import default_store
    from renkou.settings import get_settings

    if db is not None:
        return db
    return default_store(get_settings(), progress=lambda line: typer.echo(line, err=True))


@facilities_app.command("template")
def template_command(
    out: Path = typer.Option(..., "--out", help="输出 .xlsx / output workbook"),
    jurisdiction: str | None = typer.Option(None, "--jurisdiction",
                                            help="辖区（默认取配置） / jurisdiction key"),
) -> None:
    """写出设施清单填报模板。 Write the facility inventory template."""
    from renkou.app import services as svc
    from renkou.settings import get_settings

    key = jurisdiction or get_settings().jurisdiction
    path = svc.facilities_template(out, key)
    typer.echo(f"已写入 {path}")


@facilities_app.command("import")
def import_command(
    workbook: Path = typer.Argument(..., help="已填写的设施清单 / filled inventory"),
    db: Path | None = typer.Option(None, "--db", help="数据库文件 / store"),
) -> None:
    """导入设施清单：逐行校验，合格行入库，不合格行隔离并说明原因。"""
    from renkou.app import services as svc

    result = svc.import_facilities(_store(db), workbook)
    typer.echo(f"{result.file}：入库 {result.accepted} 行，隔离 {len(result.rejected)} 行")
    for r in result.rejected:
        typer.echo(f"  隔离：{r}", err=True)


@facilities_app.command("synth")
def synth_command(
    db: Path | None = typer.Option(None, "--db", help="数据库文件 / store"),
    seed: int = typer.Option(1, "--seed", help="随机数种子 / seed"),
    as_of: str | None = typer.Option(None, "--as-of", help="按此日期的人口生成（yyyy-mm-dd）"),
) -> None:
    """为示范数据库生成合成设施清单（按本辖区各街镇人口与标准）。"""
    from renkou.app import services as svc

    n = svc.synth_facilities(_store(db), seed, option_date(as_of))
    typer.echo(f"已写入合成设施 {n} 处（示范数据）")


@app.command("gaps")
def gaps_command(
    out: Path = typer.Option(..., "--out", help="输出 CSV / output"),
    db: Path | None = typer.Option(None, "--db", help="数据库文件 / store"),
    as_of: str | None = typer.Option(None, "--as-of", help="基准日期 yyyy-mm-dd（默认数据截止日）"),
    year: int | None = typer.Option(None, "--year", help="预测年份（用基线预测人口）"),
    level: str = typer.Option("street", "--level", help="district | street"),
    caliber: str = typer.Option("resident", "--caliber", help="resident 常住 | hukou 户籍"),
) -> None:
    """按标准计算各地区各项服务的需求、供给与缺口。

    列：region, service, population, norm, demand, supply, gap, coverage。"""
    from renkou.app import services as svc
    from renkou.tables import write_table

    result = svc.gaps(_store(db), option_date(as_of), level, caliber, year)
    write_table(result.table, out)
    short = result.table[result.table["gap"] > 0]
    when = f"{result.year}年末（基线预测）" if result.year else f"{result.as_of}"
    typer.echo(f"{result.jurisdiction.name} {when}，{len(result.table)} 行，"
               f"{short['region'].nunique()} 个地区存在缺口；已写入 {out}")


@app.command("allocate")
def allocate_command(
    gaps: Path = typer.Option(..., "--gaps", help="services gaps 输出的 CSV"),
    service: str = typer.Option(..., "--service", help="服务代码，如 childcare"),
    budget: float = typer.Option(..., "--budget", help="新增处数，或给出成本文件时的金额"),
    site_size: float = typer.Option(..., "--site-size", help="每处设施的容量"),
    out: Path = typer.Option(..., "--out", help="输出 CSV / output"),
    cost_file: Path | None = typer.Option(None, "--cost-file", help="region, cost_per_site"),
) -> None:
    """在预算内选址新增整处设施，使未满足需求总量最小（混合整数规划，精确求解）。"""
    from renkou.app import services as svc
    from renkou.tables import write_table

    result = svc.allocate(gaps, service, budget, site_size, cost_file)
    for w in result.warnings:
        typer.echo(f"警告：{w}", err=True)
    write_table(result.plan, out)
    typer.echo(f"{service}：未满足需求 {result.unmet_before:,.1f} → {result.objective:,.1f}"
               f"（目标值 objective = {result.objective:.4f}），使用预算 {result.spent:g}/"
               f"{result.budget:g}；已写入 {out}")


@app.command("cover")
def cover_command(
    points: Path = typer.Option(..., "--points",
                                help="需求点 CSV：id, longitude, latitude, demand"),
    candidates: Path = typer.Option(..., "--candidates",
                                    help="候选点 CSV：id, longitude, latitude[, cost]"),
    radius: float = typer.Option(1000.0, "--radius", help="服务半径（米），15分钟步行约1000米"),
    budget: float = typer.Option(..., "--budget", help="新增处数，或候选点有 cost 列时的金额"),
    out: Path = typer.Option(..., "--out", help="输出 CSV：候选点是否选中"),
    db: Path | None = typer.Option(None, "--db",
                                   help="数据库（其设施清单中有坐标的设施视为已覆盖）"),
    facility: str = typer.Option("elderly_day_care", "--facility", help="已有设施的类型"),
) -> None:
    """覆盖选址模型：在预算内选择候选点，使服务半径内覆盖的需求最大（精确求解）。"""
    from renkou.app import services as svc
    from renkou.tables import write_table

    plan = svc.cover(points, candidates, radius, budget, db=db, facility=facility)
    write_table(plan.sites, out)
    typer.echo(f"覆盖需求 {plan.covered_before:,.0f} → {plan.covered_after:,.0f}（共 "
               f"{plan.total:,.0f}），选中 {int(plan.sites['chosen'].sum())} 处；已写入 {out}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="services")
