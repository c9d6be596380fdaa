"""``renkou project --variant plan``: the plan's own TFR and life-expectancy targets as
scenario paths on top of the medium variant (written to OUT/plan_paths, so they rerun)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from renkou.cli.main import main


def test_plan_variant_reaches_the_plans_targets(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sample = tmp_path / "sample"
    assert main(["project-sample", str(sample), "--end-year", "2035"]) == 0
    out = tmp_path / "plan"
    rc = main(["project", str(sample), "--variant", "plan", "--plan", "chongqing-2016-2030",
               "--out", str(out)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "规划目标方案" in cap.out and "总和生育率" in cap.err and "人均预期寿命" in cap.err
    # The sample is not on Chongqing's scale: the population target is left out, and said so.
    assert "常住人口目标未使用" in cap.err
    summary = pd.read_csv(out / "summary.csv", dtype={"region": str})
    pop = pd.read_csv(out / "population.csv", dtype={"region": str})

    def at(indicator: str, year: int) -> pd.Series:
        s = summary[(summary.indicator == indicator) & (summary.year == year)]
        return s.set_index("region").value

    # Step 2029 is the one ending in 2030 (the plan's year): TFR 1.8 and e0 80 for the
    # jurisdiction, each region moved alike.
    start = pop[pop.year == 2029]
    women = start[(start.sex == "female") & start.age.between(15, 49)].groupby("region").value.sum()
    tfr = at("tfr", 2029)
    assert float(np.average(tfr[women.index], weights=women)) == pytest.approx(1.8, abs=0.01)
    people = start.groupby("region").value.sum()
    e0 = at("e0", 2029)
    assert float(np.average(e0[people.index], weights=people)) == pytest.approx(80.0, abs=0.3)
    # The paths rerun with plain renkou project.
    again = tmp_path / "again"
    assert main(["project", str(sample), "--tfr-path", str(out / "plan_paths" / "tfr.csv"),
                 "--e0-path", str(out / "plan_paths" / "e0.csv"), "--out", str(again)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "population.csv"),
                                  pd.read_csv(again / "population.csv"))
    # Without a plan there is nothing to take the targets from.
    assert main(["project", str(sample), "--variant", "plan", "--out", str(tmp_path / "x")]) == 2
    assert "--plan" in capsys.readouterr().err
