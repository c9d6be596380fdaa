"""Migration formulas and the forward look on a registry ingested from the synthetic city's
feeds: 户籍迁入 and 流动人口 equal the generator's own truth; the Tianjin and Xiqing plans get
hukou, group and trend forward looks end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.plans.assessment.plan import evaluate_registry
from renkou.plans.formulas import engine as ind
from renkou.plans.formulas.registry_data import RegistryData
from renkou.plans.model.catalog import get_plan
from renkou.registry import Registry

pytestmark = pytest.mark.slow
XIQING = "120111"


@pytest.fixture(scope="module")
def city(ingested_city: tuple[object, Path]) -> tuple[object, Path]:
    return ingested_city


def _district(codes: pd.Series) -> np.ndarray:
    x = codes.fillna(0).to_numpy(dtype=np.int64)
    return np.where(x >= 100_000_000, x // 1000, x)  # streets → district; counties stay


def test_hukou_in_migration_equals_truth(city: tuple[object, Path]) -> None:
    c, db = city
    hukou: pd.DataFrame = c.hukou  # type: ignore[attr-defined]
    moved_in = hukou[hukou["start_kind"] == "in"]
    total = 0
    with Registry(db, read_only=True) as reg:
        data = RegistryData(reg)
        for year in range(2016, 2025):
            rows = moved_in[pd.DatetimeIndex(moved_in["start"]).year == year]
            to, frm = _district(rows["code"]), _district(rows["from_code"])
            for district in (XIQING, "120104", "120116"):
                want = int(((to == int(district)) & (frm != int(district))).sum())
                got = ind.compute(data, "hukou_in_migration", district, year).value * 1e4
                assert got == pytest.approx(want), (year, district)
                total += want
    assert total > 20


def test_floating_population_equals_truth(city: tuple[object, Path]) -> None:
    from renkou.registry.synth.truth import separation_at

    c, db = city
    with Registry(db, read_only=True) as reg:
        data = RegistryData(reg)
        for year in (2021, 2023):
            sep = separation_at(c, f"{year}-12-31")  # type: ignore[arg-type]
            sep = sep[(sep["region"].astype(str) == XIQING) & (sep["kind"] == "outside_city")]
            want = float(sep["value"].sum())
            got = ind.compute(data, "floating_population", XIQING, year).value * 1e4
            assert want > 0 and got == pytest.approx(want)


def test_plans_get_forward_looks_from_the_registry(city: tuple[object, Path]) -> None:
    _, db = city
    with Registry(db, read_only=True) as reg:
        tj = evaluate_registry(reg, get_plan("tianjin-14th"), 2023, trajectories=30)
        xq = evaluate_registry(reg, get_plan("xiqing-14th"), 2023, trajectories=30)
        stock = ind.compute(RegistryData(reg), "hukou_population", "120000", 2023).value
    a = tj.by_code()
    for code in ("TJ14-POP-02", "TJ14-HLT-01", "TJ14-DST-02", "TJ14-DST-04"):
        f = a[code].forward
        assert f is not None and f.kind == "projection", code
        assert f.projected_value is not None and f.probability is not None, code
    # The hukou projection starts from the registry's hukou stock at the end of 2023, and
    # 户籍人口净增长 in 2025 = the observed 2023 running total + the projected change.
    proj = tj.projection
    assert proj is not None
    p23, p25 = proj.value("hukou_population", 2023), proj.value("hukou_population", 2025)
    assert p23 is not None and p25 is not None
    assert p23 == pytest.approx(stock)
    net = a["TJ14-POP-02"]
    assert net.value is not None and net.forward is not None
    assert net.forward.projected_value == pytest.approx(net.value + p25 - p23)
    b = xq.by_code()
    for code in ("XQ14-POP-01", "XQ14-POP-02", "XQ14-POP-03", "XQ14-HLT-01"):
        f = b[code].forward
        assert f is not None and f.kind == "projection" and "户籍人口" in f.method, code
    for code in ("XQ14-POP-07", "XQ14-POP-08"):
        assert b[code].value is not None, code
        f = b[code].forward
        assert f is not None and f.kind == "trend" and "非人口预测" in f.method, code
