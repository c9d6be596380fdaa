"""Small pieces of the report's figures and numbers: year ticks of long plans and zeros that
are zero but for floating-point noise."""

from __future__ import annotations

import pytest

from renkou.reports.charts import year_ticks
from renkou.reports.docx_writer import _num, clean_zero


def test_a_fifteen_year_plan_gets_at_most_six_ticks_ending_at_the_target() -> None:
    ticks = year_ticks([*range(2015, 2025), 2030])
    assert ticks == [2015, 2018, 2021, 2024, 2027, 2030]


def test_a_short_plan_shows_every_year() -> None:
    assert year_ticks([2020, 2021, 2022, 2023, 2024, 2025]) == list(range(2020, 2026))


def test_the_target_year_is_always_a_tick() -> None:
    ticks = year_ticks([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026])
    assert ticks[0] == 2019 and ticks[-1] == 2026 and len(ticks) <= 6


@pytest.mark.parametrize("value", [9.313e-14, -2.2e-16, 0.0])
def test_floating_point_noise_prints_as_zero(value: float) -> None:
    assert clean_zero(value) == 0.0
    assert "e" not in _num(value)


def test_small_real_values_are_kept() -> None:
    assert clean_zero(0.004) == 0.004
