"""``renkou registry``: the population base registry (人口基础信息库) — ingest department
feeds, caliber statistics, 人户分离 and data quality."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from renkou.errors import InputError

registry_app = typer.Typer(help="人口基础信息库：数据入库、统计口径、人户分离、数据质量 / "
                                "population base registry", no_args_is_help=True)

DB_OPTION = typer.Option(..., "--db", help="数据库文件 / DuckDB file")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"日期格式应为 YYYY-MM-DD：{text}", column="--as-of") from None


@registry_app.command("ingest")
def ingest(
    directory: Path = typer.Argument(..., help="部门数据目录 / directory of feed files"),
    db: Path = DB_OPTION,
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="数据所属辖区（辖区配置的键）；默认取目录中 synthetic.json "
        "的辖区，否则 RENKOU_JURISDICTION / jurisdiction of the feeds"),
    quiet: bool = typer.Option(False, "--quiet", help="不显示进度 / no progress bar"),
) -> None:
    """导入目录中所有部门数据文件（一个批次，全部成功或全部不写入）。
    数据库记录首个批次的辖区；其他辖区的数据将被拒绝。"""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from renkou.registry.ingest import ingest_directory, report_text
    from renkou.registry.store import Store
    from renkou.settings import get_settings

    if not directory.is_dir():
        raise InputError("目录不存在", file=str(directory))
    settings = get_settings()
    settings.require_key_secrets(db)  # production without keys: refused before any file
    if _handed_over(db, directory, jurisdiction, quiet):
        return
    with Store(db, settings=settings) as store:
        if quiet:
            report = ingest_directory(store, directory, jurisdiction=jurisdiction)
        else:
            # Progress on stderr, so that stdout carries only the batch report.
            with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                          transient=True, console=Console(stderr=True)) as bar:
                task = bar.add_task("导入", total=1)

                def progress(msg: str, step: int, total: int) -> None:
                    bar.update(task, description=msg, completed=step, total=total)

                report = ingest_directory(store, directory, progress,
                                          jurisdiction=jurisdiction)
    typer.echo(report_text(report))
    if report.rows_read == 0 and all(not f.skipped for f in report.files):
        raise InputError("没有读到任何数据行", file=str(directory))


def _handed_over(db: Path, directory: Path, jurisdiction: str | None, quiet: bool) -> bool:
    """A running server holds the store: its job runner ingests the batch (see
    :mod:`renkou.app.handoff`) and this command follows the job."""
    from renkou.app.handoff import hand_over
    from renkou.app.uploads import report_text

    said = [""]

    def progress(fraction: float, message: str) -> None:
        if not quiet and message and message != said[0]:
            said[0] = message
            typer.echo(f"[{fraction:4.0%}] {message}", err=True)

    state = hand_over(db, directory, jurisdiction, progress)
    if state is None:
        return False
    typer.echo(f"数据库正由网页服务使用：批次已交给服务的后台任务 {state.get('job_id', '')} 导入",
               err=True)
    result = state.get("result") or {}
    if state["state"] != "done":
        problems = "\n".join(f"  {p['file']}：{p['problem']}" if p.get("file") else
                             f"  {p['problem']}" for p in result.get("problems", []))
        message = state.get("error") or "导入已取消"
        raise InputError(message + (f"\n{problems}" if problems else ""), file=str(directory))
    typer.echo(report_text(result))
    if result.get("rows_read") == 0 and all(not f["skipped"] for f in result["files"]):
        raise InputError("没有读到任何数据行", file=str(directory))
    return True


@registry_app.command("keygen")
def keygen(
    out: Path = typer.Option(..., "--out", help="密钥文件路径（放在数据目录之外）/ key file"),
) -> None:
    """生成随机密钥文件（权限 0600），供 RENKOU_KEY_FILE 使用；已存在的文件不会被覆盖。"""
    from renkou.settings import new_key_secrets, write_key_file

    write_key_file(out, new_key_secrets())
    typer.echo(f"已生成密钥文件 {out}（权限 0600）；设置 RENKOU_KEY_FILE={out} 后使用，"
               "并备份到安全位置")


ENGINE_OPTION = typer.Option("duckdb", "--engine", help="计算引擎：duckdb（数据库）或 spark"
                             "（导出的 Parquet）/ engine")
PARQUET_OPTION = typer.Option(None, "--parquet", help="Spark 引擎读取的导出目录（renkou registry "
                              "export 生成）/ Parquet export")
OPTIONAL_DB = typer.Option(None, "--db", help="数据库文件（duckdb 引擎）/ DuckDB file")
# The resources of the Spark session a command starts (defaults: local[2], 2g, 8).
SPARK_MASTER = typer.Option(None, "--spark-master", help="Spark 主节点 URL（默认 local[2]），"
                            "如 spark://主机:7077 或 yarn / master URL")
SPARK_MEMORY = typer.Option(None, "--spark-driver-memory", help="驱动进程内存（默认 2g）/ "
                            "driver memory")
SPARK_PARTITIONS = typer.Option(None, "--spark-partitions", help="shuffle 分区数（默认 8）/ "
                                "shuffle partitions")


@registry_app.command("stats")
def stats(
    db: Path | None = OPTIONAL_DB,
    as_of: str = typer.Option(..., "--as-of", help="标准时点 YYYY-MM-DD / reference date"),
    caliber: str = typer.Option(..., "--caliber", help="hukou|resident|employed|active"),
    by: str = typer.Option("region,sex,age", "--by",
                           help="分组：region,sex,age 的任意子集（另可加 hukou_kind、education）"),
    level: str = typer.Option("district", "--level", help="city|district|street"),
    out: Path = typer.Option(..., "--out", help="输出 CSV / output CSV"),
    engine: str = ENGINE_OPTION,
    parquet: Path | None = PARQUET_OPTION,
    spark_master: str | None = SPARK_MASTER,
    spark_driver_memory: str | None = SPARK_MEMORY,
    spark_partitions: int | None = SPARK_PARTITIONS,
) -> None:
    """按统计口径计算某一时点的人口数（数据库所属辖区的各区域），写出 region,sex,age,value。
    --engine spark 时由 Spark 在导出的 Parquet 上计算同一张表。"""
    from renkou.app.scale import caliber_table, spark_options
    from renkou.tables import write_table

    cols = tuple(c.strip() for c in by.split(",") if c.strip())
    spark = spark_options(spark_master, spark_driver_memory, spark_partitions)
    df = caliber_table(engine, _date(as_of), caliber, level, cols, db=db, parquet=parquet,
                       spark=spark)
    write_table(df, out)
    typer.echo(f"已写出 {out}：{len(df)} 行，合计 {int(df['value'].sum()) if len(df) else 0} 人")


@registry_app.command("separation")
def separation(
    db: Path | None = OPTIONAL_DB,
    as_of: str = typer.Option(..., "--as-of", help="标准时点 YYYY-MM-DD"),
    level: str = typer.Option("district", "--level", help="city|district|street"),
    out: Path = typer.Option(..., "--out", help="输出 CSV"),
    engine: str = ENGINE_OPTION,
    parquet: Path | None = PARQUET_OPTION,
    spark_master: str | None = SPARK_MASTER,
    spark_driver_memory: str | None = SPARK_MEMORY,
    spark_partitions: int | None = SPARK_PARTITIONS,
) -> None:
    """人户分离人数：按居住地区和类型（same_district/other_district/outside_city）。"""
    from renkou.app.scale import separation_table, spark_options
    from renkou.tables import write_table

    spark = spark_options(spark_master, spark_driver_memory, spark_partitions)
    df = separation_table(engine, _date(as_of), level, db=db, parquet=parquet, spark=spark)
    write_table(df, out)
    typer.echo(f"已写出 {out}：{len(df)} 行，合计 {int(df['value'].sum()) if len(df) else 0} 人")


@registry_app.command("export")
def export(
    db: Path = DB_OPTION,
    out: Path = typer.Option(..., "--out", help="导出目录（须不存在或为空）/ output directory"),
) -> None:
    """导出统计所需的数据为按省、区县分区的 Parquet（化名，不含身份证号和姓名），
    供 Spark 等分布式引擎计算统计口径、人户分离和人口变动。"""
    from renkou.app.scale import export_store

    report = export_store(db, out)
    typer.echo(f"已导出到 {report.out}（辖区 {report.jurisdiction}）：")
    for name, n in report.rows.items():
        typer.echo(f"  {name}：{n} 行")


@registry_app.command("quality")
def quality(db: Path = DB_OPTION) -> None:
    """数据质量：隔离记录按原因汇总、记录完整性、部门冲突裁决。"""
    from renkou.app.registry_stats import quality as store_quality
    from renkou.app.stores import registry_at

    with registry_at(db) as reg:
        figures = store_quality(reg)
        j = reg.jurisdiction()
    q, names = figures.summary, figures.reason_names
    typer.echo(f"辖区：{j.name}（{j.key}）")
    typer.echo(f"批次 {q.batches} 个；读取 {q.rows_read} 行，接收 {q.accepted} 行，"
               f"隔离 {q.quarantined} 行"
               f"（{q.quarantined / q.rows_read:.2%}）" if q.rows_read else "尚无导入批次")
    typer.echo("按接口：")
    for r in q.feeds.itertuples():
        typer.echo(f"  {r.feed}：读取 {r.rows_read}，接收 {r.accepted}，隔离 {r.quarantined}")
    typer.echo("隔离原因：")
    for r in q.by_feed_reason.itertuples():
        typer.echo(f"  {r.feed} {r.reason}（{names.get(str(r.reason), r.reason)}）：{r.value}")
    typer.echo("完整性：")
    for r in q.completeness.itertuples():
        typer.echo(f"  {r.measure}：{r.value}/{r.total}（{r.share:.1%}）")
    if len(q.decisions):
        typer.echo("部门冲突裁决：")
        for r in q.decisions.itertuples():
            typer.echo(f"  {r.fact}：采用 {r.chosen_source}，不采用 {r.other_source}：{r.value} 人")


@registry_app.command("link")
def link(
    db: Path = DB_OPTION,
    threshold: float = typer.Option(0.95, "--threshold", help="自动接受的匹配概率下限 / "
                                    "upper threshold"),
    review_threshold: float = typer.Option(0.5, "--review-threshold", help="进入人工复核的"
                                           "匹配概率下限 / lower threshold"),
    truth: Path | None = typer.Option(None, "--truth", help="合成数据的 truth/links.csv"),
    report: Path | None = typer.Option(None, "--report", help="准确率表（CSV）/ accuracy"),
    engine: str = typer.Option("duckdb", "--engine", help="匹配模型的计算引擎：duckdb 或 "
                               "spark（Spark 会话）/ engine"),
    spark_master: str | None = SPARK_MASTER,
    spark_driver_memory: str | None = SPARK_MEMORY,
    spark_partitions: int | None = SPARK_PARTITIONS,
) -> None:
    """概率匹配：把因证件号码问题隔离的记录按姓名、性别、出生日期、区划与残存号码匹配到
    登记人员；高于阈值的接受入库，阈值之间的进入人工复核队列。
    --engine spark 时同一模型在 Spark 上训练和打分（比对字段作为私有匹配数据暂存于数据库旁的
    私有目录，结束即删除），判定与入库不变。"""
    from renkou.app.linkage import run_link
    from renkou.app.scale import spark_options
    from renkou.registry.dialect import check_engine
    from renkou.settings import get_settings

    spark = spark_options(spark_master, spark_driver_memory, spark_partitions)
    result, table = run_link(db, get_settings(), upper=threshold, lower=review_threshold,
                             truth=truth, report=report,
                             say=lambda m: typer.echo(m, err=True),
                             engine=check_engine(engine), spark=spark)
    c = result.counts
    typer.echo(f"接受 {c.get('accepted', 0)} 行，待复核 {c.get('review', 0)} 行，"
               f"与已有记录重复 {c.get('duplicate', 0)} 行，"
               f"入库时仍被隔离 {c.get('refused', 0)} 行，"
               f"仍隔离 {c.get('quarantined', 0)} 行")
    if table is not None:
        typer.echo(table.to_string(index=False))


@registry_app.command("review")
def review(
    action: str = typer.Argument(..., help="list | accept | reject"),
    link_ids: list[int] = typer.Argument(None, help="复核编号 / link ids"),
    db: Path = DB_OPTION,
) -> None:
    """人工复核队列：list 列出待复核的匹配，accept/reject 编号… 接受或拒绝。"""
    from renkou.registry.linkage.review import review_accept, review_list, review_reject
    from renkou.registry.store import Store
    from renkou.settings import get_settings

    if action not in ("list", "accept", "reject"):
        raise InputError("操作应为 list、accept 或 reject", column="action")
    if action != "list" and not link_ids:
        raise InputError("请给出复核编号", column="link_ids")
    settings = get_settings()
    with Store(db, read_only=action == "list", settings=settings) as store:
        if action == "list":
            typer.echo(review_list(store).to_string(index=False))
        elif action == "accept":
            n = review_accept(store, settings, list(link_ids))
            typer.echo(f"已接受 {n} 行（其余入库时仍被隔离）")
        else:
            typer.echo(f"已拒绝 {review_reject(store, list(link_ids))} 行")


def register(app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry")
