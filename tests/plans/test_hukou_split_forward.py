"""户籍 targets from the linked projection of hukou and non-hukou residents: Tianjin's
户籍人口净增长 gets a projected value and a probability from the split projection, which
starts from the registry's hukou stock and whose trajectories give the probability."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from renkou.plans.assessment.hukou_split import project_hukou_split
from renkou.plans.assessment.plan import evaluate_registry
from renkou.plans.formulas import engine as ind
from renkou.plans.formulas.registry_data import RegistryData
from renkou.plans.model.catalog import get_plan
from renkou.registry import Registry

pytestmark = pytest.mark.slow


def test_hukou_net_growth_is_projected_by_the_split(seeded_store: Path) -> None:
    with Registry(seeded_store, read_only=True) as reg:
        through = reg.data_through()
        assert through is not None
        year = through.year - 1
        data = RegistryData(reg)
        stock = ind.compute(data, "hukou_population", "120000", year).value
        split = project_hukou_split(data, reg, "120000", year, 2025, trajectories=60, seed=3)
        assessed = evaluate_registry(reg, get_plan("tianjin-14th"), year, trajectories=60)
    # The split starts from the registry's hukou stock (万人) and carries trajectories.
    assert split.value("hukou_population", year) == pytest.approx(stock)
    assert "联动" in split.method and "落户率" in split.method
    samples = split.samples("hukou_population", 2025)
    assert samples is not None and samples.size == 60
    medium = split.value("hukou_population", 2025)
    assert medium is not None and samples.min() < medium * 1.001 and samples.max() > medium * 0.999
    net = assessed.by_code()["TJ14-POP-02"]  # 户籍人口净增长 累计 ≥ 80 万
    f = net.forward
    assert f is not None and f.kind == "projection"
    assert "联动" in f.method
    assert f.projected_value is not None and f.probability is not None
    proj = assessed.projection
    assert proj is not None
    p0, p25 = proj.value("hukou_population", year), proj.value("hukou_population", 2025)
    assert p0 is not None and p25 is not None and net.value is not None
    assert f.projected_value == pytest.approx(net.value + p25 - p0)
    # The probability is the share of trajectories whose running total reaches the target.
    traj = proj.samples("hukou_population", 2025)
    assert traj is not None
    want = float(np.mean(net.value + traj - p0 >= 80.0))
    assert f.probability == pytest.approx(want)
