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

from renkou.app.jobs import Cancelled, Job, JobContext, JobState, Work
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
    split: str | None = None  # "hukou": hukou and non-hukou residents projected linked

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
    if p.split not in (None, "hukou"):
        raise InputError(f"未知的分组 {p.split}（只支持 hukou）", column="split")
    if p.split and p.caliber != "resident":
        raise InputError("分户籍、非户籍预测把常住人口分为两部分，只能用于常住人口口径",
                         column="split")
    return ProjectionParams(p.as_of, p.to, p.caliber, p.level, variant, p.trajectories,
                            p.seed, p.split)


def variant_name(variant: str) -> str:
    from renkou.app.plan_variant import PLAN_VARIANT
    from renkou.demography.variants import VARIANT_ZH

    return "规划目标方案" if variant == PLAN_VARIANT else VARIANT_ZH.get(variant, variant)


def title_of(p: ProjectionParams) -> str:
    what = "常住" if p.caliber == "resident" else "户籍"
    level = "各区" if p.level == "district" else "各街镇"
    split = "，分户籍/非户籍" if p.split else ""
    return (f"人口预测 {p.as_of.year}–{p.to}（{what}人口，{level}{split}，"
            f"{variant_name(p.variant)}）")


def _child(written: Any, variant: str, trajectories: int | None, seed: int | None,
           conn: Connection) -> None:
    """The child process: project the written inputs, send back a small summary."""
    try:
        from renkou.app.projection import project_registry_inputs

        built = project_registry_inputs(written, variant=variant, trajectories=trajectories,
                                        seed=seed)
        run = built.run
        split = None
        if run.split is not None:
            split = {"hukou_start": float(run.split.hukou[0].sum()),
                     "hukou_end": float(run.split.hukou[-1].sum()),
                     "nonhukou_start": float(run.split.nonhukou[0].sum()),
                     "nonhukou_end": float(run.split.nonhukou[-1].sum()),
                     "settled": float(run.split.settled.sum())}
        conn.send({"ok": True, "warnings": [*built.warnings, *run.warnings],
                   "notes": list(built.notes), "seed": run.seed,
                   "base_year": run.config.base_year, "end_year": run.config.end_year,
                   "regions": run.inputs.n_regions, "total_start": run.total_start,
                   "total_end": run.total_end, "window": list(built.window),
                   "jurisdiction": built.jurisdiction, "split": split})
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
                                        caliber=p.caliber, level=p.level, end_year=p.to,
                                        split=p.split)
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


def _quantiles(folder: Path) -> pd.DataFrame | None:
    """Quantiles of the total by region: the run's own, or at street level the districts'
    (a street run carries its trajectories at district level only)."""
    quant = _read(folder, "quantiles.csv")
    if quant is None:
        quant = _read(folder, "districts/quantiles.csv")
    return None if quant is None else quant[quant["indicator"] == "total"]


def _points(det: pd.Series, qs: pd.DataFrame | None,
            status: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """One point a year: the variant's value, (stochastic runs) its quantiles and (split
    runs) its hukou and non-hukou residents."""
    by_status = {} if status is None else {c: status[c].to_dict() for c in status.columns}
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
        for col in ("hukou", "nonhukou"):
            hit = by_status.get(col, {}).get(year)
            point[col] = None if hit is None else float(hit)
        out.append(point)
    return out


@dataclass(frozen=True)
class _Output:
    """A finished job's population by region and year (and by hukou status when split)."""

    by: pd.Series  # (region, year) → total
    status: pd.DataFrame | None  # (region, year) × hukou|nonhukou
    quant: pd.DataFrame | None
    params: dict[str, Any]

    @property
    def codes(self) -> list[str]:
        return sorted(self.by.index.get_level_values(0).unique())

    def head(self) -> dict[str, Any]:
        years = self.by.index.get_level_values(1)
        variant = str(self.params.get("variant", "medium"))
        return {"variant": variant, "variant_name": variant_name(variant),
                "caliber": self.params.get("caliber", ""),
                "level": self.params.get("level", ""), "as_of": self.params.get("as_of", ""),
                "base_year": int(years.min()), "end_year": int(years.max()),
                "stochastic": self.quant is not None, "split": self.status is not None}

    def points(self, codes: list[str], bands: list[str] | None = None
               ) -> list[dict[str, Any]]:
        """The summed path of ``codes``, with the quantiles of ``bands`` (default ``codes``;
        ``[]`` all of the run's regions) summed where the run has them."""
        mask = self.by.index.get_level_values(0).isin(codes)
        det = self.by[mask].groupby(level=1).sum()
        status = None
        if self.status is not None:
            status = self.status[self.status.index.get_level_values(0).isin(codes)]
            status = status.groupby(level=1).sum()
        qs = None
        if self.quant is not None:
            qs = self.quant
            if bands != []:
                qs = qs[qs["region"].isin(codes if bands is None else bands)]
            qs = qs if not qs.empty else None
        return _points(det, qs, status)


def _output(folder: Path, result: dict[str, Any]) -> _Output:
    pop = _read(folder, "population.csv")
    if pop is None:
        raise NotFoundError("该任务没有预测结果（未完成、失败或已取消）")
    status = None
    if "hukou_status" in pop.columns:
        status = pop.groupby(["region", "year", "hukou_status"])["value"].sum().unstack()
    return _Output(by=pop.groupby(["region", "year"])["value"].sum(), status=status,
                   quant=_quantiles(folder), params=result.get("params", {}))


def fan_chart(folder: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Total population by year (the variant's path and, with trajectories, its quantiles;
    split runs also the hukou and non-hukou residents) for the jurisdiction and each area
    of a finished projection job."""
    out = _output(folder, result)
    codes = out.codes
    names = _names(codes)
    areas = [{"code": c, "name": names[c], "points": out.points([c])} for c in codes]
    stochastic = out.quant is not None
    return {**out.head(), "total": out.points(codes, bands=[]),
            "total_band": TOTAL_BAND_NOTE if stochastic else "", "areas": areas}


def area_fan(folder: Path, result: dict[str, Any], code: str) -> dict[str, Any]:
    """One area's path of a finished projection job; a district of a street-level job with
    the paths of its 街镇 (which sum to it)."""
    out = _output(folder, result)
    codes = out.codes
    if code in codes:
        members: list[str] = [code]
        children: list[str] = []
    else:
        # A district of a street-level job: its 街镇 (nine-digit codes under it).
        children = [c for c in codes if len(c) > len(code) and c.startswith(code)]
        if not children:
            raise NotFoundError(f"该预测任务没有地区 {code}")
        members = children
    names = _names([code, *children])
    return {**out.head(), "code": code, "name": names[code],
            "points": out.points(members, bands=[code]),
            "areas": [{"code": c, "name": names[c], "points": out.points([c])}
                      for c in children]}


def finished_projections(jobs: list[Job]) -> list[dict[str, Any]]:
    """The finished projection jobs (newest first) as their choices describe them."""
    out = []
    for job in jobs:
        if job.kind != "projection" or job.state is not JobState.done or job.result is None:
            continue
        p = job.params
        out.append({"job_id": job.id, "title": job.title, "finished_at": job.finished_at,
                    "as_of": str(p.get("as_of", "")), "to": int(p.get("to", 0)),
                    "caliber": str(p.get("caliber", "")), "level": str(p.get("level", "")),
                    "variant": str(p.get("variant", "")),
                    "variant_name": variant_name(str(p.get("variant", ""))),
                    "split": p.get("split"), "stochastic": bool(p.get("trajectories"))})
    return out


def suppress_base_year(fan: dict[str, Any], threshold: int | None) -> int:
    """Statistical disclosure control of an :func:`area_fan` answer, in place: its base
    year is the registry's count of persons (later years are model estimates), so small
    cells of the base year are set to None with their complementary cells — the 街镇 down
    (the area's figure is their total), and when split hukou and non-hukou across (each
    row's residents their total; a hidden row hides both). Returns the cells suppressed."""
    from renkou.auth.disclosure import suppress

    if threshold is None:
        return 0
    rows = [a["points"][0] for a in fan["areas"]] or [fan["points"][0]]
    down = suppress([[round(p["value"])] for p in rows], threshold, row_totals=False,
                    column_totals=bool(fan["areas"]))
    for point, (cell,) in zip(rows, down.cells, strict=True):
        if cell is None:
            point["value"] = None
            for q in FAN_QUANTILES.values():
                point[q] = None  # the base year's quantiles are its value
    hidden = down.count
    if fan["split"]:
        # A row whose residents are hidden hides both states: entered as a small cell.
        table = [[1 if p["value"] is None else round(p[c]) for c in ("hukou", "nonhukou")]
                 for p in rows]
        across = suppress(table, threshold, column_totals=bool(fan["areas"]))
        for point, cells in zip(rows, across.cells, strict=True):
            for col, cell in zip(("hukou", "nonhukou"), cells, strict=True):
                if cell is None:
                    point[col] = None
        hidden += across.count
    return hidden
