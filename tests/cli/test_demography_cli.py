"""``renkou demography``: rates, life tables, age-data quality and Lee–Carter on the command
line, checked against the registry's own counts and against each other."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main
from renkou.registry import Registry

WPP = Path(__file__).resolve().parents[1] / "data" / "wpp2024"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from renkou.registry.synth import build_demo_store

    db = tmp_path_factory.mktemp("demog") / "store.duckdb"
    build_demo_store(db, 3_000, 11)
    return db


@pytest.mark.slow
def test_rates_match_the_registry_counts(store: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    reg = Registry(store, read_only=True)
    through = reg.data_through()
    assert through is not None
    year = through.year - 1
    out = tmp_path / "r.csv"
    rc, stdout, _ = _run(["demography", "rates", "--db", str(store), "--year", str(year),
                          "--out", str(out)], capsys)
    assert rc == 0 and "总和生育率" in stdout
    df = pd.read_csv(out, dtype={"region": str})
    assert list(df.columns) == ["region", "indicator", "sex", "age", "value"]
    jur = reg.jurisdiction()
    assert set(df.region) <= set(jur.area_codes)
    flat = df[df.age.isna()].set_index(["region", "indicator"])["value"]
    births = reg.births(dt.date(year, 1, 1), dt.date(year, 12, 31))
    deaths = reg.deaths(dt.date(year, 1, 1), dt.date(year, 12, 31))
    end = reg.caliber(dt.date(year, 12, 31), "resident")
    start = reg.caliber(dt.date(year - 1, 12, 31), "resident")
    for code in df.region.unique():
        b = births[births.region == code].value.sum()
        d = deaths[deaths.region == code].value.sum()
        p0, p1 = start[start.region == code].value.sum(), end[end.region == code].value.sum()
        assert flat[(code, "births")] == b and flat[(code, "deaths")] == d
        assert flat[(code, "population_end")] == p1
        assert flat[(code, "cbr")] == pytest.approx(1000 * b / ((p0 + p1) / 2))
        asfr = df[(df.region == code) & (df.indicator == "asfr")]
        if (code, "tfr") in flat.index:
            assert flat[(code, "tfr")] == pytest.approx(asfr.value.sum())
        if b > 0:
            infant = deaths[(deaths.region == code) & (deaths.age == 0)].value.sum()
            assert flat[(code, "imr")] == pytest.approx(1000 * infant / b)
    mx = df[df.indicator == "mx"]
    assert set(mx.sex) == {"male", "female"} and mx.age.max() <= 100
    # The whole jurisdiction is one area at level city, with all the districts' births.
    city = tmp_path / "c.csv"
    assert _run(["demography", "rates", "--db", str(store), "--year", str(year),
                 "--level", "city", "--out", str(city)], capsys)[0] == 0
    c = pd.read_csv(city, dtype={"region": str})
    assert set(c.region) == {jur.code}
    assert c[c.indicator == "births"].value.sum() == flat.xs("births", level=1).sum()


@pytest.mark.slow
def test_rates_refuse_a_year_after_the_data(store: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    through = Registry(store, read_only=True).data_through()
    assert through is not None
    rc, _, err = _run(["demography", "rates", "--db", str(store), "--year",
                       str(through.year + 1), "--out", str(tmp_path / "r.csv")], capsys)
    assert rc != 0 and "库内数据截至" in err


@pytest.mark.slow
def test_quality_reports_heaping_for_the_jurisdiction_and_areas(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = Registry(store, read_only=True)
    as_of = reg.data_through()
    assert as_of is not None
    out = tmp_path / "q.csv"
    rc, stdout, _ = _run(["demography", "quality", "--db", str(store), "--as-of",
                          as_of.isoformat(), "--out", str(out)], capsys)
    assert rc == 0 and "惠普尔" in stdout
    q = pd.read_csv(out, dtype={"region": str, "sex": str}, keep_default_na=False)
    code = reg.jurisdiction().code
    assert code in set(q.region)
    whole = q[(q.region == code) & (q.age == "")].set_index("measure")["value"]
    # The synthetic city draws ages without digit preference: Whipple near 100, Myers small.
    assert 85 < float(whole["whipple"]) < 115 and float(whole["myers"]) < 10
    pop = reg.caliber(as_of, "resident", level="city")
    m = pop[pop.sex == "male"].assign(g=lambda d: d.age // 5).groupby("g").value.sum()
    f = pop[pop.sex == "female"].assign(g=lambda d: d.age // 5).groupby("g").value.sum()
    sr = q[(q.region == code) & (q.measure == "sex_ratio")].set_index("age")["value"]
    assert float(sr["20"]) == pytest.approx(100 * m[4] / f[4])
    ar = q[(q.region == code) & (q.measure == "age_ratio") & (q.sex == "male")]
    assert float(ar.set_index("age")["value"]["30"]) == pytest.approx(
        200 * m[6] / (m[5] + m[7]))


def test_lifetable_complete_table_from_single_years(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    mx = pd.read_parquet(WPP / "derived" / "mx_age1_annual_DERIVED.parquet")
    one = mx[(mx.country_code == 156) & (mx.year == 2023)]
    one = one.rename(columns={"value": "mx"})[["sex", "age", "mx"]]
    one.to_csv(tmp_path / "m.csv", index=False)
    rc, stdout, _ = _run(["demography", "lifetable", "--mortality", str(tmp_path / "m.csv"),
                          "--out", str(tmp_path / "lt.csv")], capsys)
    assert rc == 0 and "e0 =" in stdout
    lt = pd.read_csv(tmp_path / "lt.csv")
    assert len(lt) == 2 * 101 and (lt.groupby("sex").age.max() == 100).all()
    assert (lt[lt.age.between(1, 99)].ax == 0.5).all()
    e0 = pd.read_parquet(WPP / "e0_annual.parquet")
    wpp = e0[(e0.country_code == 156) & (e0.year == 2023) & (e0.sex != "both")]
    ours = lt[lt.age == 0].set_index("sex").ex
    for row in wpp.itertuples():
        # The derived single-year rates were scaled to WPP's annual e0 with this table.
        assert ours[row.sex] == pytest.approx(row.value, abs=0.01)


@pytest.mark.parametrize(("rows", "message"), [
    ("sex,age,mx\nmale,0,0.01\nmale,1,0.001\nmale,3,0.5\n", "简略生命表"),
    ("sex,age,mx\nmale,0,0.01\nmale,1,x\nmale,2,0.5\n", "不是有效数字"),
    ("sex,age,mx\nmale,0,0.01\nmale,1,0.001\nmale,1,0.5\n", "重复的记录"),
    ("sex,age,mx\nboth,0,0.01\nboth,1,0.001\nboth,2,0\n", "须大于 0"),
    ("sex,age,value\nmale,0,0.01\n", "缺少列"),
])
def test_lifetable_errors_name_the_problem(rows: str, message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.csv").write_text(rows, encoding="utf-8")
    rc, _, err = _run(["demography", "lifetable", "--mortality", str(tmp_path / "m.csv"),
                       "--out", str(tmp_path / "lt.csv")], capsys)
    assert rc != 0 and message in err and "m.csv" in err


def test_leecarter_fits_and_forecasts(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    mx = pd.read_parquet(WPP / "lc_mx_abridged_5yr.parquet")
    jp = mx[(mx.country_code == 392) & (mx.sex != "both") & (mx.year <= 2018)]
    jp = jp.rename(columns={"age_start": "age", "value": "mx"})[["year", "sex", "age", "mx"]]
    jp.to_csv(tmp_path / "m.csv", index=False)
    out = tmp_path / "lc"
    rc, stdout, _ = _run(["demography", "leecarter", "--mortality", str(tmp_path / "m.csv"),
                          "--out", str(out), "--horizon", "20"], capsys)
    assert rc == 0 and "解释" in stdout
    par = pd.read_csv(out / "parameters.csv")
    assert list(par.columns) == ["sex", "age", "ax", "bx"]
    np.testing.assert_allclose(par.groupby("sex").bx.sum(), 1.0)
    kt = pd.read_csv(out / "kt.csv")
    np.testing.assert_allclose(kt.groupby("sex").kt.sum(), 0.0, atol=1e-9)
    # a(x) is the mean log rate over the fitting years.
    male = jp[jp.sex == "male"].assign(lm=lambda d: np.log(d.mx)).groupby("age").lm.mean()
    np.testing.assert_allclose(par[par.sex == "male"].set_index("age").ax, male)
    e0 = pd.read_csv(out / "forecast_e0.csv")
    assert e0.year.min() == 2019 and e0.year.max() == 2038
    for _, g in e0.groupby("sex"):
        assert (np.diff(g.e0) > 0).all() and (g.lower <= g.e0).all() and (g.e0 <= g.upper).all()
    fmx = pd.read_csv(out / "forecast_mx.csv")
    assert len(fmx) == 2 * 20 * jp.age.nunique()
    fit = pd.read_csv(out / "fit.csv")
    assert (fit.explained > 0.8).all() and (fit.drift < 0).all()


def test_leecarter_needs_complete_years(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.csv").write_text("year,sex,age,mx\n2000,male,0,0.01\n2000,male,1,0.2\n"
                                    "2001,male,0,0.01\n", encoding="utf-8")
    rc, _, err = _run(["demography", "leecarter", "--mortality", str(tmp_path / "m.csv"),
                       "--out", str(tmp_path / "lc")], capsys)
    assert rc != 0 and "不完整" in err
