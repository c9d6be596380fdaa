"""Schemes declare their jurisdiction: Tianjin's 专栏3 subsidies and the sample points scheme
are Tianjin's; family-planning assistance applies anywhere. Another jurisdiction's store is
refused with a message naming both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from renkou.app import rules as app_rules
from renkou.errors import InputError
from renkou.jurisdictions import get_jurisdiction
from renkou.registry import Registry
from renkou.rules.points.loader import load_scheme, scheme_jurisdiction
from renkou.rules.schemes import get_scheme, run_people, scheme_keys
from renkou.settings import Settings

AS_OF = dt.date(2024, 12, 31)
SUBSIDIES = ("tianjin-home-care", "tianjin-meal")


@pytest.fixture
def chongqing_store(tmp_path: Path) -> Iterator[Registry]:
    """An empty store of a Chongqing deployment (an empty store reads as the settings')."""
    registry = Registry(tmp_path / "cq.duckdb", settings=Settings(jurisdiction="chongqing"))
    try:
        yield registry
    finally:
        registry.close()


def test_each_scheme_declares_its_jurisdiction() -> None:
    assert set(SUBSIDIES) | {"family-planning-assistance"} == set(scheme_keys())
    for key in SUBSIDIES:
        j = get_scheme(key).jurisdiction
        assert j is not None and j.key == "tianjin"
    assert get_scheme("family-planning-assistance").jurisdiction is None
    assert scheme_jurisdiction(load_scheme()).key == "tianjin"


@pytest.mark.parametrize("scheme", SUBSIDIES)
def test_caseload_and_budget_refuse_a_chongqing_store(chongqing_store: Registry,
                                                      scheme: str) -> None:
    title = get_scheme(scheme).title
    with pytest.raises(InputError, match=f"规则“{title}”仅适用于天津市，当前数据库属于重庆市"):
        app_rules.caseload(chongqing_store, scheme, AS_OF)
    with pytest.raises(InputError, match="仅适用于天津市，当前数据库属于重庆市"):
        app_rules.budget(chongqing_store, scheme, 2025, 2026)


def test_family_planning_runs_on_a_chongqing_store(chongqing_store: Registry) -> None:
    result = app_rules.caseload(chongqing_store, "family-planning-assistance", AS_OF)
    assert result.total_caseload == 0.0  # the store is empty, but the scheme is not refused


def test_a_district_inside_tianjin_is_covered() -> None:
    # Xiqing is a district of Tianjin: the city's subsidies apply to its residents.
    assert get_scheme("tianjin-home-care").applies_to(get_jurisdiction("xiqing"))
    assert not get_scheme("tianjin-home-care").applies_to(get_jurisdiction("chongqing"))


def _person(district: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "person_id": "p", "birth_date": "1940-01-01", "sex": "female", "hukou_tianjin": "true",
        "hukou_district": district, "woman_birth_date": "", "children_born_or_adopted": "1",
        "living_children": "0", "child_disability_grade": ""}])


def test_national_scheme_checks_districts_of_the_deployment() -> None:
    chongqing = get_jurisdiction("chongqing")
    ok = run_people("family-planning-assistance", _person("500103"), AS_OF,
                    jurisdiction=chongqing)
    assert len(ok.output) == 1 and not ok.errors
    bad = run_people("family-planning-assistance", _person("120101"), AS_OF,
                     jurisdiction=chongqing)
    assert len(bad.output) == 0
    assert bad.errors[0].column == "hukou_district" and "不在重庆市" in bad.errors[0].message


def test_evaluating_tianjin_rules_for_chongqing_is_refused() -> None:
    with pytest.raises(InputError, match="仅适用于天津市，当前数据库属于重庆市"):
        run_people("tianjin-meal", _person("500103"), AS_OF,
                   jurisdiction=get_jurisdiction("chongqing"))


@pytest.mark.slow
def test_cli_refuses_tianjin_subsidies_on_a_chongqing_demo_store(
        tmp_path_factory: pytest.TempPathFactory, seeded_store_builder: Callable[..., Path],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.cli.main import main

    db = seeded_store_builder(tmp_path_factory.mktemp("cq"), 2_000, 3, jurisdiction="chongqing")
    out = tmp_path / "caseload.csv"
    rc = main(["rules", "caseload", "--scheme", "tianjin-home-care", "--db", str(db),
               "--as-of", "2024-12-31", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    assert "仅适用于天津市，当前数据库属于重庆市" in err
    rc = main(["rules", "budget", "--scheme", "tianjin-meal", "--db", str(db), "--from", "2025",
               "--to", "2026", "--out", str(tmp_path / "budget.xlsx")])
    assert rc == 2 and "当前数据库属于重庆市" in capsys.readouterr().err
    # A national scheme runs, by Chongqing's districts.
    rc = main(["rules", "caseload", "--scheme", "family-planning-assistance", "--db", str(db),
               "--as-of", "2024-12-31", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    costs = pd.read_csv(out, dtype={"district": str})
    assert len(costs) > 0 and costs["district"].str.startswith("50").all()
