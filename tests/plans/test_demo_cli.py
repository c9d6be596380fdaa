"""The three plans end to end on a small Tianjin demo store through the CLI: ``assess`` and
``report evaluate`` for Tianjin and Xiqing (plans the store serves), and Chongqing, whose
area the store does not hold: its computed indicators say 数据不足 with the reason, its
departments' reports (seeded here) still count."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from renkou.app.demo_reports import demo_values, seed_demo_plans
from renkou.cli.main import main
from renkou.plans import get_plan
from renkou.registry import Registry

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(seeded_store: Path) -> Path:
    return seeded_store


def _assess(store: Path, plan: str, out: Path) -> pd.DataFrame:
    assert main(["assess", "--plan", plan, "--year", "2024", "--db", str(store),
                 "--out", str(out), "--no-forward", "--scale", "auto"]) == 0
    return pd.read_excel(out, sheet_name="指标评估")


@pytest.mark.parametrize("plan", ["tianjin-14th", "xiqing-14th"])
def test_tianjin_and_xiqing_show_reported_and_computed_values(
        store: Path, plan: str, tmp_path: Path) -> None:
    table = _assess(store, plan, tmp_path / "a.xlsx").set_index("指标代码")
    reported = demo_values(plan).reported
    for code, by_year in reported.items():
        # An indicator of function zones the demo defines (示例 zones) is computed instead.
        if 2024 in by_year and code in table.index and table.loc[code, "类型"] == "填报":
            assert table.loc[code, "监测值"] == pytest.approx(by_year[2024]), code
    assert table["数据来源"].astype(str).str.contains("示范数据").any()
    zoned = [i.code for i in get_plan(plan).indicators if i.zones is not None]
    if plan == "tianjin-14th":  # the Tianjin demo's example zones are Tianjin's plan's
        assert (table.loc[zoned, "类型"] == "计算").all()
        assert table.loc[zoned, "数据来源"].str.contains("示例范围，非真实边界").all()
    else:
        assert (table.loc[zoned, "类型"] == "填报").all()
    computed = [i.code for i in get_plan(plan).computed_indicators()]
    assert table.loc[computed, "监测值"].notna().sum() >= len(computed) // 2


def test_chongqing_on_the_tianjin_demo_city_says_why(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A Tianjin demo store holds no Chongqing reports: add them to a copy.
    store = Path(shutil.copy(store, tmp_path / "with-cq.duckdb"))
    registry = Registry(store)
    try:
        seed_demo_plans(registry, 2024, ("chongqing-2016-2030",))
    finally:
        registry.close()
    table = _assess(store, "chongqing-2016-2030", tmp_path / "cq.xlsx").set_index("指标代码")
    out = capsys.readouterr().out
    assert "没有重庆市（500000）" in out
    computed = [i.code for i in get_plan("chongqing-2016-2030").computed_indicators()]
    assert table.loc[computed, "监测值"].isna().all()  # no zeros, no Tianjin numbers
    assessed = table.loc[[c for c in computed if table.loc[c, "评估结论"] != "仅监测"]]
    assert (assessed["评估结论"] == "数据不足").all()
    assert assessed["说明"].str.contains("没有重庆市（500000）").all()
    assert table.loc["CQ30-QUA-05", "评估结论"] == "已达标"
    html = tmp_path / "cq.html"
    assert main(["report", "evaluate", "--plan", "chongqing-2016-2030", "--year", "2024",
                 "--stage", "midterm", "--db", str(store), "--out", str(html),
                 "--trajectories", "20"]) == 0
    text = html.read_text(encoding="utf-8")
    assert "重点任务推进情况" in text and "新生儿疾病筛查率" in text
