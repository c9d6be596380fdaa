"""Relative targets ("低于全市平均水平"): the model, the status rule and the reference value
taken from the same data, the parent plan's reports or a stated figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from renkou.plans import LAGGING, MET, MISSED, NO_DATA, Assessment, assess_plan, get_plan
from renkou.plans.assessment.relative import reference_areas, reference_value
from renkou.plans.assessment.status import assess_value
from renkou.plans.model.plan import Target
from renkou.plans.model.targets import TargetSpec, target_text
from renkou.plans.storage import REPORTED, MemoryTables
from renkou.types import FloatArray

from .fakes import TIANJIN, FakeData

XIQING = "120111"


def test_model_requires_a_reference_for_relative_comparators() -> None:
    with pytest.raises(ValidationError, match="reference"):
        Target(year=2025, comparator="below")
    with pytest.raises(ValidationError, match="reference"):
        Target(year=2025, comparator="le", value=5, reference="TJ14-HLT-03")
    with pytest.raises(ValidationError, match="来源"):
        Target(year=2025, comparator="below", reference="TJ14-HLT-03", value=4.2)
    t = Target(year=2025, comparator="below", reference="TJ14-HLT-03", value=4.2, note="公报")
    assert t.accepts(4.1) and not t.accepts(4.2)
    assert t.describe_zh("‰") == "低于TJ14-HLT-03同年值"


def test_status_of_a_relative_target() -> None:
    spec = TargetSpec(year=2025, comparator="below", value=5.0, reference_label="全市同年值")
    assert assess_value(spec, 2024, 4.0)[0] == MET
    assert assess_value(spec, 2024, 5.0)[0] == LAGGING  # 低于 is strict
    assert assess_value(spec, 2025, 6.0)[0] == MISSED
    above = TargetSpec(year=2025, comparator="above", value=5.0)
    assert assess_value(above, 2025, 6.0)[0] == MET
    unknown = TargetSpec(year=2025, comparator="below", reference_label="天津市同年值")
    status, reason, *_ = assess_value(unknown, 2024, 4.0)
    assert status == NO_DATA and "天津市同年值" in reason
    assert target_text(spec, "‰") == "低于全市同年值（5‰）"


class AreaMortality(FakeData):
    """Infant deaths differ by area: mortality ``mx`` everywhere, ``xiqing_mx`` in Xiqing."""

    def __init__(self, xiqing_mx: float) -> None:
        super().__init__(mx=0.02, births_per_age=0.06)
        self.xiqing_mx = xiqing_mx

    def deaths(self, year: int, area: str, caliber: str = "all") -> FloatArray:
        out = super().deaths(year, area, caliber)
        return np.asarray(out * (self.xiqing_mx / self.mx if area == XIQING else 1.0))


def _imr(plan_year: int, data: AreaMortality | None, reference: bool) -> Assessment:
    xq = get_plan("xiqing-14th")
    pa = assess_plan(xq, plan_year, data=data, reference_data=data if reference else None)
    return pa.by_code()["XQ14-HLT-03"]


def test_infant_mortality_below_the_city_value_computed_from_the_same_data() -> None:
    # Per area: infant deaths = 2 sexes × P/202 × mx; births = 0.06 × P/202 × 35 ages, so
    # IMR = 2·mx / 2.1 × 1000: 9.524‰ in Xiqing (mx 0.01) and 19.048‰ in the city.
    a = _imr(2024, AreaMortality(xiqing_mx=0.01), reference=True)
    assert a.value == pytest.approx(2 * 0.01 / 2.1 * 1000)
    assert a.status == MET
    assert a.target_text == "低于天津市同年值（19.05‰，库内计算）"
    # mx 0.03 in Xiqing: 28.57‰, above the city's 19.05‰ — a warning before 2025.
    worse = _imr(2024, AreaMortality(xiqing_mx=0.03), reference=True)
    assert worse.status == LAGGING
    assert worse.forward is None


def test_without_the_city_in_the_data_or_reports_there_is_no_reference() -> None:
    a = _imr(2024, AreaMortality(xiqing_mx=0.01), reference=False)
    assert a.status == NO_DATA
    assert "缺少天津市同年值" in a.reason


def _report(plan: str, code: str, area: str, year: int, value: float) -> dict[str, object]:
    return {"plan": plan, "indicator_code": code, "area": area, "year": year, "value": value,
            "unit": "1/10万", "nature": "年报正式数", "department": "wjw",
            "department_name": "卫健委", "reporter": "王五",
            "reported_on": dt.date(2025, 2, 1), "source_note": "", "note": "",
            "source_file": "f.xlsx", "source_row": 2,
            "imported_at": dt.datetime(2025, 2, 1, 9, 0)}


@pytest.mark.parametrize(("xiqing", "status"), [(0.0, MET), (11.8, LAGGING)])
def test_maternal_mortality_against_the_city_report_in_the_same_store(
        xiqing: float, status: str) -> None:
    store = MemoryTables()
    store.write_table(REPORTED, pd.DataFrame([
        _report("tianjin-14th", "TJ14-HLT-02", TIANJIN, 2024, 9.6),
        # a district's own report of the city plan's indicator is not the city's value
        _report("tianjin-14th", "TJ14-HLT-02", XIQING, 2024, 1.0),
        _report("xiqing-14th", "XQ14-HLT-02", XIQING, 2024, xiqing)]))
    pa = assess_plan(get_plan("xiqing-14th"), 2024, store=store)
    a = pa.by_code()["XQ14-HLT-02"]
    assert (a.value, a.status) == (xiqing, status)
    assert a.target_text == "低于天津市同年值（9.6/10万，部门填报）"


def test_a_stated_figure_is_the_last_resort() -> None:
    t = Target(year=2025, comparator="below", reference="TJ14-HLT-03", value=4.2,
               note="某年统计公报")
    assert reference_value(t, 2024, data=None, store=None) == (
        4.2, "天津市参照值", "某年统计公报")
    assert reference_areas(get_plan("xiqing-14th")) == {TIANJIN}
    assert reference_areas(get_plan("tianjin-14th")) == set()


@pytest.mark.slow
def test_a_district_store_takes_no_city_value_from_its_own_data(
        seeded_store_builder: Callable[..., Path], tmp_path: Path) -> None:
    """A district's own store holds no city: its data are not read as the city's, and with
    no city report the relative target has no reference."""
    from renkou.plans import evaluate_registry
    from renkou.registry import Registry

    db = seeded_store_builder(tmp_path, 2_000, 11, jurisdiction="xiqing")
    with Registry(db, read_only=True) as reg:
        assert reg.jurisdiction().code == XIQING
        pa = evaluate_registry(reg, get_plan("xiqing-14th"), 2024, forward=False)
    a = pa.by_code()["XQ14-HLT-03"]
    assert a.status == NO_DATA and a.target_text == "低于天津市同年值"
    assert "缺少天津市同年值" in a.reason
    # 外来人口居住证持有率 is computed in the district's store too.
    permits = pa.by_code()["XQ14-SRV-14"]
    assert permits.kind == "computed" and permits.value is not None
