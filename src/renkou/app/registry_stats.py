"""Registry statistics for the API (统计口径、人口流动、数据质量): the counts ``renkou registry
stats`` writes, the flows of a period by area and kind, and the quality figures of ``renkou
registry quality`` with the list of ingest batches — each limited to one area and the areas
inside it when asked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from renkou.app.population import CALIBER_NAMES, area_name
from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.registry import Registry
from renkou.registry.quality import QualitySummary, batch_list, quality_summary
from renkou.registry.validate import REASON_ZH

BY_CHOICES = ("region", "sex", "age", "hukou_kind", "education")
LEVELS = ("city", "district", "street")
FLOW_KINDS = ("hukou_in", "hukou_out", "residence_arrival", "residence_departure")
FLOW_NAMES = {"hukou_in": "户籍迁入", "hukou_out": "户籍迁出",
              "residence_arrival": "居住迁入", "residence_departure": "居住迁出"}


def parse_by(text: str) -> tuple[str, ...]:
    cols = tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    unknown = [c for c in cols if c not in BY_CHOICES]
    if unknown or not cols:
        raise InputError(f"分组列应为 {'、'.join(BY_CHOICES)} 的子集，实际为 {text}",
                         column="by")
    return cols


def _check(caliber: str, level: str) -> None:
    if caliber not in CALIBER_NAMES:
        raise InputError(f"未知的人口口径 {caliber}（可选 {'、'.join(CALIBER_NAMES)}）",
                         column="caliber")
    if level not in LEVELS:
        raise InputError(f"统计层级应为 {'、'.join(LEVELS)}，实际为 {level}", column="level")


def _within(frame: pd.DataFrame, jurisdiction: Jurisdiction, level: str,
            region: str | None) -> pd.DataFrame:
    """Rows of ``region`` and the areas in it (all rows when None or the jurisdiction)."""
    if region is None or region == jurisdiction.code:
        return frame
    if level == "city":
        raise InputError("按全辖区（city）统计时不能限定地区；请改用 district 或 street 层级",
                         column="level")
    if not jurisdiction.contains(region):
        raise InputError(f"{region}（{area_name(region)}）不在{jurisdiction.name}内",
                         column="region")
    return frame[frame["region"].astype(str).str.startswith(region)]


@dataclass(frozen=True)
class CaliberTable:
    caliber: str
    as_of: dt.date
    level: str
    by: tuple[str, ...]
    table: pd.DataFrame  # the ``by`` columns and value, sorted

    @property
    def caliber_name(self) -> str:
        return CALIBER_NAMES[self.caliber]


def caliber_table(registry: Registry, jurisdiction: Jurisdiction, caliber: str,
                  as_of: dt.date, *, level: str, by: tuple[str, ...],
                  region: str | None = None) -> CaliberTable:
    """Persons of ``caliber`` on ``as_of`` counted by ``by`` at ``level`` (the registry's
    ``stats``), kept to ``region`` and the areas in it."""
    _check(caliber, level)
    asked = tuple(by)
    query = asked if "region" in asked else ("region", *asked)
    df = registry.caliber(as_of, caliber, level=level, by=query)
    df = _within(df, jurisdiction, level, region)
    if "region" not in asked:
        df = df.groupby(list(asked), as_index=False, observed=True).agg(value=("value", "sum"))
    df = df.sort_values(list(asked)).reset_index(drop=True)
    df["value"] = df["value"].astype("int64")
    return CaliberTable(caliber, as_of, level, asked, df[[*asked, "value"]])


@dataclass(frozen=True)
class FlowTable:
    start: dt.date
    end: dt.date
    level: str
    # region → kind → persons moving (only areas with a move are listed)
    counts: dict[str, dict[str, int]]


def flow_table(registry: Registry, jurisdiction: Jurisdiction, start: dt.date,
               end: dt.date, *, level: str, region: str | None = None) -> FlowTable:
    """Moves in [start, end] by area and kind: hukou in/out and residence arrival/departure
    across the area's boundary (moves within it are not counted)."""
    if level not in ("district", "street"):
        raise InputError(f"流动统计层级应为 district 或 street，实际为 {level}", column="level")
    if end < start:
        raise InputError("结束日期不能早于开始日期", column="end")
    df = _within(registry.flows(start, end, level), jurisdiction, level, region)
    counts: dict[str, dict[str, int]] = {}
    for code, kind, value in zip(df["region"].astype(str), df["flow"].astype(str),
                                 df["value"], strict=True):
        here = counts.setdefault(code, {})
        here[kind] = here.get(kind, 0) + int(value)
    return FlowTable(start, end, level, dict(sorted(counts.items())))


@dataclass(frozen=True)
class Quality:
    summary: QualitySummary
    batches: pd.DataFrame
    reason_names: dict[str, str]


def quality(registry: Registry) -> Quality:
    """The quality figures by feed, reason and measure, with the ingest batches."""
    return Quality(quality_summary(registry.store), batch_list(registry.store), dict(REASON_ZH))
