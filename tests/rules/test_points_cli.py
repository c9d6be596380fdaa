"""`renkou rules points …` end to end through the CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from renkou.cli.main import main


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("points") / "pool.csv"
    assert main(["rules", "points", "generate", "--n", "3000", "--seed", "4",
                 "--out", str(out)]) == 0
    return out


def test_generate_writes_the_documented_columns(pool: Path) -> None:
    from renkou.rules.points.columns import COLUMNS

    df = pd.read_csv(pool, dtype=str)
    assert tuple(df.columns) == COLUMNS and len(df) == 3000


def test_score_keeps_going_after_bad_rows(pool: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.read_csv(pool, dtype=str, keep_default_na=False).head(100)
    df.loc[9, "education"] = "博士"
    df.loc[20, "application_date"] = "2021-02-30"
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    out = tmp_path / "scores.csv"
    assert main(["rules", "points", "score", "--applicants", str(bad), "--as-of",
                 "2021-12-31", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "第 11 行，列 education" in err and "第 22 行，列 application_date" in err
    scores = pd.read_csv(out)
    assert len(scores) == 98
    assert scores["explanation"].str.contains("合计").all()


def test_rank_admits_the_quota(pool: Path, tmp_path: Path) -> None:
    out = tmp_path / "rank.csv"
    assert main(["rules", "points", "rank", "--applicants", str(pool), "--quota", "250",
                 "--as-of", "2021-12-31", "--out", str(out)]) == 0
    ranked = pd.read_csv(out)
    assert ranked["admitted"].sum() == 250
    assert list(ranked["rank"].head(250)) == list(range(1, 251))


def test_simulate_writes_the_five_sheets(pool: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    changes = tmp_path / "change.yaml"
    changes.write_text("source: 测试调整\nchanges:\n  district_bonus.cap: 40\n"
                       "  district_bonus.points.binhai: 40\n", encoding="utf-8")
    out = tmp_path / "sim.xlsx"
    assert main(["rules", "points", "simulate", "--applicants", str(pool), "--quota", "300",
                 "--as-of", "2021-12-31", "--change", "social_insurance.per_unit=4",
                 "--change-file", str(changes), "--out", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["summary", "admitted-instead", "displaced", "composition",
                            "inflow"]
    assert len(sheets["admitted-instead"]) == len(sheets["displaced"]) > 0
    inflow = sheets["inflow"]
    five = inflow[(inflow.year >= 2021) & (inflow.year <= 2025)]
    assert five["settled_baseline"].sum() == 5 * 300
    assert "累计积分落户" in capsys.readouterr().out


def test_simulate_errors(pool: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    base = ["rules", "points", "simulate", "--applicants", str(pool), "--out", str(out)]
    assert main(base) == 2  # no change given
    assert main([*base, "--change", "education.points.bachelor=500"]) == 2  # above the cap
    assert main([*base, "--change", "nosuch.cap=1"]) == 2
    assert main(["rules", "points", "score", "--applicants", str(tmp_path / "none.csv"),
                 "--as-of", "2021-12-31", "--out", str(out)]) == 2


def test_simulate_with_a_projection(pool: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from renkou.projection.sample import SAMPLE_REGIONS, write_sample_inputs

    proj = tmp_path / "proj"
    write_sample_inputs(proj)
    out = tmp_path / "sim.xlsx"
    assert main(["rules", "points", "simulate", "--applicants", str(pool), "--quota", "300",
                 "--as-of", "2021-12-31", "--change", "quota=600", "--projection", str(proj),
                 "--out", str(out)]) == 0
    sheet = pd.read_excel(out, sheet_name="projection")
    inflow = pd.read_excel(out, sheet_name="inflow")
    covered = inflow[inflow.district_code.astype(str).isin(SAMPLE_REGIONS)]
    settled_2021 = covered.loc[covered.year == 2021, "settled_changed"].sum()
    effect = sheet.set_index("year")["调整后落户增加 changed_effect"]
    assert effect[2021] == pytest.approx(0.0)
    # a year after the first settlements: the people settled in the covered districts, less
    # half a year of deaths, plus half a year of births (a few per cent at most)
    assert effect[2022] == pytest.approx(settled_2021, rel=0.05)
    assert (sheet["调整后落户增加 changed_effect"] >= sheet["调整前落户增加 baseline_effect"]).all()
    assert "未计入预测" in capsys.readouterr().err


def test_shipped_sample_change_file_favours_binhai(pool: Path, tmp_path: Path) -> None:
    from importlib import resources

    change = Path(str(resources.files("renkou.rules") / "data/points/changes"
                      / "binhai-and-stable-employment.yaml"))
    out = tmp_path / "sim.xlsx"
    assert main(["rules", "points", "simulate", "--applicants", str(pool), "--quota", "500",
                 "--as-of", "2021-12-31", "--change-file", str(change), "--out", str(out)]) == 0
    comp = pd.read_excel(out, sheet_name="composition")
    areas = comp[comp["维度 dimension"] == "区域"].set_index("类别 category")
    # Binhai gains more than it loses (the insurance cap also rises for everyone)
    assert areas.loc["滨海新区", "净变化 net_change"] > 0
    assert areas["净变化 net_change"].sum() == 0
