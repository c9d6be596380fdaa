"""The maximal covering model returns the optimum (brute force on small instances)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main
from renkou.services.coverage import distances, maximal_cover


def test_haversine_one_degree_of_latitude() -> None:
    d = distances(np.array([117.0]), np.array([39.0]), np.array([117.0]), np.array([40.0]))
    assert d[0, 0] == pytest.approx(111_195, rel=1e-3)


@pytest.mark.parametrize("seed", range(20))
def test_optimum_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_pts, n_cand = int(rng.integers(3, 8)), int(rng.integers(2, 6))
    points = pd.DataFrame({"id": [f"p{i}" for i in range(n_pts)],
                           "longitude": 117 + rng.uniform(0, 0.03, n_pts),
                           "latitude": 39 + rng.uniform(0, 0.03, n_pts),
                           "demand": rng.integers(1, 100, n_pts).astype(float)})
    cands = pd.DataFrame({"id": [f"s{i}" for i in range(n_cand)],
                          "longitude": 117 + rng.uniform(0, 0.03, n_cand),
                          "latitude": 39 + rng.uniform(0, 0.03, n_cand),
                          "cost": rng.integers(1, 4, n_cand).astype(float)})
    existing = pd.DataFrame({"longitude": [117.0], "latitude": [39.0]})
    budget, radius = float(rng.integers(0, 6)), 1200.0
    plan = maximal_cover(points, cands, radius, budget, existing)
    reach = distances(cands["longitude"].to_numpy(), cands["latitude"].to_numpy(),
                      points["longitude"].to_numpy(), points["latitude"].to_numpy()) <= radius
    open_ = (distances(np.array([117.0]), np.array([39.0]), points["longitude"].to_numpy(),
                       points["latitude"].to_numpy()) <= radius)[0]
    demand = points["demand"].to_numpy()
    best = 0.0
    for pick in itertools.product((0, 1), repeat=n_cand):
        x = np.array(pick, dtype=bool)
        if (cands["cost"].to_numpy() * x).sum() > budget:
            continue
        covered = open_ | reach[x].any(axis=0)
        best = max(best, float(demand[covered].sum()))
    assert plan.covered_after == pytest.approx(best)
    assert plan.spent <= budget
    assert plan.covered_before == pytest.approx(float(demand[open_].sum()))


def test_cli(tmp_path: Path) -> None:
    pts = tmp_path / "p.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "longitude": [117.0, 117.02, 117.2],
                  "latitude": [39.0, 39.0, 39.0], "demand": [10, 20, 30]}).to_csv(pts,
                                                                                 index=False)
    cand = tmp_path / "s.csv"
    pd.DataFrame({"id": ["x", "y"], "longitude": [117.01, 117.2],
                  "latitude": [39.0, 39.0]}).to_csv(cand, index=False)
    out = tmp_path / "o.csv"
    assert main(["services", "cover", "--points", str(pts), "--candidates", str(cand),
                 "--radius", "1000", "--budget", "1", "--out", str(out)]) == 0
    # x (between a and b) reaches 30, y reaches 30; the cheaper tie is either — one is chosen
    assert pd.read_csv(out)["chosen"].sum() == 1
