"""Service norms: dated values with their sources, and the policy cases in the package."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import pytest
import yaml

from renkou.errors import NotInForceError
from renkou.jurisdictions import jurisdictions
from renkou.services.demand import norm_demand
from renkou.services.norms import load_norms

CASES: list[dict[str, Any]] = yaml.safe_load(
    resources.files("renkou.services").joinpath("data/cases/norm_cases.yaml")
    .read_text(encoding="utf-8"))["cases"]
REQUIRED = {"childcare", "kindergarten", "compulsory", "elderly_beds",
            "nursing_beds", "community_facility", "community_health", "elderly_circle"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_policy_case(case: dict[str, Any]) -> None:
    lib = load_norms(case["jurisdiction"])
    norm = lib[case["service"]]
    when = case["date"]
    if "error" in case:
        with pytest.raises(NotInForceError, match=case["error"]):
            norm.at(when)
        return
    entry = norm.entry_at(when)
    got = norm_demand(norm, entry.value, float(case["population"]),
                      household_size=lib.household_size,
                      parent_supply=float(case.get("parent_supply", 0)))
    assert got == pytest.approx(case["demand"])
    if "source_contains" in case:
        assert case["source_contains"] in entry.source


def test_every_jurisdiction_has_the_required_norms_with_sources() -> None:
    for key in jurisdictions():
        lib = load_norms(key)
        assert REQUIRED <= set(lib.norms), key
        for norm in lib.norms.values():
            for v in norm.values:
                assert v.source and (v.quote or v.summary)


def test_plan_wording_is_quoted_and_national_norms_cite_their_number() -> None:
    tj = load_norms("tianjin")
    assert tj["childcare"].at(dt.date(2025, 1, 1)) == 4.5
    assert "4.5个" in tj["childcare"].entry_at(dt.date(2025, 1, 1)).quote
    assert tj["nursing_beds"].at(dt.date(2025, 1, 1)) == 0.60
    national = load_norms("national")
    assert "GB 50180" in national["elderly_circle"].values[0].source
    assert "〔2006〕96号" in national["community_health"].values[0].source
    # the district inherits the city's nursing-bed share and has its own 15-minute circle
    xq = load_norms("xiqing")
    assert xq["nursing_beds"].values == tj["nursing_beds"].values
    assert "15分钟养老服务圈" in xq["elderly_circle"].values[-1].quote


def test_area_norms_put_shares_after_their_base() -> None:
    norms = load_norms("tianjin").area_norms(dt.date(2024, 12, 31))
    names = [n.service for n in norms]
    assert "childcare_new_area" not in names
    assert names.index("nursing_beds") > names.index("elderly_beds")
