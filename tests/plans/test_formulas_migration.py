"""Migration formulas (流动人口, 户籍迁入, 净迁移) on hand-built data with known answers, and
on a small registry built by hand (the balancing equation against the records)."""

from __future__ import annotations

import pytest

from renkou.app.sample import SampledData, ScaleFactor
from renkou.errors import InputError
from renkou.plans import FormulaContext
from renkou.plans.formulas import engine as ind
from renkou.plans.model.catalog import get_plan

from .fakes import TIANJIN, FakeData

XIQING = "120111"



def value(formula: str, area: str = XIQING) -> float:
    return ind.compute(FakeData(), formula, area, 2024, FormulaContext()).value


def test_floating_population_is_separation_from_outside_the_city() -> None:
    people = FakeData()._pop(XIQING)
    # FakeData: 13 % of residents live away from a hukou outside the city, 20 % from a
    # hukou in another district (市辖区内人户分离, not floating).
    assert value("floating_population") == pytest.approx(0.13 * people / 1e4)
    sampled = SampledData(FakeData(), ScaleFactor(70.0, "resident", ""),
                          ScaleFactor(40.0, "hukou", ""))
    assert ind.compute(sampled, "floating_population", XIQING, 2024).value == pytest.approx(
        0.13 * people * 70 / 1e4)
    assert value("floating_population") / value("resident_population") * 100 == pytest.approx(
        value("floating_population_share"))


def test_hukou_in_migration_counts_moves_in() -> None:
    assert value("hukou_in_migration") == pytest.approx(0.01 * FakeData()._pop(XIQING) / 1e4)


def test_net_migration_is_the_balancing_item() -> None:
    d = FakeData()
    people = d._pop(TIANJIN)
    births = 0.06 * 35 / 202 * people
    deaths = 0.02 * people
    # FakeData's population is the same at both year ends: all change is natural increase,
    # offset by migration.
    assert value("net_migration", TIANJIN) == pytest.approx((deaths - births) / 1e4)


class Empty(FakeData):
    def _pop(self, area: str) -> float:
        return 0.0


@pytest.mark.parametrize("formula", ["floating_population", "hukou_in_migration",
                                     "net_migration"])
def test_no_people_no_value(formula: str) -> None:
    with pytest.raises(InputError):
        ind.compute(Empty(), formula, XIQING, 2024)


def test_plans_use_the_formulas() -> None:
    xq = {i.code: i for i in get_plan("xiqing-14th").indicators}
    cq = {i.code: i for i in get_plan("chongqing-2016-2030").indicators}
    assert (xq["XQ14-POP-07"].kind, xq["XQ14-POP-07"].formula) == ("computed",
                                                                   "floating_population")
    assert xq["XQ14-POP-08"].formula == "hukou_in_migration"
    assert cq["CQ30-POP-06"].formula == "net_migration"
    for i in (xq["XQ14-POP-07"], xq["XQ14-POP-08"], cq["CQ30-POP-06"]):
        assert ind.is_computable(i.formula)
