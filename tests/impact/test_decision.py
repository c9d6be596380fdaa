"""Decision files and the shock mechanics on small hand-made inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from renkou.app.impact import example_decision, example_names, examples_for
from renkou.demography.projection import ProjectionInputs
from renkou.errors import InputError
from renkou.impact.decision import Arrivals, Relocation, load_decision, parse_decision
from renkou.impact.shocks import apply_shocks
from renkou.jurisdictions import get_jurisdiction

CITY = get_jurisdiction("tianjin")
AREAS = ("120101", "120116", "120111")


def inputs(steps: int = 5) -> ProjectionInputs:
    a = 101
    pop = np.ones((3, 2, a)) * np.array([100.0, 300.0, 600.0])[:, None, None]
    asfr = np.full((steps, 3, 35), 0.04)  # TFR 1.4
    return ProjectionInputs(base_year=2024, end_year=2024 + steps, population=pop, asfr=asfr,
                            mx=np.full((steps, 3, 2, a), 0.01), srb=np.full((steps, 3), 1.05),
                            region_codes=AREAS)


def decision(*shocks: dict[str, Any], caliber: str = "resident") -> Any:
    return parse_decision({"name": "t", "base": {"as_of": "2024-12-31", "caliber": caliber},
                           "horizon": 2029, "shocks": list(shocks)})


def test_examples_are_tied_to_their_jurisdiction() -> None:
    names = example_names()
    assert len(names) == 4
    for name in names:
        d = example_decision(name)
        j = get_jurisdiction(str(d.jurisdiction))
        for s in d.shocks:
            for code in ([s.region] if isinstance(s, Arrivals) else
                         [s.origin, s.destination] if isinstance(s, Relocation) else []):
                assert j.contains(code), (name, code)
    assert examples_for("xiqing") == ["xiqing-nanzhan"]
    nanzhan = example_decision("xiqing-nanzhan").shocks[0]
    assert isinstance(nanzhan, Arrivals) and nanzhan.total == 150_000
    new_area = example_decision("tianjin-new-residential-area").shocks[0]
    assert isinstance(new_area, Arrivals) and new_area.new_area and new_area.total == 10_000


@pytest.mark.parametrize(("shock", "message"), [
    ({"kind": "arrivals", "region": "120101"}, "schedule"),
    ({"kind": "fertility", "from_year": 2026}, "tfr_change 或 tfr"),
    ({"kind": "flood"}, "未知的冲击类型"),
    ({"kind": "arrivals", "region": "120101", "schedule": {2026: 5},
      "age_profile": "elderly"}, "未知的年龄模式"),
    ({"kind": "relocation", "from": "120101", "to": "120116", "persons": "many",
      "year": 2027}, "persons 应为数值"),
])
def test_bad_shocks_are_refused_with_their_position(shock: dict[str, Any], message: str
                                                    ) -> None:
    with pytest.raises(InputError, match=f"第 1 个冲击.*{message}"):
        decision(shock)


def test_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "d.yaml"
    bad.write_text("name: x\nbase: {as_of: 2024-12-31}\nhorizon: 2020\n", encoding="utf-8")
    with pytest.raises(InputError, match="horizon 2020 须晚于基准年"):
        load_decision(bad)
    with pytest.raises(InputError, match="文件不存在"):
        load_decision(tmp_path / "none.yaml")


def test_arrivals_go_to_the_step_of_their_year_by_profile() -> None:
    d = decision({"kind": "arrivals", "region": "120116", "schedule": {2026: 1000},
                  "age_profile": [{"age_from": 20, "age_to": 29, "share": 1}],
                  "sex_ratio": 150})
    out = apply_shocks(d, inputs(), CITY)
    mig = out.additions
    assert out.inputs.net_migration is not None and not out.inputs.net_migration.any()
    assert mig.sum() == pytest.approx(1000)
    assert mig[1, 1].sum() == pytest.approx(1000)  # 2026 is the second step, 2nd area
    assert mig[1, 1, 0].sum() == pytest.approx(600)  # 150 males per 100 females
    assert mig[1, 1, :, 20:30].sum() == pytest.approx(1000)
    assert out.arrivals[2, 1] == pytest.approx(1000)


def test_a_region_that_is_the_whole_is_shared_by_population() -> None:
    d = decision({"kind": "arrivals", "region": CITY.code, "schedule": {2025: 1000}})
    mig = apply_shocks(d, inputs(), CITY).additions
    assert mig[0].sum(axis=(1, 2)) == pytest.approx([100, 300, 600])


def test_fertility_relocation_and_settlement() -> None:
    d = decision({"kind": "fertility", "from_year": 2027, "tfr_change": 0.1},
                 {"kind": "relocation", "from": "120101", "to": "120111", "persons": 50,
                  "year": 2026},
                 {"kind": "settlement", "region": "120116", "persons_per_year": 10,
                  "from_year": 2026})
    out = apply_shocks(d, inputs(), CITY)
    tfr = out.inputs.asfr.sum(axis=-1)
    assert tfr[:2] == pytest.approx(np.full((2, 3), 1.4))  # 2025, 2026 unchanged
    assert tfr[2:] == pytest.approx(np.full((3, 3), 1.5))
    removed = out.inputs.net_migration
    assert removed is not None
    mig = removed + out.additions
    assert removed[1].sum(axis=(1, 2)) == pytest.approx([-50, 0, 0])
    assert out.additions[1].sum(axis=(1, 2)) == pytest.approx([0, 0, 50])
    # the origin's own age structure (flat here)
    assert mig[1, 0, 0, 30] == pytest.approx(-50 / 202)
    # settlement: residents unchanged, hukou counted
    assert mig[[0, 2, 3, 4]].sum() == pytest.approx(0.0)
    assert out.settled[:, 1].tolist() == [0, 0, 10, 20, 30, 40]
    hukou = apply_shocks(decision({"kind": "settlement", "region": "120116",
                                   "persons_per_year": 10, "from_year": 2026},
                                  caliber="hukou"), inputs(), CITY).additions
    assert hukou.sum() == pytest.approx(40)


def test_unknown_area_and_early_year_are_refused() -> None:
    with pytest.raises(InputError, match="不在天津市内"):
        apply_shocks(decision({"kind": "arrivals", "region": "500101",
                               "schedule": {2026: 1}}), inputs(), CITY)
    with pytest.raises(InputError, match="不晚于基准年"):
        apply_shocks(decision({"kind": "arrivals", "region": "120101",
                               "schedule": {2024: 1}}), inputs(), CITY)
