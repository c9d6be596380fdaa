"""Risk grades (风险等级) from the thresholds in ``data/risk.yaml``: per region and measure,
the largest measure over the years of the horizon and the grade it reaches."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

RISK_COLUMNS = ["region", "measure", "indicator", "year", "value", "grade", "grade_name"]


@lru_cache(maxsize=1)
def risk_rules() -> dict[str, Any]:
    import yaml

    text = resources.files("renkou.impact").joinpath("data/risk.yaml").read_text(
        encoding="utf-8")
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


def grade(value: float, thresholds: list[float]) -> int:
    return int(sum(value >= t for t in thresholds))


def _measures(table: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """Rows region, indicator, year, value of one measure."""
    if spec["kind"] in ("relative", "absolute"):
        rows = table[table["indicator"] == spec["indicator"]].copy()
        diff = rows["difference"].abs()
        if spec["kind"] == "relative":
            base = rows["baseline"].abs()
            rows["value"] = np.where(base > 0, diff / base.where(base > 0, 1.0),
                                     np.where(diff > 0, np.inf, 0.0))
        else:
            rows["value"] = diff
        return rows[["region", "indicator", "year", "value"]]
    gaps = table[table["indicator"].str.startswith(spec["indicator_prefix"])].copy()
    gaps["service"] = gaps["indicator"].str.slice(len(spec["indicator_prefix"]))
    demand = table[table["indicator"].str.startswith(spec["demand_prefix"])].copy()
    demand["service"] = demand["indicator"].str.slice(len(spec["demand_prefix"]))
    merged = gaps.merge(demand[["year", "region", "service", "baseline"]],
                        on=["year", "region", "service"], suffixes=("", "_demand"))
    # Only the part of the scenario gap above both the baseline gap and zero is added.
    added = (merged["scenario"].clip(lower=0) - merged["baseline"].clip(lower=0)).clip(lower=0)
    base = merged["baseline_demand"]
    merged["value"] = np.where(base > 0, added / base.where(base > 0, 1.0),
                               np.where(added > 0, np.inf, 0.0))
    return merged[["region", "indicator", "year", "value"]]


def risk_grades(table: pd.DataFrame) -> pd.DataFrame:
    """``RISK_COLUMNS`` for every region and measure (and service) of a decision table."""
    rules = risk_rules()
    names = rules["grades"]
    out = []
    for key, spec in rules["measures"].items():
        rows = _measures(table, spec)
        if rows.empty:
            continue
        worst = rows.sort_values(["value", "year"], ascending=[False, True]).drop_duplicates(
            ["region", "indicator"])
        for region, ind, year, value in zip(worst["region"], worst["indicator"],
                                            worst["year"], worst["value"], strict=True):
            g = grade(float(value), spec["thresholds"])
            out.append({"region": str(region), "measure": key, "indicator": str(ind),
                        "year": int(year), "value": float(value), "grade": g,
                        "grade_name": names[g]})
    return pd.DataFrame(out, columns=RISK_COLUMNS)
