"""Allocation of new sites (设施选址与容量配置) as an exact mixed-integer programme.

For areas i with unmet demand u_i = max(0, gap_i), whole sites of S places each, site costs
c_i (1 when the budget counts sites) and budget B:

    minimise    Σ_i y_i
    subject to  y_i ≥ u_i − S·x_i,   y_i ≥ 0                     (unmet after, per area)
                Σ_i c_i·x_i ≤ B
                x_i ∈ {0, 1, …, ⌈u_i / S⌉}                        (no site beyond the need)

so that y_i = max(0, u_i − S·x_i) at the optimum and Σ y_i is the total unmet demand. It is
solved with HiGHS (``scipy.optimize.milp``) to optimality; among optimal plans a second
programme picks the cheapest (Σ c_i·x_i least, with Σ y_i held at the optimum), so no site is
added that reduces nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from renkou.errors import InputError
from renkou.types import FloatArray

GAP_COLUMNS = ("region", "service", "gap")
OUTPUT = ["region", "added_sites", "added_capacity", "unmet_before", "unmet_after"]
# Slack on the optimal objective when the second stage looks for the cheapest plan.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Allocation:
    """The plan (``OUTPUT`` columns), its objective and what it cost."""

    plan: pd.DataFrame
    objective: float  # total unmet demand after
    unmet_before: float
    spent: float
    budget: float
    service: str
    warnings: tuple[str, ...] = ()


def read_gaps(path: Path) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise InputError("文件不存在", file=str(p))
    try:
        df = pd.read_csv(p, dtype={"region": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"无法读取CSV：{exc}", file=p.name) from None
    missing = [c for c in GAP_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"缺少列 {'、'.join(missing)}（应为 services gaps 的输出）",
                         file=p.name, row=1)
    return df


def read_costs(path: Path) -> dict[str, float]:
    p = Path(path)
    if not p.exists():
        raise InputError("文件不存在", file=str(p))
    df = pd.read_csv(p, dtype={"region": str})
    if not {"region", "cost_per_site"} <= set(df.columns):
        raise InputError("缺少列 region、cost_per_site", file=p.name, row=1)
    out: dict[str, float] = {}
    for n, (region, cost) in enumerate(zip(df["region"], df["cost_per_site"], strict=True),
                                       start=2):
        try:
            value = float(cost)
        except (TypeError, ValueError):
            raise InputError(f"“{cost}”不是数字", file=p.name, row=n,
                             column="cost_per_site") from None
        if not value > 0:
            raise InputError(f"每处成本 {value:g} 须为正数", file=p.name, row=n,
                             column="cost_per_site")
        out[str(region)] = value
    return out


def solve(unmet: FloatArray, site_size: float, costs: FloatArray, budget: float,
          upper: FloatArray | None = None) -> FloatArray:
    """Optimal site counts x (see the module docstring); ``upper`` caps x per area."""
    n = unmet.size
    cap = np.ceil(np.maximum(unmet, 0.0) / site_size - 1e-9)
    if upper is not None:
        cap = np.minimum(cap, upper)
    if n == 0 or not np.any(cap > 0):
        return np.zeros(n)
    # Variables: x_1…x_n (integer sites), y_1…y_n (unmet after).
    ident = np.eye(n)
    cover = LinearConstraint(np.hstack([site_size * ident, ident]), lb=unmet, ub=np.inf)
    spend = LinearConstraint(np.concatenate([costs, np.zeros(n)])[None, :], lb=-np.inf,
                             ub=budget)
    bounds = Bounds(np.zeros(2 * n), np.concatenate([cap, np.full(n, np.inf)]))
    integrality = np.concatenate([np.ones(n), np.zeros(n)])
    first = milp(np.concatenate([np.zeros(n), np.ones(n)]), constraints=[cover, spend],
                 bounds=bounds, integrality=integrality)
    if first.x is None:
        raise InputError(f"配置模型求解失败：{first.message}")
    best = float(first.fun)
    keep = LinearConstraint(np.concatenate([np.zeros(n), np.ones(n)])[None, :], lb=-np.inf,
                            ub=best + TOLERANCE * max(1.0, best))
    second = milp(np.concatenate([costs, np.zeros(n)]), constraints=[cover, spend, keep],
                  bounds=bounds, integrality=integrality)
    x = second.x if second.x is not None else first.x
    return np.asarray(np.round(np.asarray(x[:n], dtype=np.float64)), dtype=np.float64)


def allocate_from_gaps(gaps: pd.DataFrame, service: str, budget: float, site_size: float,
                       costs: dict[str, float] | None = None) -> Allocation:
    """The optimal plan for ``service`` over the areas of a gaps table."""
    if not site_size > 0:
        raise InputError("--site-size 须为正数")
    if budget < 0:
        raise InputError("--budget 不能为负")
    rows = gaps[gaps["service"] == service]
    if rows.empty:
        known = "、".join(sorted(set(gaps["service"].astype(str))))
        raise InputError(f"缺口表中没有服务 {service}；可选：{known}")
    regions = rows["region"].astype(str).to_numpy()
    unmet = np.maximum(rows["gap"].astype(float).fillna(0.0).to_numpy(), 0.0)
    warnings: list[str] = []
    if costs is None:
        if budget != math.floor(budget):
            raise InputError("未给出成本文件时 --budget 为新增处数，须为整数")
        cost = np.ones(regions.size)
        upper = None
    else:
        missing = [r for r in regions if r not in costs]
        if len(missing) == regions.size:
            raise InputError("成本文件中没有缺口表的任何地区")
        if missing:
            warnings.append(f"成本文件缺少 {len(missing)} 个地区（不在其中新增设施）："
                            + "、".join(missing[:10]))
        cost = np.array([costs.get(r, 1.0) for r in regions])
        upper = np.array([np.inf if r in costs else 0.0 for r in regions])
    x = solve(unmet, site_size, cost, budget, upper)
    added = x * site_size
    after = np.maximum(unmet - added, 0.0)
    plan = pd.DataFrame({"region": regions, "added_sites": x.astype(int),
                         "added_capacity": added, "unmet_before": unmet,
                         "unmet_after": after}, columns=OUTPUT)
    return Allocation(plan=plan, objective=float(after.sum()), unmet_before=float(unmet.sum()),
                      spent=float((x * cost).sum()), budget=budget, service=service,
                      warnings=tuple(warnings))
