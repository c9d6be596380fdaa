"""``renkou indicators template --area``: one row per reported indicator and area."""

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from renkou.cli.main import app
from renkou.plans import get_plan


def test_template_has_one_row_per_indicator_and_area(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    streets = ["120111001", "120111100", "120111106"]
    args = ["indicators", "template", "--plan", "xiqing-14th", "--year", "2024", "--out",
            str(out)]
    for s in streets:
        args += ["--area", s]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["填报表"]
    header = [c.value for c in sheet[1]]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]]
    n = len(get_plan("xiqing-14th").reported_indicators())
    assert len(rows) == n * len(streets)
    area_col = next(i for i, h in enumerate(header) if h and "地区" in str(h))
    assert {str(r[area_col])[:9] for r in rows} == set(streets)
