"""``renkou demography``: the demographer's toolbox (人口学工具) — rates by area from the
registry, life tables, age-data quality and Lee–Carter fits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from renkou.errors import InputError

demography_app = typer.Typer(help="人口学工具：分地区生育死亡率、生命表、年龄数据质量、Lee–Carter "
                                  "/ demographer's toolbox", no_args_is_help=True)

DB_OPTION = typer.Option(..., "--db", help="数据库文件 / DuckDB file")
LEVEL_OPTION = typer.Option("district", "--level", help="city|district|street")
CALIBER_OPTION = typer.Option("resident", "--caliber", help="resident|hukou（常住或户籍）")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"日期格式应为 YYYY-MM-DD：{text}", column="--as-of") from None


@demography_app.command("rates")
def rates_command(
    db: Path = DB_OPTION,
    year: int = typer.Option(..., "--year", help="日历年 / calendar year"),
    level: str = LEVEL_OPTION,
    caliber: str = CALIBER_OPTION,
    out: Path = typer.Option(..., "--out", help="输出 CSV / output CSV"),
) -> None:
    """一年的分地区指标：分年龄生育率、总和生育率、分年龄死亡率、婴儿死亡率、出生性别比、
    出生率、死亡率、自然增长率。写出 region, indicator, sex, age, value。

    Rates of a calendar year by area: asfr, tfr, mx, imr, srb, cbr, cdr,
    natural_growth_rate (exposure: mean of the populations at the two year ends)."""
    from renkou.app.demography import registry_rates
    from renkou.app.stores import registry_at
    from renkou.tables import write_table

    with registry_at(db) as reg:
        df = registry_rates(reg, year, level, caliber)
    write_table(df, out)
    tfr = df[df["indicator"] == "tfr"]
    typer.echo(f"已写出 {out}：{df['region'].nunique()} 个地区，{len(df)} 行")
    for row in tfr.itertuples():
        typer.echo(f"  {row.region}  总和生育率 {row.value:.2f}")


@demography_app.command("lifetable")
def lifetable_command(
    mortality: Path = typer.Option(..., "--mortality", help="死亡率文件（sex, age, mx；age 为"
                                   "区间起点）/ death rates (sex, age, mx)"),
    out: Path = typer.Option(..., "--out", help="输出 CSV / output CSV"),
    a0_rule: str = typer.Option("andreev-kingkade", "--a0-rule",
                                help="andreev-kingkade | coale-demeny"),
) -> None:
    """生命表：单岁年龄（0、1、2 …）为完全生命表，0、1、5、10 … 为简略生命表，最后一个年龄
    为开口组。写出 sex, age, mx, qx, ax, lx, dx, Lx, Tx, ex（lx 基数 100000）。其他列（如
    region、year）区分不同的表并写在前面。

    Life tables (Preston–Heuveline–Guillot / HMD conventions: a0 by the chosen rule, 4a1
    Coale–Demeny in abridged tables, open interval L = l/m)."""
    from renkou.app.demography import life_tables
    from renkou.tables import read_table, write_table

    df = life_tables(read_table(mortality), mortality.name, a0_rule)
    write_table(df, out)
    typer.echo(f"已写出 {out}：{len(df)} 行")
    for row in df[df["age"] == 0].itertuples():
        typer.echo(f"  {row.sex}  e0 = {row.ex:.2f}")


@demography_app.command("quality")
def quality_command(
    db: Path = DB_OPTION,
    as_of: str = typer.Option(..., "--as-of", help="标准时点 YYYY-MM-DD / reference date"),
    level: str = LEVEL_OPTION,
    caliber: str = CALIBER_OPTION,
    out: Path | None = typer.Option(None, "--out", help="另写出全部指标的 CSV / also write "
                                    "all measures as CSV"),
) -> None:
    """年龄数据质量：惠普尔指数、迈尔斯指数、年龄比、分年龄性别比和联合国年龄性别准确度指数，
    全辖区及各地区。

    Age-data quality: Whipple, Myers, age ratios, sex ratios by age, UN joint score."""
    from renkou.app.demography import age_quality, whipple_rating
    from renkou.app.stores import registry_at
    from renkou.tables import write_table

    with registry_at(db) as reg:
        df = age_quality(reg, _date(as_of), caliber, level)
    if out is not None:
        write_table(df, out)
        typer.echo(f"已写出 {out}：{len(df)} 行")
    flat = df[(df["sex"] == "") & (df["age"] == "")]
    wide = flat.pivot_table(index="region", columns="measure", values="value",
                            aggfunc="first", sort=False)
    typer.echo("地区        惠普尔  评价      迈尔斯  性别比分  联合国联合分")
    for region, row in wide.iterrows():
        w = row.get("whipple", float("nan"))
        rating = whipple_rating(w) if w == w else "—"
        typer.echo(f"{region:<10}  {w:6.1f}  {rating:<8}  {row.get('myers', float('nan')):6.1f}  "
                   f"{row.get('sex_ratio_score', float('nan')):8.1f}  "
                   f"{row.get('un_joint_score', float('nan')):10.1f}")


@demography_app.command("leecarter")
def leecarter_command(
    mortality: Path = typer.Option(..., "--mortality", help="死亡率文件（year, sex, age, mx）"
                                   " / death rates by year"),
    out: Path = typer.Option(..., "--out", help="输出目录 / output directory"),
    horizon: int = typer.Option(30, "--horizon", help="预测年数 / years to forecast"),
    level: float = typer.Option(0.95, "--level", help="预测区间 / interval level"),
    refit: str = typer.Option("none", "--refit", help="none | e0（按观测 e0 重估 k）"),
) -> None:
    """Lee–Carter 模型：分性别拟合 a(x)、b(x)、k(t)，按带漂移的随机游走预测 k、死亡率和 e0。
    写出 parameters.csv、kt.csv、forecast_kt.csv、forecast_mx.csv、forecast_e0.csv、fit.csv。

    Lee–Carter fit by sex (SVD, Σb = 1, Σk = 0) and forecast (random walk with drift)."""
    from renkou.app.demography import lee_carter
    from renkou.tables import read_table, write_table

    tables = lee_carter(read_table(mortality), mortality.name, horizon, level, refit)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        write_table(df, out / f"{name}.csv")
    for row in tables["fit"].itertuples():
        typer.echo(f"  {row.sex}：{row.first_year}–{row.last_year}，第一主成分解释 "
                   f"{row.explained:.1%}，k 年漂移 {row.drift:.3f}，σ {row.sigma:.3f}")
    typer.echo(f"已写出 {out}：{'、'.join(f'{n}.csv' for n in tables)}")


def register(app: typer.Typer) -> None:
    app.add_typer(demography_app, name="demography")
