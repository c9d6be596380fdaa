"""The points scheme as dated data: loading, dates, changes as new dated versions."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest
import yaml

from renkou.errors import ConfigError, InputError, NotFoundError, NotInForceError
from renkou.rules.points.loader import (
    load_changes,
    load_scheme,
    parse_change_args,
    parse_scheme,
)

SAMPLE = Path(__file__).parents[2] / "src/renkou/rules/data/points/tianjin-sample.yaml"


def test_sample_is_labelled_and_every_value_cites_a_source() -> None:
    s = load_scheme("tianjin-sample")
    assert s.sample and "不是天津市官方" in s.notice
    text = SAMPLE.read_text(encoding="utf-8")
    assert "SAMPLE" in text.splitlines()[1]
    for ind in s.indicators:
        assert ind.motivation, ind.key
        for v in ind.versions:
            assert v.source.strip(), ind.key
    wanted = {"education", "age", "social_insurance", "residence", "professional_title",
              "skill_level", "shortage_occupation", "award", "district_bonus", "violations",
              "dishonesty"}
    assert wanted <= {i.key for i in s.indicators}


def test_the_target_is_quoted_from_the_plan() -> None:
    # The plan's text as shipped with the package (plans/data/sources).
    plan = resources.files("renkou").joinpath(
        "plans/data/sources/tianjin-14th-fyp-population-plan.txt")
    t = load_scheme().targets["hukou_net_growth"]
    assert (t.value, t.from_year, t.to_year) == (800_000, 2021, 2025)
    assert "户籍人口净增长80万人以上" in plan.read_text(encoding="utf-8")
    assert "户籍人口净增长80万人以上" in t.source


def test_values_are_dated() -> None:
    bonus = load_scheme().indicator("district_bonus")
    assert bonus.at(dt.date(2021, 6, 30)).points["binhai"] == 10
    assert bonus.at(dt.date(2021, 7, 1)).points["binhai"] == 20
    with pytest.raises(NotInForceError):
        bonus.at(dt.date(2017, 12, 31))


def test_a_change_is_a_new_dated_version_and_leaves_the_past_alone() -> None:
    s = load_scheme()
    when = dt.date(2023, 1, 1)
    c = s.with_changes({"education.points.associate": "45", "quota": "20000",
                        "social_insurance.cap": 60, "age.bands.60": 0}, when, "测试")
    edu = c.indicator("education")
    assert edu.at(when).points["associate"] == 45
    assert edu.at(when).source == "测试"
    assert edu.at(when - dt.timedelta(days=1)).points["associate"] == 30
    assert len(edu.versions) == len(s.indicator("education").versions) + 1
    assert c.admission_at(when).quota == 20000
    assert c.admission_at(when - dt.timedelta(days=1)).quota == 15000
    assert c.indicator("social_insurance").at(when).cap == 60
    assert (60.0, 0.0) in c.indicator("age").at(when).bands
    # the original object is unchanged (frozen data)
    assert s.indicator("education").at(when).points["associate"] == 30


@pytest.mark.parametrize(("changes", "message"), [
    ({"nosuch.cap": 1}, "没有指标 nosuch"),
    ({"education.points.phd": 1}, "没有类别 phd"),
    ({"education.points.bachelor": 100}, "超过上限"),
    ({"education.cap": "lots"}, "不是数字"),
    ({"education.per_unit": 3}, "不能调整属性"),
    ({"quota": -5}, "非负整数"),
    ({"capx": 1}, "无法识别"),
])
def test_bad_changes_are_input_errors(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_scheme().with_changes(changes, dt.date(2023, 1, 1))  # type: ignore[arg-type]


def test_quota_none_means_no_quota() -> None:
    c = load_scheme().with_changes({"quota": "none"}, dt.date(2023, 1, 1))
    assert c.admission_at(dt.date(2023, 1, 1)).quota is None


def test_every_value_must_cite_a_source() -> None:
    raw = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    del raw["indicators"]["award"]["values"][0]["source"]
    with pytest.raises(ConfigError, match="source"):
        parse_scheme(raw)


def test_unknown_scheme_name() -> None:
    with pytest.raises(NotFoundError, match="tianjin-sample"):
        load_scheme("nowhere")


def test_change_files_and_arguments(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("source: 示例调整\nchanges:\n  quota: 100\n  award.points.city: 30\n",
                 encoding="utf-8")
    changes, source = load_changes(f)
    assert changes == {"quota": 100, "award.points.city": 30} and source == "示例调整"
    assert parse_change_args(["a.cap=3", " quota = 5"]) == {"a.cap": "3", "quota": "5"}
    with pytest.raises(InputError):
        parse_change_args(["nonsense"])


def test_max_points_counts_a_group_once() -> None:
    r = load_scheme().at(dt.date(2022, 1, 1))
    # education 90 + age 20 + insurance 45 + residence 20 + max(title 50, skill 50)
    # + shortage 10 + award 60 + district 20
    assert r.max_points() == 315
