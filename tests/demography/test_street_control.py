"""Streets fitted to their districts: exact sums in every cell, each street's share of its
district kept, and the fallback when the streets hold nobody in a cell."""

from __future__ import annotations

import numpy as np
import pytest

from renkou.demography.projection import ProjectionInputs, ProjectionResult
from renkou.projection.control import control_to_parents, parent_index


def _result(pop: np.ndarray, codes: tuple[str, ...]) -> ProjectionResult:
    y1, r, _, a = pop.shape
    inputs = ProjectionInputs(base_year=2020, end_year=2020 + y1 - 1, population=pop[0],
                              asfr=np.zeros((y1 - 1, r, 35)), mx=np.full((y1 - 1, r, 2, a), .01),
                              srb=np.full((y1 - 1, r), 1.05), region_codes=codes)
    rng = np.random.default_rng(len(codes))
    return ProjectionResult(years=np.arange(2020, 2020 + y1), population=pop,
                            births=rng.uniform(1, 5, (y1 - 1, r, 2)),
                            deaths=rng.uniform(0, 2, (y1 - 1, r, 2, a)), inputs=inputs)


def test_parent_index_by_code_prefix() -> None:
    assert parent_index(("120101001", "120102003", "120101002"),
                        ("120101", "120102")).tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="不属于"):
        parent_index(("130101001",), ("120101",))


def test_streets_sum_to_districts_and_keep_their_shares() -> None:
    rng = np.random.default_rng(1)
    streets = rng.uniform(0, 100, (4, 3, 2, 60))
    streets[:, 2, 1, 5] = 0.0  # street 2 empty in one cell …
    streets[:, 0, 1, 5] = 0.0  # … and so is its district's other street
    districts = rng.uniform(50, 200, (4, 2, 2, 60))
    child = _result(streets, ("1001", "2001", "1002"))
    parent = _result(districts, ("1", "2"))
    mapping = parent_index(child.inputs.region_codes, parent.inputs.region_codes)
    fitted = control_to_parents(child, parent, mapping)
    for d, members in ((0, [0, 2]), (1, [1])):
        np.testing.assert_allclose(fitted.population[:, members].sum(axis=1),
                                   districts[:, d])
        np.testing.assert_allclose(fitted.births[:, members].sum(axis=1), parent.births[:, d])
        np.testing.assert_allclose(fitted.deaths[:, members].sum(axis=1), parent.deaths[:, d])
    share = streets[:, 0, 0, 30] / (streets[:, 0, 0, 30] + streets[:, 2, 0, 30])
    np.testing.assert_allclose(fitted.population[:, 0, 0, 30] / districts[:, 0, 0, 30], share)
    # The empty cell is shared by the streets' total populations of the year.
    tot = streets.sum(axis=(2, 3))
    np.testing.assert_allclose(fitted.population[:, 0, 1, 5] / districts[:, 0, 1, 5],
                               tot[:, 0] / (tot[:, 0] + tot[:, 2]))
