"""``renkou synth``: build the synthetic city (合成城市) of a jurisdiction — department feeds,
truth files and ``synthetic.json`` (``--out DIR``) or a ready embedded store (``--db FILE``),
or both."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from renkou.errors import InputError


def synth(
    persons: int = typer.Option(200_000, "--persons", help="2020-11-01 常住人口规模 / residents "
                                "on the census day"),
    seed: int = typer.Option(1, "--seed", help="随机种子（同一种子结果相同）/ random seed"),
    out: Path | None = typer.Option(None, "--out", help="输出部门数据文件与真值的目录 / "
                                    "directory for feeds and truth"),
    db: Path | None = typer.Option(None, "--db", help="导入到该数据库文件 / build this "
                                   "DuckDB store"),
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="辖区（tianjin、chongqing、xiqing…）；默认取设置 "
        "RENKOU_JURISDICTION / jurisdiction (default from settings)"),
    dirt: bool = typer.Option(True, "--dirt/--clean", help="是否加入脏数据 / add dirt"),
    dirty_ids: float = typer.Option(0.0, "--dirty-ids", help="非户籍接口中证件号码有误的行的比例"
                                    "（缺失、15位、错位、他人号码，姓名写法有变体），真值写入 "
                                    "truth/links.csv / share of rows with dirty ID numbers"),
) -> None:
    """生成合成城市：部门数据文件（含脏数据）与真实口径，或直接建库。
    Generate the synthetic city: department feeds with dirt and the truth, or a store."""
    from renkou.jurisdictions import get_jurisdiction
    from renkou.registry.synth import build_demo_store, synthesize
    from renkou.settings import get_settings

    if persons < 100:
        raise InputError("--persons 至少为 100")
    if not 0 <= dirty_ids < 1:
        raise InputError("--dirty-ids 应在 0 与 1 之间")
    if out is None and db is None:
        raise InputError("请指定 --out 目录或 --db 数据库文件")
    settings = get_settings()
    j = get_jurisdiction(jurisdiction or settings.jurisdiction)
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        typer.echo(f"[{time.perf_counter() - t0:7.1f}s] {msg}", err=True)

    if out is None:
        say(f"生成{j.name} {persons:,} 人的合成城市并导入 {db}")
        build_demo_store(Path(str(db)), persons, seed, jurisdiction=j.key, settings=settings,
                         progress=say)
        say("完成")
        typer.echo(str(db))
        return
    say(f"生成{j.name} {persons:,} 人的合成城市（种子 {seed}）")
    manifest = synthesize(out, persons, seed, dirt=dirt, progress=say, jurisdiction=j.key,
                          dirty_ids=dirty_ids)
    say(f"共 {manifest['people_total']:,} 人（含 2015–2024 年间死亡、迁出、出生与迁入者），"  # type: ignore[str-format]
        f"{len(manifest['files']):,} 个文件、{manifest['rows_written']:,} 行")  # type: ignore[arg-type, str-format]
    typer.echo(str(out))
    if db is not None:
        from renkou.registry.ingest import ingest_directory, report_text
        from renkou.registry.store import Store

        say(f"导入 {db}")
        db.parent.mkdir(parents=True, exist_ok=True)
        with Store(db, settings=settings) as store:
            report = ingest_directory(store, out, jurisdiction=j.key, settings=settings)
        typer.echo(report_text(report).splitlines()[0], err=True)
        typer.echo(str(db))


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
