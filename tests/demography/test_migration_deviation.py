"""Additive migration deviations: the engine adds migration_add × migration_pattern to net
migration exactly, and migration_bounds set their SD by year and region."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.demography.migration_profile import deviation_pattern
from renkou.demography.projection import project
from renkou.demography.stochastic import StochasticSettings, simulate_indicators
from renkou.projection.bounds import MIGRATION_PHI, calibrated_settings
from renkou.projection.io import load_projection

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "project_sample"
Z80, Z95 = 1.2815515655446004, 1.959963984540054


def test_engine_adds_the_deviation_like_more_net_migration() -> None:
    inputs = load_projection(SAMPLE).inputs
    assert inputs.net_migration is not None
    pattern = deviation_pattern(inputs.net_migration, inputs.n_regions, inputs.n_ages)
    np.testing.assert_allclose(pattern.sum(axis=(-1, -2)), 1.0)
    add = np.linspace(-500.0, 800.0, inputs.steps)[:, None] * np.ones(inputs.n_regions)
    with_add = project(dataclasses.replace(inputs, migration_add=add,
                                           migration_pattern=pattern))
    folded = project(dataclasses.replace(
        inputs, net_migration=inputs.net_migration + add[..., None, None] * pattern))
    np.testing.assert_allclose(with_add.population, folded.population, rtol=1e-10)
    zero = project(dataclasses.replace(inputs, migration_add=np.zeros_like(add),
                                       migration_pattern=pattern))
    np.testing.assert_allclose(zero.population, project(inputs).population, rtol=1e-12)
    with pytest.raises(ValueError, match="go together"):
        project(dataclasses.replace(inputs, migration_add=add))


def test_migration_bounds_set_the_sd_by_year_and_region(tmp_path: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(SAMPLE, src)
    inputs = load_projection(src).inputs
    code = inputs.region_codes[0]
    base = inputs.base_year
    rows = [(base, "*", 1000.0), (base + 2, "*", 3000.0), (base + 1, code, 100.0)]
    pd.DataFrame([{"year": y, "region": r, "lower80": -Z80 * sd, "upper80": Z80 * sd,
                   "lower95": -Z95 * sd, "upper95": Z95 * sd} for y, r, sd in rows]
                 ).to_csv(src / "migration_bounds.csv", index=False)
    st, notes = calibrated_settings(src, inputs)
    assert st is not None and st.migration_sd is not None and "migration_bounds" in notes[0]
    assert st.migration_phi == MIGRATION_PHI
    sd = st.migration_sd
    np.testing.assert_allclose(sd[:, 0], 100.0)  # the region's own row, held
    if inputs.n_regions > 1:
        np.testing.assert_allclose(sd[:3, 1], [1000.0, 2000.0, 3000.0])
        np.testing.assert_allclose(sd[3:, 1], 3000.0)


def test_additive_deviation_widens_a_region_without_net_migration() -> None:
    inputs = load_projection(SAMPLE).inputs
    assert inputs.net_migration is not None
    flat = dataclasses.replace(inputs, net_migration=np.zeros_like(inputs.net_migration))
    base = simulate_indicators(flat, 200, seed=2)
    sd = np.full((inputs.steps, inputs.n_regions), 2000.0)
    wide = simulate_indicators(flat, 200, seed=2, settings=StochasticSettings(migration_sd=sd))

    def width(ind: dict[str, np.ndarray]) -> float:
        q = np.quantile(ind["total"][:, -1].sum(axis=-1), [0.1, 0.9])
        return float(q[1] - q[0])

    assert width(wide) > width(base) + 1000.0  # the relative deviation of zero is zero
    np.testing.assert_allclose(np.median(wide["total"][:, -1].sum(axis=-1)),
                               np.median(base["total"][:, -1].sum(axis=-1)), rtol=0.02)
