"""``renkou impact``: population impact assessment of a major decision (重大决策人口影响评估)
against the store's baseline projection."""

from __future__ import annotations

from pathlib import Path

import typer

# The application layer is imported inside the commands: start-up time of every command.
app = typer.Typer(help="重大决策人口影响评估 / population impact assessment of decisions",
                  no_args_is_help=True)


@app.command("assess")
def assess_command(
    decision: Path = typer.Argument(..., help="决策文件 DECISION.yaml"),
    out: Path = typer.Option(..., "--out", help="评估报告 REPORT.docx"),
    db: Path | None = typer.Option(None, "--db", help="数据库文件 / store"),
    table: Path | None = typer.Option(None, "--table", help="指标对比表 D.csv"),
    subsidies: bool = typer.Option(True, "--subsidies/--no-subsidies",
                                   help="是否估算补贴受益人数与资金"),
) -> None:
    """按决策文件对基线预测施加冲击，输出指标对比、风险等级和 Word 评估报告。

    D.csv 列：year, region, indicator, baseline, scenario, difference。"""
    from renkou.app import impact as app_impact
    from renkou.cli.services import _store

    result = app_impact.assess_decision(_store(db), decision, subsidies=subsidies)
    for w in result.warnings:
        typer.echo(f"警告：{w}", err=True)
    if table is not None:
        app_impact.write_table(result, table)
        typer.echo(f"已写入 {table}")
    app_impact.write_report(result, out)
    whole = result.jurisdiction.code
    h = result.decision.horizon
    diff = result.value(h, whole, "population")
    high = result.risks[result.risks["grade"] >= 3]
    typer.echo(f"{result.decision.name}：{h} 年{result.jurisdiction.name}常住人口较基线"
               f"{diff:+,.0f} 人；较高及以上风险 {len(high)} 项；已写入 {out}")


@app.command("examples")
def examples_command(
    out: Path | None = typer.Option(None, "--out", help="把示例决策文件写到此目录"),
) -> None:
    """列出（或写出）随软件提供的示例决策文件。"""
    from renkou.app import impact as app_impact

    for name in app_impact.example_names():
        d = app_impact.example_decision(name)
        typer.echo(f"{name}\t{d.jurisdiction or ''}\t{d.name}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name}.yaml").write_text(app_impact.example_text(name), encoding="utf-8")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="impact")
