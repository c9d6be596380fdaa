"""The plan commands say how totals were scaled on a down-scaled store (总量折算系数): the
resident factor and the hukou factor from a published hukou total, each with its basis, and
``indicators compute`` applies the hukou factor to hukou totals. A store built by the
synthesiser is a sample and is scaled without asking; ``--scale`` overrides."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from renkou.app.sample import hukou_scale, resident_scale
from renkou.cli.main import main

pytestmark = pytest.mark.slow

XIQING = "120111"


@pytest.fixture(scope="module")
def store(seeded_store: Path) -> Path:
    return seeded_store


@pytest.fixture(scope="module")
def factors(store: Path) -> tuple[float, float]:
    """(resident, hukou) factors of 西青区 as the plans layer computes them (base year 2020)."""
    from renkou.registry import Registry

    registry = Registry(store, read_only=True)
    try:
        resident = resident_scale(registry, XIQING)
        return resident.value, hukou_scale(registry, XIQING, 2020, resident).value
    finally:
        registry.close()


def _factor_lines(out: str) -> dict[str, float]:
    found = re.findall(r"(常住|户籍)人口类总量指标按折算系数([0-9.]+)换算", out)
    return {kind: float(value) for kind, value in found}


def test_factors_differ_on_the_demo_city(factors: tuple[float, float]) -> None:
    """Otherwise the tests below could not tell the two factors apart."""
    resident, hukou = factors
    assert resident > 1 and hukou > 1
    assert abs(resident - hukou) / resident > 0.1


def test_assess_prints_both_factors(store: Path, factors: tuple[float, float],
                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--plan", "xiqing-14th", "--year", "2024", "--db", str(store),
                 "--out", str(tmp_path / "a.csv"), "--no-forward", "--scale", "auto"]) == 0
    out = capsys.readouterr().out
    lines = _factor_lines(out)
    assert lines["常住"] == pytest.approx(factors[0], abs=0.006)
    assert lines["户籍"] == pytest.approx(factors[1], abs=0.006)
    assert "公布的2020年末户籍人口46.59万" in out  # the basis, with the published figure
    assert "七普常住人口÷库内常住人口" not in out  # the old single resident-factor line


def test_a_sampled_store_is_scaled_without_asking_and_scale_1_reads_real_counts(
        store: Path, factors: tuple[float, float], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The store says it is a sample (built by the synthesiser): without --scale its totals
    are scaled by both factors; --scale 1 reads the store as real counts, with no factor."""
    assert main(["assess", "--plan", "xiqing-14th", "--year", "2024", "--db", str(store),
                 "--out", str(tmp_path / "a.csv"), "--no-forward"]) == 0
    out = capsys.readouterr().out
    lines = _factor_lines(out)
    assert lines["常住"] == pytest.approx(factors[0], abs=0.006)
    assert lines["户籍"] == pytest.approx(factors[1], abs=0.006)
    assert "示范数据" in out
    assert main(["assess", "--plan", "xiqing-14th", "--year", "2024", "--db", str(store),
                 "--out", str(tmp_path / "a.csv"), "--no-forward", "--scale", "1"]) == 0
    out = capsys.readouterr().out
    assert _factor_lines(out) == {} and "提示" not in out


def test_assess_of_an_uncovered_plan_says_so_and_scales_nothing(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--plan", "chongqing-2016-2030", "--year", "2024", "--db",
                 str(store), "--out", str(tmp_path / "a.csv"), "--no-forward",
                 "--scale", "auto"]) == 0
    out = capsys.readouterr().out
    assert "没有重庆市（500000）的常住或户籍人口记录" in out
    assert _factor_lines(out) == {}


def test_report_prints_both_factors(store: Path, factors: tuple[float, float],
                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "evaluate", "--plan", "xiqing-14th", "--year", "2024", "--db",
                 str(store), "--out", str(tmp_path / "r.html"), "--trajectories", "0",
                 "--scale", "auto"]) == 0
    lines = _factor_lines(capsys.readouterr().out)
    assert lines["常住"] == pytest.approx(factors[0], abs=0.006)
    assert lines["户籍"] == pytest.approx(factors[1], abs=0.006)


def _computed(out: str, formula: str) -> float:
    m = re.search(rf"（{formula}）：([-0-9.e+]+) 万人", out)
    assert m, out
    return float(m.group(1))


def test_indicators_compute_scales_hukou_totals_by_the_hukou_factor(
        store: Path, factors: tuple[float, float], capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.plans import RegistryData
    from renkou.registry import Registry

    assert main(["indicators", "compute", "--year", "2024", "--area", XIQING, "--plan",
                 "xiqing-14th", "--formula", "hukou_population", "--formula",
                 "resident_population", "--db", str(store), "--scale", "auto"]) == 0
    out = capsys.readouterr().out
    assert set(_factor_lines(out)) == {"常住", "户籍"}
    registry = Registry(store, read_only=True)
    try:
        data = RegistryData(registry)
        end = dt.date(2024, 12, 31)
        hukou = float(data.population(end, "hukou", XIQING).sum())
        resident = float(data.population(end, "resident", XIQING).sum())
    finally:
        registry.close()
    # Printed with 4 significant digits.
    assert _computed(out, "hukou_population") == pytest.approx(hukou * factors[1] / 1e4,
                                                               rel=1e-3)
    assert _computed(out, "resident_population") == pytest.approx(
        resident * factors[0] / 1e4, rel=1e-3)


def test_indicators_compute_with_a_given_factor_uses_it_for_both(
        store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", "compute", "--year", "2024", "--area", XIQING, "--formula",
                 "hukou_population", "--db", str(store), "--scale", "10"]) == 0
    out = capsys.readouterr().out
    assert "总量指标按指定的折算系数10换算" in out
    assert _computed(out, "hukou_population") > 0


def test_indicators_compute_of_a_plan_computes_group_indicators_for_their_group(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """TJ14-DST-05 外围五区城镇化率 is ``urbanisation_rate`` of the group group:outer: printed
    once for the group (beside the city's own line), equal to the assessment's value."""
    assert main(["indicators", "compute", "--year", "2024", "--area", "120000", "--plan",
                 "tianjin-14th", "--db", str(store)]) == 0
    out = capsys.readouterr().out
    city = re.findall(r"（urbanisation_rate）：([0-9.]+) %", out)
    outer = re.findall(r"（urbanisation_rate，group:outer）：([0-9.]+) %", out)
    assert len(city) == 1 and len(outer) == 1
    assert main(["assess", "--plan", "tianjin-14th", "--year", "2024", "--db", str(store),
                 "--out", str(tmp_path / "a.csv"), "--no-forward"]) == 0
    table = pd.read_csv(tmp_path / "a.csv", dtype={"指标代码": str}).set_index("指标代码")
    assert float(outer[0]) == pytest.approx(table.loc["TJ14-DST-05", "监测值"], rel=1e-3)
    assert float(city[0]) == pytest.approx(table.loc["TJ14-DST-01", "监测值"], rel=1e-3)
    assert float(outer[0]) != pytest.approx(float(city[0]), rel=1e-3)
