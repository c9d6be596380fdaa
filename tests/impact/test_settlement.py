"""Settlement (落户) in a resident-caliber assessment: the resident population does not
change, but the residents granted hukou become entitled to the hukou-conditioned subsidies —
the caseload of every scheme rises by the settled persons of its floor age alive in the year
times the scheme's cases per hukou holder of that age on the base date, and the budget by
those cases at the scheme's annual cost per case (hand computation from the registry's
counts and the same death rates)."""

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
from renkou.impact.subsidies import scheme_rates
from renkou.rules.caseload import budget_districts

pytestmark = pytest.mark.slow
AS_OF = dt.date(2024, 12, 31)
N = 10_000
YEAR = 2027
HORIZON = 2031


def survivors(mx: np.ndarray, first_step: int, steps: int) -> np.ndarray:
    """Of N persons aged 60–64 (equal sexes and ages) granted hukou in the middle of the
    year, those alive at the end of each year from then on: half a year of that year's death
    rate, then a whole year at each later age; S = exp(−m)."""
    out = np.zeros(steps - first_step)
    for sex in range(2):
        for age in range(60, 65):
            alive = N / 10 * np.exp(-0.5 * mx[first_step, sex, age])
            out[0] += alive
            for k, t in enumerate(range(first_step + 1, steps), start=1):
                alive *= np.exp(-mx[t, sex, min(age + k, mx.shape[-1] - 1)])
                out[k] += alive
    return out


def test_settlement_raises_hukou_caseloads(city_store: Path) -> None:
    with registry_at(city_store) as registry:
        jurisdiction = registry.jurisdiction()
        pop = registry.caliber(AS_OF, "resident", "district", by=("region",))
        area = str(pop.sort_values("value").iloc[-1]["region"])
        decision = parse_decision({
            "name": "落户试验", "base": {"as_of": AS_OF.isoformat(), "caliber": "resident"},
            "horizon": HORIZON,
            "shocks": [{"kind": "settlement", "region": area, "persons_per_year": N,
                        "from_year": YEAR, "to_year": YEAR,
                        "age_profile": [{"age_from": 60, "age_to": 64, "share": 1}]}]})
        result = assess(registry, decision, jurisdiction_norms(jurisdiction))
        rates, _ = scheme_rates(registry, AS_OF)
        hukou = registry.caliber(AS_OF, "hukou", level="district", by=("region", "age"))
        inputs = baseline_inputs(registry, list(jurisdiction.area_codes), 2024, HORIZON)
    assert rates, "the city's schemes must run on the store"
    hukou = hukou[hukou["region"].isin(set(budget_districts(jurisdiction)))]
    r = list(inputs.region_codes).index(area)
    alive = survivors(np.asarray(inputs.mx)[:, r], YEAR - 2025, HORIZON - 2024)
    whole = jurisdiction.code
    for key, rate in rates.items():
        holders = float(hukou.loc[hukou["age"] >= rate.floor, "value"].sum())
        per_holder = rate.caseload / holders  # cases per hukou holder of the floor age
        per_case = rate.cost / rate.caseload
        for year in range(2024, HORIZON + 1):
            for region in (area, whole):
                cases = result.value(year, region, f"caseload_{key}")
                money = result.value(year, region, f"budget_{key}")
                if year < YEAR:
                    assert cases == 0.0 and money == 0.0
                    continue
                hand = alive[year - YEAR] * per_holder
                assert hand > 0
                assert cases == pytest.approx(hand, rel=0.02)
                assert money == pytest.approx(hand * per_case, rel=0.02)
        # the baseline is the resident-rate caseload, untouched by the settlement
        other = next(c for c in inputs.region_codes if c != area)
        assert result.value(HORIZON, other, f"caseload_{key}") == 0.0
    for year in range(2024, HORIZON + 1):
        # residents granted hukou were residents already
        assert result.value(year, whole, "population") == 0.0
        assert result.value(year, whole, "settled", "scenario") == (N if year >= YEAR else 0)


def test_hukou_caliber_counts_the_settled_once(city_store: Path) -> None:
    """A hukou-caliber run has the settled persons among its projected population already;
    their caseload is not added a second time."""
    shock = {"kind": "settlement", "region": "120116", "persons_per_year": N,
             "from_year": YEAR, "to_year": YEAR,
             "age_profile": [{"age_from": 60, "age_to": 64, "share": 1}]}
    runs = {}
    with registry_at(city_store) as registry:
        norms = jurisdiction_norms(registry.jurisdiction())
        whole = registry.jurisdiction().code
        for caliber in ("resident", "hukou"):
            decision = parse_decision({
                "name": "落户试验", "base": {"as_of": AS_OF.isoformat(), "caliber": caliber},
                "horizon": YEAR, "shocks": [shock]})
            runs[caliber] = assess(registry, decision, norms)
    gained = runs["hukou"].value(YEAR, whole, "population")
    assert 0.98 * N < gained <= N  # the hukou population gains them, less any deaths
    assert runs["resident"].value(YEAR, whole, "population") == 0.0
    keys = [i[len("caseload_"):] for i in runs["hukou"].table["indicator"].unique()
            if i.startswith("caseload_")]
    assert keys
    for key in keys:
        res = runs["resident"].value(YEAR, whole, f"caseload_{key}")
        huk = runs["hukou"].value(YEAR, whole, f"caseload_{key}")
        assert huk == pytest.approx(res, rel=0.05)
