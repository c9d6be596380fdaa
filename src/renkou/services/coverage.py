"""Coverage model (覆盖选址模型) for norms stated as a distance, such as the 15-minute
elderly-care circle, when coordinates exist: the maximal covering location problem (Church
and ReVelle 1974) as an exact mixed-integer programme.

Demand points j with demand d_j (e.g. residents aged 60+ of a 社区), candidate sites i with
cost c_i (1 when the budget counts sites), the sites already open (facilities of the
inventory with coordinates) and a radius R (metres, great-circle distance):

    maximise    Σ_j d_j·z_j
    subject to  z_j ≤ Σ_{i: dist(i, j) ≤ R} x_i      for points no open site covers
                z_j = 1                               for points an open site covers
                Σ_i c_i·x_i ≤ B,   x_i ∈ {0, 1},   0 ≤ z_j ≤ 1

solved with HiGHS (``scipy.optimize.milp``); among optimal choices a second programme takes
the cheapest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from renkou.errors import InputError
from renkou.types import FloatArray

EARTH_RADIUS_M = 6_371_008.8
TOLERANCE = 1e-6


def distances(lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
              ) -> FloatArray:
    """Great-circle distances in metres (haversine), (len 1, len 2)."""
    p1, p2 = np.radians(lat1)[:, None], np.radians(lat2)[None, :]
    dphi = p2 - p1
    dlon = np.radians(lon2)[None, :] - np.radians(lon1)[:, None]
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1))),
                      dtype=np.float64)


@dataclass(frozen=True)
class CoveragePlan:
    sites: pd.DataFrame  # candidate id, chosen (0/1), covered demand it reaches
    points: pd.DataFrame  # point id, demand, covered_before, covered_after
    covered_before: float
    covered_after: float
    total: float
    spent: float


def solve_cover(cover: np.ndarray, demand: FloatArray, costs: FloatArray, budget: float,
                already: np.ndarray) -> np.ndarray:
    """Chosen sites (0/1) given ``cover[i, j]`` (site i reaches point j)."""
    n_sites, n_points = cover.shape
    if n_sites == 0:
        return np.zeros(0)
    free = ~already
    c = np.concatenate([np.zeros(n_sites), -demand * free])
    # z_j − Σ_i a_ij x_i ≤ 0 for the points not yet covered
    rows = np.hstack([-cover.T.astype(float), np.eye(n_points)])[free]
    cons = [LinearConstraint(np.concatenate([costs, np.zeros(n_points)])[None, :], -np.inf,
                             budget)]
    if rows.size:
        cons.append(LinearConstraint(rows, -np.inf, 0.0))
    bounds = Bounds(np.zeros(n_sites + n_points),
                    np.concatenate([np.ones(n_sites), free.astype(float)]))
    integrality = np.concatenate([np.ones(n_sites), np.zeros(n_points)])
    first = milp(c, constraints=cons, bounds=bounds, integrality=integrality)
    if first.x is None:
        raise InputError(f"覆盖模型求解失败：{first.message}")
    keep = LinearConstraint(c[None, :], -np.inf, float(first.fun) + TOLERANCE * max(
        1.0, abs(float(first.fun))))
    second = milp(np.concatenate([costs, np.zeros(n_points)]), constraints=[*cons, keep],
                  bounds=bounds, integrality=integrality)
    x = second.x if second.x is not None else first.x
    return np.round(np.asarray(x[:n_sites], dtype=np.float64))


def _columns(df: pd.DataFrame, need: tuple[str, ...], what: str) -> None:
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(f"{what}缺少列 {'、'.join(missing)}")


def maximal_cover(points: pd.DataFrame, candidates: pd.DataFrame, radius_m: float,
                  budget: float, existing: pd.DataFrame | None = None) -> CoveragePlan:
    """Points (id, longitude, latitude, demand), candidates (id, longitude, latitude,
    optional cost), open sites (longitude, latitude)."""
    _columns(points, ("id", "longitude", "latitude", "demand"), "需求点文件")
    _columns(candidates, ("id", "longitude", "latitude"), "候选点文件")
    if not radius_m > 0:
        raise InputError("--radius 须为正数（米）")
    lon, lat = points["longitude"].to_numpy(float), points["latitude"].to_numpy(float)
    demand = points["demand"].to_numpy(float)
    cover = distances(candidates["longitude"].to_numpy(float),
                      candidates["latitude"].to_numpy(float), lon, lat) <= radius_m
    already: np.ndarray = np.zeros(len(points), dtype=bool)
    if existing is not None and not existing.empty:
        near = distances(existing["longitude"].to_numpy(float),
                         existing["latitude"].to_numpy(float), lon, lat) <= radius_m
        already = np.asarray(near.any(axis=0), dtype=bool)
    costs = (candidates["cost"].to_numpy(float) if "cost" in candidates.columns
             else np.ones(len(candidates)))
    x = solve_cover(cover, demand, costs, budget, already)
    after = np.array(already, dtype=bool)
    if x.size:
        np.logical_or(after, cover[x > 0.5].any(axis=0), out=after)
    sites = pd.DataFrame({"id": candidates["id"], "chosen": x.astype(int),
                          "reaches": cover.astype(float) @ (demand * ~already)})
    pts = pd.DataFrame({"id": points["id"], "demand": demand,
                        "covered_before": already.astype(int),
                        "covered_after": after.astype(int)})
    return CoveragePlan(sites, pts, float(demand[already].sum()), float(demand[after].sum()),
                        float(demand.sum()), float((x * costs).sum()))
