"""Registry statistics (人口基础信息库): counts by caliber, area, sex and age; flows by area
and kind; data quality by feed and batch. Tables for roles below ``statistician`` have small
cells suppressed (with complementary cells), as the population routes do."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Response

from renkou.api.deps import RegistryDep, SettingsDep, SummaryDep, User, require
from renkou.api.paging import PageDep
from renkou.api.schemas_registry import (
    BatchOut,
    CaliberRowOut,
    CalibersOut,
    DecisionOut,
    FeedQualityOut,
    FlowRowOut,
    FlowsOut,
    MeasureOut,
    QualityOut,
    ReasonOut,
)
from renkou.api.scoping import check_area
from renkou.api.trail import threshold
from renkou.app import registry_stats as stats
from renkou.app.assessment import last_full_year
from renkou.app.population import Caliber, area_name
from renkou.auth.disclosure import suppress
from renkou.auth.roles import Scope

router = APIRouter(prefix="/api/registry", tags=["registry"])

Reader = Annotated[User, Depends(require(Scope.population))]
Inspector = Annotated[User, Depends(require(Scope.quality))]
Region = Annotated[str | None, Query(pattern=r"^\d{6}(\d{3})?$",
                                     description="只统计此区县或街镇及其下辖地区（默认全辖区）")]


def _suppressed(table: list[list[int]], k: int | None, *, rows: bool = True,
                columns: bool = True) -> tuple[list[list[int | None]], int]:
    if k is None or not table:
        return [list(r) for r in table], 0
    s = suppress(table, k, row_totals=rows, column_totals=columns)
    return s.cells, s.count


@router.get("/calibers", response_model=CalibersOut)
def calibers(registry: RegistryDep, summary: SummaryDep, user: Reader, settings: SettingsDep,
             page: PageDep, response: Response, caliber: Caliber = "resident",
             as_of: dt.date | None = None,
             level: Literal["city", "district", "street"] | None = None,
             by: Annotated[str, Query(max_length=64, description="分组列：region,sex,age,"
                                      "hukou_kind,education 的子集")] = "region,sex,age",
             region: Region = None) -> CalibersOut:
    """某一时点按统计口径的人数（同 renkou registry stats）：按地区、性别、年龄等分组。"""
    j = summary.jurisdiction
    check_area(user, region or j.code)
    t = stats.caliber_table(registry, j, caliber, as_of or summary.default_as_of,
                            level=level or j.area_level, by=stats.parse_by(by), region=region)
    frame = t.table
    keys = list(t.by)
    # Rows × columns for the suppression: the last grouping column across, the others down
    # (with one column only, one row whose total is published).
    across = keys[-1]
    down = keys[:-1]
    col_values = sorted(frame[across].unique().tolist())
    row_keys = sorted({tuple(r) for r in frame[down].itertuples(index=False)}) if down else [()]
    at = {(tuple(r[:-2]) if down else (), r[-2]): int(r[-1])
          for r in frame[[*down, across, "value"]].itertuples(index=False)}
    table = [[at.get((rk, cv), 0) for cv in col_values] for rk in row_keys]
    k = threshold(user, settings)
    cells, hidden = _suppressed(table, k, columns=bool(down))
    out: list[CaliberRowOut] = []
    for i, rk in enumerate(row_keys):
        for j_, cv in enumerate(col_values):
            shown = cells[i][j_]
            if (rk, cv) not in at and shown is not None:
                continue  # a zero nobody needs listed
            fields: dict[str, Any] = dict(zip(down, rk, strict=True))
            fields[across] = cv
            if "region" in fields:
                fields["region"] = str(fields["region"])
                fields["region_name"] = area_name(fields["region"])
            if "age" in fields:
                fields["age"] = int(fields["age"])
            out.append(CaliberRowOut(**fields, value=shown))
    return CalibersOut(caliber=t.caliber, caliber_name=t.caliber_name, as_of=t.as_of,
                       level=t.level, by=keys, region=region or j.code,
                       total=int(frame["value"].sum()), total_rows=len(out),
                       suppressed=hidden, suppression_threshold=k,
                       rows=page.apply(out, response))


@router.get("/flows", response_model=FlowsOut)
def flows(registry: RegistryDep, summary: SummaryDep, user: Reader, settings: SettingsDep,
          start: Annotated[dt.date | None, Query(description="开始日期（默认库内最后完整年度的"
                                                 "1月1日）")] = None,
          end: Annotated[dt.date | None, Query(description="结束日期（默认该年12月31日）")] = None,
          level: Literal["district", "street"] | None = None,
          region: Region = None) -> FlowsOut:
    """期间内按地区和类型的人口流动（户籍迁入迁出、居住迁入迁出，跨地区的才计入）。"""
    j = summary.jurisdiction
    check_area(user, region or j.code)
    year = last_full_year(summary.data_through, j.census_date.year)
    first = start or dt.date((end.year if end else year), 1, 1)
    last = end or dt.date(first.year, 12, 31)
    t = stats.flow_table(registry, j, first, last, level=level or j.area_level, region=region)
    codes = list(t.counts)
    table = [[t.counts[c].get(kind, 0) for kind in stats.FLOW_KINDS] for c in codes]
    k = threshold(user, settings)
    cells, hidden = _suppressed(table, k)
    rows = [FlowRowOut(region=c, region_name=area_name(c),
                       values=dict(zip(stats.FLOW_KINDS, cells[i], strict=True)),
                       total=sum(table[i])) for i, c in enumerate(codes)]
    return FlowsOut(start=t.start, end=t.end, level=t.level, kinds=list(stats.FLOW_KINDS),
                    kind_names=stats.FLOW_NAMES, suppressed=hidden, suppression_threshold=k,
                    rows=rows)


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain values (NaN and NaT as None)."""
    return [{str(k): None if pd.isna(v) else v for k, v in r.items()}
            for r in frame.astype(object).to_dict(orient="records")]


@router.get("/quality", response_model=QualityOut)
def quality(registry: RegistryDep, _: Inspector) -> QualityOut:
    """数据质量（同 renkou registry quality）：按接口和批次的读取、接收、隔离行数，隔离原因，
    记录完整性和部门冲突裁决。"""
    q = stats.quality(registry)
    s = q.summary
    return QualityOut(
        batches=s.batches, rows_read=s.rows_read, accepted=s.accepted,
        quarantined=s.quarantined, quarantined_share=_share(s.quarantined, s.rows_read),
        feeds=[FeedQualityOut(**r, share=_share(r["quarantined"], r["rows_read"]))
               for r in _records(s.feeds)],
        reasons=[ReasonOut(**r, reason_name=q.reason_names.get(r["reason"], r["reason"]))
                 for r in _records(s.by_feed_reason)],
        completeness=[MeasureOut(**r) for r in _records(s.completeness)],
        decisions=[DecisionOut(**r) for r in _records(s.decisions)],
        batch_list=[BatchOut(**r) for r in _records(q.batches)])
