"""Whipple, Myers and Sprague/Beers graduation against known values."""

from __future__ import annotations

import numpy as np
import pytest

from renkou.demography.agequality import (
    assess_age_data,
    graduate,
    graduate_abridged,
    graduation_matrix,
    group_five,
    myers_index,
    whipple_index,
)

AGES = np.arange(101)

# US Census Bureau DAPPS spreadsheet Johnson_2016_BEERSP.XLS, males (as quoted in the
# DemoTools test suite): 5-year groups 0-4 … 75-79 and 80+.
JOHNSON_GROUPS = np.array([752124, 582662, 463534, 369976, 286946, 235867, 199561, 172133,
                           151194, 131502, 113439, 95614, 78777, 60157, 40960, 21318, 25451],
                          dtype=float)
# Spreadsheet output for ages 1 and 9–12 (ages 0 and 2–8 carry the Johnson under-10
# adjustment, which is not ordinary Beers).
JOHNSON_SINGLE = {1: 158163, 9: 105733, 10: 101088, 11: 96719, 12: 92551}


def test_whipple_extremes() -> None:
    heaped = np.where(AGES % 5 == 0, 1000.0, 0.0)
    flat = np.full(101, 1000.0)
    assert whipple_index(heaped, AGES) == pytest.approx(500.0)
    assert whipple_index(flat, AGES) == pytest.approx(100.0)
    only_zero = np.where(AGES % 10 == 0, 1000.0, 0.0)
    assert whipple_index(only_zero, AGES, digits=(0,)) == pytest.approx(1000.0)
    assert whipple_index(flat, AGES, digits=(0,)) == pytest.approx(100.0)


def test_whipple_partial_heaping_by_hand() -> None:
    # Ages ending in 0/5 reported twice as often: in 23–62 there are 8 such ages out of 40,
    # so the index is 5 × 16 / (16 + 32) × 100 = 166.67.
    counts = np.where(AGES % 5 == 0, 2.0, 1.0)
    assert whipple_index(counts, AGES) == pytest.approx(500.0 / 3.0, abs=1e-9)


def test_whipple_vectorised_over_leading_axes() -> None:
    counts = np.stack([np.full(101, 5.0), np.where(AGES % 5 == 0, 5.0, 0.0)])
    np.testing.assert_allclose(whipple_index(counts, AGES), [100.0, 500.0])


def test_myers_extremes_and_hand_value() -> None:
    assert myers_index(np.full(101, 7.0), AGES) == pytest.approx(0.0, abs=1e-12)
    one_digit = np.where(AGES % 10 == 3, 100.0, 0.0)
    assert myers_index(one_digit, AGES) == pytest.approx(90.0)
    # A linearly declining population has no heaping: the blending removes the decline.
    assert myers_index(np.linspace(5000.0, 100.0, 101), AGES) == pytest.approx(0.0, abs=1e-9)
    # Digit 0 doubled in a flat population: shares 2/11 and 1/11, index = 90/11.
    doubled = np.where(AGES % 10 == 0, 2.0, 1.0)
    assert myers_index(doubled, AGES) == pytest.approx(90.0 / 11.0, abs=1e-9)


def test_myers_rejects_partial_decades() -> None:
    with pytest.raises(ValueError):
        myers_index(np.ones(101), AGES, age_min=10, age_max=84)


def test_beers_ordinary_reproduces_census_bureau_spreadsheet() -> None:
    single = graduate(JOHNSON_GROUPS, "beers-ordinary")
    for age, expected in JOHNSON_SINGLE.items():
        # The spreadsheet prints whole numbers: allow rounding of the last digit.
        assert single[age] == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize(("method", "degree"),
                         [("sprague", 3), ("beers-ordinary", 3), ("beers-modified", 2)])
def test_graduation_exact_for_low_degree_polynomials(method: str, degree: int) -> None:
    # Sprague and ordinary Beers reproduce cubics in single ages exactly; modified Beers
    # trades exactness for smoothness and only reproduces quadratics.
    x = np.arange(60, dtype=float)
    coefs = [5000.0, -40.0, 1.5, -0.02, 0.0004]
    exact = np.sum([c * x**k for k, c in enumerate(coefs[: degree + 1])], axis=0)
    single = graduate(exact.reshape(12, 5).sum(axis=1), method,  # type: ignore[arg-type]
                      open_group=False)
    np.testing.assert_allclose(single, exact, atol=1e-6)
    # One degree more is beyond the formula — the check above can fail.
    beyond = exact + coefs[degree + 1] * x ** (degree + 1)
    assert np.abs(graduate(beyond.reshape(12, 5).sum(axis=1), method,  # type: ignore[arg-type]
                           open_group=False) - beyond).max() > 1e-3


@pytest.mark.parametrize("method", ["sprague", "beers-ordinary"])
def test_interpolating_formulas_preserve_group_totals(method: str) -> None:
    single = graduate(JOHNSON_GROUPS, method)  # type: ignore[arg-type]
    assert single.shape == (81,)
    np.testing.assert_allclose(group_five(single), JOHNSON_GROUPS, rtol=1e-12)
    assert single[-1] == JOHNSON_GROUPS[-1]


def test_modified_beers_smooths_unless_asked_to_preserve() -> None:
    raw = graduate(JOHNSON_GROUPS, "beers-modified")
    assert raw.sum() == pytest.approx(JOHNSON_GROUPS.sum(), rel=1e-12)
    assert np.abs(group_five(raw) - JOHNSON_GROUPS).max() > 100.0
    kept = graduate(JOHNSON_GROUPS, "beers-modified", preserve_totals=True)
    np.testing.assert_allclose(group_five(kept), JOHNSON_GROUPS, rtol=1e-12)


def test_nonnegative_keeps_group_totals() -> None:
    # A steep fall at the oldest ages makes Sprague go negative in the last closed group.
    groups = np.array([100.0, 90, 80, 70, 60, 50, 40, 30, 5, 0.2, 1.0])
    raw = graduate(groups, "sprague")
    assert raw.min() < 0
    fixed = graduate(groups, "sprague", nonnegative=True)
    assert fixed.min() >= 0
    np.testing.assert_allclose(group_five(fixed), groups, rtol=1e-12)


def test_matrix_layout_and_vectorisation() -> None:
    mat = graduation_matrix(17, "sprague")
    assert mat.shape == (81, 17)
    # Every closed group's five rows add to one on that group and zero elsewhere.
    sums = mat[:-1].reshape(16, 5, 17).sum(axis=1)
    np.testing.assert_allclose(sums, np.eye(17)[:16], atol=1e-12)
    stacked = np.stack([JOHNSON_GROUPS, 2 * JOHNSON_GROUPS])
    out = graduate(stacked, "sprague")
    np.testing.assert_allclose(out[1], 2 * out[0])
    with pytest.raises(ValueError):
        graduation_matrix(5, "sprague")


def test_abridged_groups_keep_age_0_and_1_to_4() -> None:
    abridged = np.concatenate([[184499.0, 752124.0 - 184499.0], JOHNSON_GROUPS[1:]])
    single = graduate_abridged(abridged)
    assert single[0] == pytest.approx(184499.0)
    assert single[1:5].sum() == pytest.approx(752124.0 - 184499.0)
    np.testing.assert_allclose(group_five(single)[1:], JOHNSON_GROUPS[1:], rtol=1e-12)
    assert np.all(single >= 0)


def test_assessment_and_un_rating() -> None:
    flat = np.full(101, 1000.0)
    q = assess_age_data(flat, AGES)
    assert (q.whipple, q.rating) == (pytest.approx(100.0), "高度准确")
    rough = np.where(AGES % 5 == 0, 2.0, 1.0)  # Whipple 166.7
    assert assess_age_data(rough, AGES).rating == "粗略"
    assert assess_age_data(np.where(AGES % 5 == 0, 1.0, 0.0), AGES).rating == "很粗略"
