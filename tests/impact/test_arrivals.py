"""Done-when: one arrivals shock of N persons aged 60–64 into one area changes the projected
population by N less their deaths (a hand life table from the same death rates), changes
nothing before the arrival year, and raises service demand by the norms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from renkou.app.services import jurisdiction_norms
from renkou.app.stores import registry_at
from renkou.impact.baseline import baseline_inputs
from renkou.impact.decision import parse_decision
from renkou.impact.run import assess

pytestmark = pytest.mark.slow
N = 10_000
ARRIVAL = 2027
HORIZON = 2033


def hand_survivors(mx: np.ndarray, first_step: int, steps: int) -> np.ndarray:
    """Survivors at the end of each year from the arrival year on, of N persons aged 60–64
    (equal sexes, equal ages) arriving mid-year: half a year of the arrival year's death
    rate at their age, then a whole year at each later age; S(x) = exp(−m)."""
    out = np.zeros(steps - first_step)
    for sex in range(2):
        for age in range(60, 65):
            alive = N / 10 * np.exp(-0.5 * mx[first_step, sex, age])
            out[0] += alive
            a = age
            for k, t in enumerate(range(first_step + 1, steps), start=1):
                # the cohort is about half a year older at each year end than at arrival
                a += 1
                alive *= np.exp(-mx[t, sex, min(a, mx.shape[-1] - 1)])
                out[k] += alive
    return out


def test_arrivals_of_older_people(district_store: Path) -> None:
    with registry_at(district_store) as registry:
        jurisdiction = registry.jurisdiction()
        pop = registry.caliber(dt.date(2024, 12, 31), "resident", "street", by=("region",))
        area = str(pop.sort_values("value").iloc[-1]["region"])
        decision = parse_decision({
            "name": "试验", "base": {"as_of": "2024-12-31"}, "horizon": HORIZON,
            "shocks": [{"kind": "arrivals", "region": area, "schedule": {ARRIVAL: N},
                        "age_profile": [{"age_from": 60, "age_to": 64, "share": 1}]}]})
        norms = jurisdiction_norms(jurisdiction)
        result = assess(registry, decision, norms, subsidies=False)
        inputs = baseline_inputs(registry, list(jurisdiction.area_codes), 2024, HORIZON)
    whole = jurisdiction.code
    r = list(inputs.region_codes).index(area)
    expected = hand_survivors(np.asarray(inputs.mx)[:, r], ARRIVAL - 2025, HORIZON - 2024)
    for year in range(2024, HORIZON + 1):
        diff = result.value(year, whole, "population")
        if year < ARRIVAL:
            assert diff == 0.0
            assert result.value(year, area, "demand_elderly_beds") == 0.0
            continue
        hand = expected[year - ARRIVAL]
        assert diff == pytest.approx(hand, rel=0.02)
        assert diff < N  # some of them died
        assert result.value(year, area, "population") == pytest.approx(diff)
    # deaths among them are the difference in deaths; no births (all past 49)
    assert result.value(HORIZON, whole, "births") == pytest.approx(0.0, abs=1e-6)
    died = sum(result.value(y, whole, "deaths") for y in range(ARRIVAL, HORIZON + 1))
    assert N - died == pytest.approx(result.value(HORIZON, whole, "population"), rel=1e-9)
    # service demand rises by the norms: 30 beds per 1,000 aged 60+, and the 60+ gained
    old = result.value(HORIZON, area, "pop_60p")
    assert old == pytest.approx(result.value(HORIZON, area, "population"))
    beds = norms["elderly_beds"].at(dt.date(HORIZON, 12, 31))
    assert result.value(HORIZON, area, "demand_elderly_beds") == pytest.approx(beds * old / 1000)
    assert result.value(HORIZON, area, "gap_elderly_beds") == pytest.approx(beds * old / 1000)
    assert result.value(HORIZON, area, "demand_childcare") == pytest.approx(
        norms["childcare"].at(dt.date(HORIZON, 12, 31)) * old / 1000)
    assert result.value(HORIZON, area, "demand_kindergarten") == pytest.approx(0.0, abs=1e-9)
