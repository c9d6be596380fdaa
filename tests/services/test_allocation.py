"""The allocation MILP returns the optimum: checked against brute force on small instances."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.errors import InputError
from renkou.services.allocation import OUTPUT, allocate_from_gaps, read_gaps


def brute_force(unmet: list[float], size: float, costs: list[float], budget: float
                ) -> tuple[float, float]:
    """Least total unmet demand and, among plans reaching it, the least spending."""
    caps = [int(np.ceil(u / size)) if u > 0 else 0 for u in unmet]
    best = (float("inf"), float("inf"))
    for x in itertools.product(*(range(c + 1) for c in caps)):
        spent = sum(c * k for c, k in zip(costs, x, strict=True))
        if spent > budget + 1e-9:
            continue
        left = sum(max(0.0, u - size * k) for u, k in zip(unmet, x, strict=True))
        best = min(best, (round(left, 9), spent))
    return best


def frame(gaps: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"region": [f"A{i}" for i in range(len(gaps))],
                         "service": "childcare", "gap": gaps})


@pytest.mark.parametrize("seed", range(25))
def test_site_budget_optimum_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    gaps = list(np.round(rng.uniform(-20, 60, n), 2))
    size = float(rng.choice([7, 10, 15]))
    budget = int(rng.integers(0, 6))
    result = allocate_from_gaps(frame(gaps), "childcare", budget, size)
    best, cheapest = brute_force([max(0.0, g) for g in gaps], size, [1.0] * n, budget)
    assert result.objective == pytest.approx(best, abs=1e-6)
    assert result.spent == pytest.approx(cheapest)
    assert result.plan["added_sites"].sum() <= budget
    assert list(result.plan.columns) == OUTPUT


@pytest.mark.parametrize("seed", range(25))
def test_money_budget_optimum_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 5))
    gaps = list(np.round(rng.uniform(0, 50, n), 1))
    costs = list(np.round(rng.uniform(1, 9, n), 1))
    budget = float(np.round(rng.uniform(0, 20), 1))
    result = allocate_from_gaps(frame(gaps), "childcare", budget, 10.0,
                                {f"A{i}": c for i, c in enumerate(costs)})
    best, cheapest = brute_force(gaps, 10.0, costs, budget)
    assert result.objective == pytest.approx(best, abs=1e-6)
    assert result.spent == pytest.approx(cheapest)
    assert result.spent <= budget + 1e-9


def test_plan_columns_add_up() -> None:
    result = allocate_from_gaps(frame([25.0, 3.0, -4.0]), "childcare", 2, 10.0)
    plan = result.plan
    assert plan["added_capacity"].tolist() == [20.0, 0.0, 0.0]
    assert plan["unmet_after"].tolist() == pytest.approx([5.0, 3.0, 0.0])
    assert result.objective == pytest.approx(8.0)
    assert result.unmet_before == pytest.approx(28.0)


def test_bad_inputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="没有服务"):
        allocate_from_gaps(frame([1.0]), "elderly_beds", 1, 10)
    with pytest.raises(InputError, match="整数"):
        allocate_from_gaps(frame([1.0]), "childcare", 1.5, 10)
    bad = tmp_path / "g.csv"
    bad.write_text("region,service\n1,childcare\n", encoding="utf-8")
    with pytest.raises(InputError, match="缺少列"):
        read_gaps(bad)


def test_cli_writes_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.cli.main import main

    gaps = tmp_path / "G.csv"
    frame([25.0, 3.0, 12.0]).assign(population=0, norm=0, demand=0, supply=0,
                                    coverage=0).to_csv(gaps, index=False)
    costs = tmp_path / "C.csv"
    pd.DataFrame({"region": ["A0", "A1", "A2"], "cost_per_site": [5.0, 1.0, 2.0]}).to_csv(
        costs, index=False)
    out = tmp_path / "P.csv"
    assert main(["services", "allocate", "--gaps", str(gaps), "--service", "childcare",
                 "--budget", "7", "--site-size", "10", "--cost-file", str(costs),
                 "--out", str(out)]) == 0
    plan = pd.read_csv(out)
    assert list(plan.columns) == OUTPUT
    # 7 buys one site in A0 (5) and one in A2 (2): unmet 15 + 3 + 2 = 20
    assert plan["added_sites"].tolist() == [1, 0, 1]
    assert "objective = 20.0000" in capsys.readouterr().out
