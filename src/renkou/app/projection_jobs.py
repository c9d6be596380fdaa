"""Projections as server jobs (预测任务): the registry's projection (``renkou project
--from-db``) run by the job runner, its fan chart and the comparison of scenarios.

The inputs are read from the store in the job's thread (a reader of the served instance);
the projection itself runs in a child process, which reads only the written inputs: the
server's threads stay free for requests, and cancelling stops the child at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.app.jobs import Cancelled, JobContext, Work
from renkou.errors import InputError, NotFoundError, RenkouError

OUTPUT = "output"
POLL_SECONDS = 0.2
# Quantile columns of the fan chart, as the projection writes them (quantiles.csv).
FAN_QUANTILES = {0.025: "q025", 0.1: "q10", 0.5: "q50", 0.9: "q90", 0.975: "q975"}
TOTAL_BAND_NOTE = ("全辖区的区间为各地区分位数之和：生育和死亡的随机波动各地区共同，"
                   "迁移波动只部分相关，故该区间略宽于全辖区总量的真实区间")


@dataclass(frozen=True)
class ProjectionParams:
    as_of: dt.date
    to: int
    caliber: str = "resident"
    level: str = "district"
    variant: str = "medium"
    trajectories: int | None = None
    seed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out


def check_params(p: ProjectionParams) -> ProjectionParams:
    """Refuse what the projection would refuse, before a job is queued."""
    from renkou.app.projection import resolve_variant

    variant = resolve_variant(p.variant)
    if p.to <= p.as_of.year:
        raise InputError(f"预测终年 {p.to} 应晚于基期年份 {p.as_of.year}", column="to")
    if p.to - p.as_of.year > 100:
        raise InputError("预测期不能超过 100 年", column="to")
    if p.caliber not in ("resident", "hukou"):
        raise InputError(f"未知口径 {p.caliber}", column="caliber")
    if p.level not in ("district", "street"):
        raise InputError(f"未知层级 {p.level}", column="level")
    if p.seed is not None and p.trajectories is None:
        # Refused here, not by the projection after the store was read: a seed only fixes
        # the draws of stochastic trajectories.
        raise InputError("随机种子只能与随机轨迹数一起使用（确定性预测不需要种子）",
                         column="seed")
    return ProjectionParams(p.as_of, p.to, p.caliber, p.level, variant, p.trajectories,
                            p.seed)


def title_of(p: ProjectionParams) -> str:
    from renkou.demography.variants import VARIANT_ZH

    what = "常住" if p.caliber == "resident" else "户籍"
    level = "各区" if p.level == "district" else "各街镇"
    return (f"人口预测 {p.as_of.year}–{p.to}（{what}人口，{level}，"
            f"{VARIANT_ZH.get(p.variant, p.variant)}）")


def _child(written: Any, variant: str, trajectories: int | None, seed: int | None,
           conn: Connection) -> None:
    """The child process: project the written inputs, send back a small summary."""
    try:
        from renkou.app.projection import project_registry_inputs

        built = project_registry_inputs(written, variant=variant, trajectories=trajectories,
                                        seed=seed)
        run = built.run
        conn.send({"ok": True, "warnings": [*built.warnings, *run.warnings],
                   "notes": list(built.notes), "seed": run.seed,
                   "base_year": run.config.base_year, "end_year": run.config.end_year,
                   "regions": run.inputs.n_regions, "total_start": run.total_start,
                   "total_end": run.total_end, "window": list(built.window),
                   "jurisdiction": built.jurisdiction})
    except RenkouError as exc:
        conn.send({"ok": False, "error": str(exc)})
    except Exception as exc:  # reported as a failed job; the trace stays in the server log
        conn.send({"ok": False, "error": "预测计算出错", "trace": repr(exc)})
    except BaseException as exc:  # SystemExit and the like: still answer before ending
        conn.send({"ok": False, "error": "预测计算进程被中止", "trace": repr(exc)})
        raise
    finally:
        conn.close()


def _ended(exitcode: int | None) -> str:
    """Why the child ended without an answer, as far as its exit code tells."""
    if exitcode is not None and exitcode < 0:
        cause = "，可能是内存不足" if exitcode == -9 else ""
        return f"预测计算进程意外结束（被信号 {-exitcode} 终止{cause}）"
    return f"预测计算进程意外结束（退出码 {exitcode}）"


def _run_child(ctx: JobContext, written: Any, p: ProjectionParams) -> dict[str, Any]:
    spawn = mp.get_context("spawn")
    ours, theirs = spawn.Pipe(duplex=False)
    child = spawn.Process(target=_child, args=(written, p.variant, p.trajectories, p.seed,
                                               theirs), name="renkou-projection", daemon=True)
    child.start()
    theirs.close()
    share = 0.35
    try:
        while not ours.poll(POLL_SECONDS):
            if ctx.cancel_requested.is_set():
                raise Cancelled
            if not child.is_alive() and not ours.poll(0):
                raise InputError(_ended(child.exitcode))
            # The child reports nothing between start and end: show that it works.
            share = min(0.9, share + 0.002)
            ctx.progress(share, "预测计算中" + ("（随机轨迹）" if p.trajectories else ""))
        try:
            answer: dict[str, Any] = ours.recv()
        except EOFError:
            child.join(5)
            raise InputError(_ended(child.exitcode)) from None
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)
        ours.close()
    if not answer.get("ok"):
        raise InputError(str(answer.get("error") or "预测失败"))
    answer.pop("ok")
    return answer


def projection_work(db: Path, p: ProjectionParams) -> Work:
    def run(ctx: JobContext) -> dict[str, Any]:
        from renkou.app.projection import write_registry_inputs

        ctx.progress(0.05, "读取人口基础信息库，生成预测输入")
        written = write_registry_inputs(db, ctx.folder / OUTPUT, as_of=p.as_of,
                                        caliber=p.caliber, level=p.level, end_year=p.to)
        ctx.progress(0.3, "预测输入已生成，开始预测计算")
        summary = _run_child(ctx, written, p)
        ctx.progress(0.95, "整理预测结果")
        return {**summary, "params": p.as_dict()}

    return run


# ---- reading a finished projection --------------------------------------------------------


def _names(codes: list[str]) -> dict[str, str]:
    from renkou.regions import gazetteer

    regions = gazetteer().regions
    return {c: regions[c].name if c in regions else c for c in codes}


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / OUTPUT / name
    if not path.exists():
        return None
    return pd.read_csv(path, dtype={"region": str})


def _points(det: pd.Series, qs: pd.DataFrame | None) -> list[dict[str, Any]]:
    """One point a year: the variant's value and (stochastic runs) its quantiles."""
    out = []
    for year, value in det.sort_index().items():
        point: dict[str, Any] = {"year": int(str(year)), "value": float(value)}
        for q, col in FAN_QUANTILES.items():
            hit = None
            if qs is not None:
                sel = qs[(qs["year"] == year) & (qs["quantile"].round(4) == round(q, 4))]
                if not sel.empty:
                    hit = float(sel["value"].sum())
            point[col] = hit
        out.append(point)
    return out


def fan_chart(folder: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Total population by year (the variant's path and, with trajectories, its quantiles)
    for the jurisdiction and each area of a finished projection job."""
    from renkou.demography.variants import VARIANT_ZH

    pop = _read(folder, "population.csv")
    if pop is None:
        raise NotFoundError("该任务没有预测结果（未完成、失败或已取消）")
    by = pop.groupby(["region", "year"])["value"].sum()
    quant = _read(folder, "quantiles.csv")
    if quant is None and (folder / OUTPUT / "districts" / "quantiles.csv").exists():
        quant = None  # street runs carry their trajectories at district level only
    if quant is not None:
        quant = quant[quant["indicator"] == "total"]
    codes = sorted(by.index.get_level_values(0).unique())
    names = _names(codes)
    areas = []
    for code in codes:
        qs = None if quant is None else quant[quant["region"] == code]
        areas.append({"code": code, "name": names[code], "points": _points(by.loc[code], qs)})
    total = pop.groupby("year")["value"].sum()
    params = result.get("params", {})
    variant = str(params.get("variant", "medium"))
    return {"variant": variant, "variant_name": VARIANT_ZH.get(variant, variant),
            "caliber": params.get("caliber", ""), "level": params.get("level", ""),
            "as_of": params.get("as_of", ""), "base_year": int(total.index.min()),
            "end_year": int(total.index.max()), "stochastic": quant is not None,
            "total": _points(total, quant),
            "total_band": TOTAL_BAND_NOTE if quant is not None else "", "areas": areas}
