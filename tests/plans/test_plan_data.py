"""The plans as data, checked against the seed texts they encode.

Expected numbers are read from the shipped source texts with regular expressions wherever
the text allows it, so a test fails if either the YAML or the reading of the text is wrong.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from renkou.cli.main import main
from renkou.errors import InputError, NotFoundError
from renkou.plans.model import Indicator, Plan, Target, catalog
from renkou.plans.model.vocabulary import DEFAULT_APPROX_TOLERANCE, FORMULAS

TJ = "tianjin-14th"
XQ = "xiqing-14th"
CQ = "chongqing-2016-2030"


def _src(plan: Plan, i: int = 0) -> str:
    return catalog.source_text(plan.source_files[i])


def _flat(text: str) -> str:
    return catalog.normalise(text)


def _num(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    assert m, f"pattern {pattern!r} not in source text"
    return float(m.group(1))


def _only_target(ind: Indicator, year: int) -> Target:
    t = ind.target_for(year)
    assert t is not None, f"{ind.code} has no {year} target"
    return t


# ── loading and schema ────────────────────────────────────────────────────────────────

def test_all_three_plans_load_with_their_codes_periods_and_areas() -> None:
    plans = {p.code: p for p in catalog.list_plans()}
    assert list(plans) == [TJ, XQ, CQ]
    assert (plans[TJ].area_code, plans[TJ].period_start, plans[TJ].period_end) == \
        ("120000", 2021, 2025)
    assert (plans[XQ].area_code, plans[XQ].period_start, plans[XQ].period_end) == \
        ("120111", 2021, 2025)
    assert (plans[CQ].area_code, plans[CQ].period_start, plans[CQ].period_end) == \
        ("500000", 2016, 2030)
    # The issuing data stated in the texts.
    cq_head = _src(plans[CQ])[:400]
    assert plans[CQ].document_number and plans[CQ].document_number in cq_head
    assert plans[CQ].issued is not None and plans[CQ].issued.isoformat() == "2017-06-27"
    assert "2017年6月27日" in cq_head
    assert plans[XQ].issued is not None and plans[XQ].issued.isoformat() == "2021-12-31"


def test_unknown_plan_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="tianjin-14th"):
        catalog.get_plan("shanghai-14th")


def test_every_indicator_names_known_departments_and_a_known_formula() -> None:
    depts = catalog.departments()
    for plan in catalog.list_plans():
        assert plan.indicators, plan.code
        for ind in plan.indicators:
            assert set(ind.departments) <= set(depts), ind.code
            if ind.kind == "computed":
                assert ind.formula in FORMULAS, ind.code
            # every indicator says something to monitor: a baseline, a target or words
            assert ind.baselines or ind.targets or ind.qualitative_target, ind.code


def test_every_quote_occurs_verbatim_in_its_seed_file() -> None:
    for plan in catalog.list_plans():
        assert catalog.unverified_quotes(plan) == [], plan.code
        # and the check is not vacuous: quotes are there to be checked
        assert len(catalog.plan_quotes(plan)) >= len(plan.indicators)


def test_the_quote_check_catches_a_quote_that_is_not_in_the_text() -> None:
    plan = catalog.get_plan(TJ)
    ind = plan.indicators[0]
    bad = ind.model_copy(update={"quote": "到2025年，常住人口达到1600万人左右"})
    altered = plan.model_copy(update={"indicators": (bad, *plan.indicators[1:])})
    assert len(catalog.unverified_quotes(altered)) == 1


def test_every_plan_source_is_shipped_with_the_package() -> None:
    folder = resources.files("renkou.plans").joinpath("data", "sources")
    shipped = {p.name for p in folder.iterdir() if p.name.endswith(".txt")}
    named = {f for plan in catalog.list_plans() for f in plan.source_files}
    assert named and named <= shipped
    for f in named:
        text = catalog.source_text(f)
        assert text == folder.joinpath(f).read_text(encoding="utf-8"), f
        assert len(text) > 1000, f  # the whole document, not a stub


# ── comparators say what the words say ───────────────────────────────────────────────

_WORDS = {
    "approx": ("左右",),
    "eq": ("将分别达到", "达到峰值"),
    "cumulative_approx": ("净增",),
    "ge": ("以上", "不低于", "达到", "提高到", "≥"),
    "le": ("以下", "以内", "不高于", "≤"),
    "range": ("~", "—", "-"),
    "cumulative_ge": ("累计", "期间", "净增长"),
    "increase": ("提高", "提升", "增加", "集聚", "扩大"),
    "decrease": ("降低", "下降"),
    "below": ("低于",),
    "above": ("高于", "超过"),
}
# Targets whose comparator the table does not spell out: the reason is recorded in the
# YAML; the test pins the list so a new unexplained one fails.
_INFERRED = {
    ("CQ30-QUA-02", 2020), ("CQ30-QUA-03", 2020), ("CQ30-STR-01", 2020),
    ("TJ14-SRV-07", 2025), ("TJ14-SRV-09", 2025),  # "实现…100%", "保持在100％" → ≥100
    ("CQ30-STR-05", 2030),  # projection "15%以下"
}


def test_each_comparator_matches_the_wording_of_its_quote() -> None:
    unexplained = []
    for plan in catalog.list_plans():
        for ind in plan.indicators:
            for t in ind.targets:
                quote = t.quote or ind.quote
                if (ind.code, t.year) in _INFERRED:
                    continue
                words = _WORDS[t.comparator]
                if not any(w in quote for w in words):
                    unexplained.append(f"{ind.code} {t.year} {t.comparator}: {quote}")
    assert unexplained == []


def test_each_numeric_target_appears_in_its_quote() -> None:
    for plan in catalog.list_plans():
        for ind in plan.indicators:
            for t in ind.targets:
                quote = _flat(t.quote or ind.quote)
                for v in (t.value, t.low, t.high):
                    if v is not None:
                        assert f"{v:g}" in quote, f"{ind.code} {t.year}: {v:g} not in {quote}"


# ── Tianjin: the targets of 二、（三）and the prose, read from the text ─────────────────

@pytest.fixture(scope="module")
def tj() -> Plan:
    return catalog.get_plan(TJ)


def test_tianjin_population_targets(tj: Plan) -> None:
    text = _src(tj)
    pop = _only_target(tj.indicator("TJ14-POP-01"), 2025)
    assert (pop.comparator, pop.value) == ("approx", _num(r"常住人口达到(\d+)万人左右", text))
    net = _only_target(tj.indicator("TJ14-POP-02"), 2025)
    assert net.comparator == "cumulative_ge"
    assert net.value == _num(r"户籍人口净增长(\d+)万人以上", text)
    assert (net.period_start, net.period_end) == (2021, 2025)
    assert tj.indicator("TJ14-POP-02").formula == "hukou_net_growth"


def test_tianjin_health_targets(tj: Plan) -> None:
    text = _src(tj)
    e0 = tj.indicator("TJ14-HLT-01")
    assert e0.population_basis == "hukou" and e0.formula == "life_expectancy_hukou"
    t = _only_target(e0, 2025)
    assert (t.comparator, t.value) == ("ge", _num(r"人均预期寿命提高到([\d.]+)岁", text))
    m = re.search(r"户籍人口人均预期寿命从([\d.]+)岁提高到([\d.]+)岁", text)
    assert m
    assert [(b.year, b.value) for b in e0.baselines] == \
        [(2015, float(m.group(1))), (2020, float(m.group(2)))]
    mmr = tj.indicator("TJ14-HLT-02")
    t = _only_target(mmr, 2025)
    assert (t.comparator, t.value, mmr.unit) == \
        ("le", _num(r"孕产妇死亡率控制在([\d.]+)/10万及以下", text), "1/10万")
    imr = tj.indicator("TJ14-HLT-03")
    t = _only_target(imr, 2025)
    assert (t.comparator, t.value, imr.unit) == \
        ("le", _num(r"婴儿死亡率控制在([\d.]+)‰及以下", text), "‰")


def test_tianjin_structure_distribution_and_services(tj: Plan) -> None:
    text = _src(tj)
    srb = _only_target(tj.indicator("TJ14-STR-01"), 2025)
    m = re.search(r"正常范围（(\d+)~(\d+)）", text)
    assert m and srb.comparator == "range"
    assert (srb.low, srb.high) == (float(m.group(1)), float(m.group(2)))
    assert srb.each_year  # "保持"
    urb = _only_target(tj.indicator("TJ14-DST-01"), 2025)
    assert (urb.comparator, urb.value) == ("ge", _num(r"常住人口城镇化率达到(\d+)%", text))
    cc = _only_target(tj.indicator("TJ14-SRV-06"), 2025)
    assert (cc.comparator, cc.value) == ("ge", _num(r"托位数达到([\d.]+)个", text))
    assert tj.indicator("TJ14-SRV-06").formula == "childcare_places_per_1000"
    jobs = _only_target(tj.indicator("TJ14-SRV-04"), 2025)
    assert jobs.comparator == "cumulative_ge"
    assert jobs.value == _num(r"累计城镇新增就业(\d+)万人以上", text)
    assert (jobs.period_start, jobs.period_end) == (2021, 2025)
    beds = tj.indicator("TJ14-SRV-08")
    m = re.search(r"护理型床位比重由2020年的([\d.]+)％提高到2025年的(\d+)％", text)
    assert m
    assert [(b.year, b.value) for b in beds.baselines] == [(2020, float(m.group(1)))]
    t = _only_target(beds, 2025)
    assert (t.comparator, t.value) == ("ge", float(m.group(2)))
    kg = _only_target(tj.indicator("TJ14-SRV-01"), 2025)
    assert kg.value == _num(r"学前教育三年毛入园率达到(\d+)%", text)
    for code in ("TJ14-SRV-02", "TJ14-SRV-03"):
        assert _only_target(tj.indicator(code), 2025).value == 80
    he = _only_target(tj.indicator("TJ14-EDU-02"), 2025)
    assert (he.comparator, he.value, he.each_year) == \
        ("ge", _num(r"高等教育毛入学率保持在(\d+)%以上", text), True)
    sch = _only_target(tj.indicator("TJ14-EDU-03"), 2025)
    assert sch.value == _num(r"劳动年龄人口平均受教育年限达到([\d.]+)年。", text)


def test_tianjin_projections_are_not_targets(tj: Plan) -> None:
    for code in ("TJ14-STR-04", "TJ14-STR-05"):
        ind = tj.indicator(code)
        assert ind.assessed_targets() == ()
        assert [t.nature for t in ind.targets] == ["projection"]


def test_tianjin_every_percentage_in_the_goals_section_is_encoded(tj: Plan) -> None:
    text = _src(tj)
    goals = text[text.index("（三）主要目标"):text.index("三、“十四五”人口发展主要任务")]
    numbers = {float(x) for x in re.findall(r"(\d+(?:\.\d+)?)(?:%|‰|岁|年|万人|/10万)", goals)}
    numbers -= {2025.0}
    encoded = set()
    for ind in tj.indicators:
        for t in ind.targets:
            encoded |= {v for v in (t.value, t.low, t.high) if v is not None}
    assert numbers <= encoded, numbers - encoded


# ── Tianjin task division list (附件2) ─────────────────────────────────────────────────

def test_tianjin_task_list_has_every_row_of_the_division_list(tj: Plan) -> None:
    division = _src(tj, 1)
    plan_text = _src(tj, 0)
    start = plan_text.index("三、“十四五”人口发展主要任务")
    body = plan_text[start:plan_text.index("四、保障措施")]
    # Task paragraphs in the plan body start "<title>。" on their own line (专栏 are indented).
    titles = [m.group(1) for m in re.finditer(r"^([^\t\n（。]{2,20})。", body, re.M)]
    titles = [t for t in titles if t in division]
    assert len(titles) == len(tj.tasks) == 45
    assert [t.title for t in tj.tasks] == titles
    positions = [division.index(t.title) for t in tj.tasks]
    assert positions == sorted(positions)
    printed = sorted(int(x) for x in re.findall(r"^\t(\d+)\s*$", division, re.M))
    assert sorted(t.number for t in tj.tasks if t.number is not None) == printed
    assert [t.number for t in tj.tasks].count(None) == 45 - len(printed)


def test_tianjin_task_departments_and_measures_follow_the_list(tj: Plan) -> None:
    division = _flat(_src(tj, 1))
    for task in tj.tasks:
        assert task.department_text and _flat(task.department_text) in division, task.code
        named = re.split(r"等|相关单位|有关单位|有关部门|按", task.department_text)[0]
        for name in re.split(r"[、，]", named):
            name = name.strip()
            if name and not name.startswith("各"):
                assert catalog.resolve_department(name).code in task.departments, \
                    (task.code, name)
        for collective, code in (("各区人民政府", "gqzf"), ("有关区人民政府", "ygqzf"),
                                 ("各有关部门", "ygbm")):
            assert (collective in task.department_text) == (code in task.departments), \
                (task.code, collective)
        for m in task.measures:
            assert _flat(m) in division, (task.code, m)
    by_code = {t.code: t for t in tj.tasks}
    assert by_code["TJ14-T05"].lead_department == "bhxq"  # 滨海新区人民政府 alone
    assert by_code["TJ14-T45"].departments == ("tjj",)  # 市统计局 alone


# ── Xiqing ───────────────────────────────────────────────────────────────────────────

def test_xiqing_targets_read_from_the_text() -> None:
    xq = catalog.get_plan(XQ)
    text = _flat(_src(xq))
    hk = _only_target(xq.indicator("XQ14-POP-01"), 2025)
    assert (hk.comparator, hk.value) == ("approx", _num(r"户籍人口达到([\d.]+)万人左右", text))
    res = _only_target(xq.indicator("XQ14-POP-04"), 2025)
    assert (res.comparator, res.value) == ("approx", _num(r"常住人口达到([\d.]+)万人左右", text))
    m = re.search(r"常住人口达到[\d.]+万人左右，净增([\d.]+)万人，增长([\d.]+)%", text)
    assert m
    assert _only_target(xq.indicator("XQ14-POP-05"), 2025).value == float(m.group(1))
    assert _only_target(xq.indicator("XQ14-POP-06"), 2025).value == float(m.group(2))
    sch = _only_target(xq.indicator("XQ14-EDU-05"), 2025)
    goals = text[text.index("（三）主要目标"):]
    assert sch.value == _num(r"16—59岁劳动年龄人口平均受教育年限达到([\d.]+)年", goals)
    urb = _only_target(xq.indicator("XQ14-DST-01"), 2025)
    assert (urb.comparator, urb.value) == ("ge", _num(r"城镇化率提高到(\d+)%以上", text))
    unemp = _only_target(xq.indicator("XQ14-SRV-04"), 2025)
    assert (unemp.comparator, unemp.value, unemp.each_year) == \
        ("le", _num(r"城镇调查失业率控制在(\d+)%以内", text), True)
    e0 = xq.indicator("XQ14-HLT-01")
    assert _only_target(e0, 2025).value == _num(r"期望寿命提高到([\d.]+)岁", text)
    assert e0.baselines[0].value == _num(r"居民期望寿命达到([\d.]+)岁", text)
    titles = _only_target(xq.indicator("XQ14-EDU-08"), 2025)
    assert (titles.comparator, titles.value) == \
        ("cumulative_ge", _num(r"评定专业技术职称(\d+)人", text))


def test_xiqing_tasks_cover_every_numbered_subsection() -> None:
    xq = catalog.get_plan(XQ)
    text = _src(xq)
    body = text[text.index("三、“十四五”时期人口发展主要任务"):text.index("四、保障措施")]
    subsections = re.findall(r"^\s*\d\.\s*(\S+)\s*$", body, re.M)
    assert [t.title for t in xq.tasks] == subsections
    assert all(t.department_basis == "mandate" for t in xq.tasks)


# ── Chongqing 专栏1, row by row ───────────────────────────────────────────────────────

_CQ_ROWS = {
    "户籍人口": "CQ30-POP-01", "常住人口": "CQ30-POP-02", "自然增长率": "CQ30-POP-03",
    "总和生育率": "CQ30-POP-04", "婴儿死亡率": "CQ30-QUA-01", "人均预期寿命": "CQ30-QUA-02",
    "主要劳动年龄人口平均受教育年限": "CQ30-QUA-03", "出生人口性别比": "CQ30-STR-01",
    "总抚养比": "CQ30-STR-02", "60岁及以上人口比重": "CQ30-STR-03",
    "65岁及以上人口比重": "CQ30-STR-04", "常住人口城镇化率": "CQ30-DST-01",
    "户籍人口城镇化率": "CQ30-DST-02",
}


def _cq_table() -> list[list[str]]:
    text = catalog.source_text("chongqing-population-plan-2016-2030.txt")
    block = text[text.index("专栏1"):re.search(r"第三章\s*促进", text).start()]  # type: ignore[union-attr]
    cells = [c.strip() for c in block.split("\t")]
    rows: list[list[str]] = []
    for c in cells:
        if re.fullmatch(r"\d{1,2}", c) and int(c) == len(rows) + 1:
            rows.append([])
        elif rows:
            rows[-1].append(c)
    # each row: name, [sub-name,] unit, 2015, 2020, 2030 (then the next domain cell)
    out = []
    for r in rows:
        r = [c for c in r if c not in ("", "人口\n总量", "人口\n质量", "人口\n结构", "人口分布")]
        out.append(r)
    return out


def test_chongqing_box1_in_full() -> None:
    cq = catalog.get_plan(CQ)
    rows = _cq_table()
    assert len(rows) == 13
    seen = set()
    for row in rows:
        *names, v2015, v2020, v2030 = row
        if names[0] == "城镇化率":
            key = "常住人口城镇化率"
        elif names[0] == "户籍人口" and "%" in names:
            key = "户籍人口城镇化率"
        else:
            key = names[0]
        ind = cq.indicator(_CQ_ROWS[key])
        seen.add(ind.code)
        base = {b.year: b.value for b in ind.baselines}
        decimals = len(v2015.split(".")[1]) if "." in v2015 else 0
        assert round(base[2015], decimals) == float(v2015), ind.code
        for year, cell in ((2020, v2020), (2030, v2030)):
            t = _only_target(ind, year)
            if cell.endswith("左右"):
                assert (t.comparator, t.value) == ("approx", float(cell[:-2])), ind.code
            elif cell.startswith("≤"):
                assert (t.comparator, t.value) == ("le", float(cell[1:])), ind.code
            elif cell.startswith("≥"):
                assert (t.comparator, t.value) == ("ge", float(cell[1:])), ind.code
            elif "—" in cell:
                lo, hi = (float(x) for x in cell.split("—"))
                assert (t.comparator, t.low, t.high) == ("range", lo, hi), ind.code
            else:  # a bare number: direction from the text, see the YAML notes
                assert t.comparator in ("ge", "le") and t.value == float(cell), ind.code
    assert seen == set(_CQ_ROWS.values())


def test_chongqing_prose_targets_agree_with_box1() -> None:
    cq = catalog.get_plan(CQ)
    text = _src(cq)
    assert _only_target(cq.indicator("CQ30-QUA-02"), 2030).value == \
        _num(r"人均预期寿命到2030年达到(\d+)岁", text)
    m = re.search(r"城镇化率到2030年分别达到(\d+)%和(\d+)%", text)
    assert m
    assert _only_target(cq.indicator("CQ30-DST-01"), 2030).value == float(m.group(1))
    assert _only_target(cq.indicator("CQ30-DST-02"), 2030).value == float(m.group(2))
    assert _only_target(cq.indicator("CQ30-POP-04"), 2030).value == \
        _num(r"总和生育率达到([\d.]+)左右", text)


# ── model semantics ──────────────────────────────────────────────────────────────────

def test_approx_tolerance_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    from renkou.plans.model.targets import AssessmentConfig, TargetSpec, meets

    t = Target(year=2025, comparator="approx", value=1500)
    assert t.bounds() == pytest.approx((1500 * (1 - DEFAULT_APPROX_TOLERANCE),
                                        1500 * (1 + DEFAULT_APPROX_TOLERANCE)))
    assert t.accepts(1510) and not t.accepts(1520)
    # The assessment's setting, not the environment, widens it.
    monkeypatch.setenv("RENKOU_PLANS_APPROX_TOLERANCE", "0.02")
    assert not t.accepts(1520)
    spec = TargetSpec(year=2025, comparator="approx", value=1500.0)
    assert not meets(spec, 1520.0)
    assert meets(spec, 1520.0, AssessmentConfig(approx_rel_tolerance=0.02))
    own = Target(year=2025, comparator="approx", value=1500, tolerance=0.005)
    assert not own.accepts(1510)


def test_comparator_semantics() -> None:
    assert Target(year=2025, comparator="ge", value=86).accepts(86)
    assert not Target(year=2025, comparator="le", value=5).accepts(5.1)
    r = Target(year=2025, comparator="range", low=103, high=107)
    assert r.accepts(103) and r.accepts(107) and not r.accepts(107.5)
    c = Target(year=2025, comparator="cumulative_ge", value=175, period_start=2021,
               period_end=2025)
    assert c.cumulative and c.accepts(176) and not c.accepts(174)
    up = Target(year=2025, comparator="increase")
    assert up.accepts(30, baseline=28.52) and not up.accepts(28, baseline=28.52)
    with pytest.raises(ValueError):
        up.accepts(30)


@pytest.mark.parametrize("bad", [
    {"comparator": "range", "low": 107, "high": 103},
    {"comparator": "range", "value": 105},
    {"comparator": "ge"},
    {"comparator": "increase", "value": 3},
    {"comparator": "cumulative_ge", "value": 80},
    {"comparator": "cumulative_ge", "value": 80, "period_start": 2021, "period_end": 2024},
    {"comparator": "ge", "value": 1, "tolerance": 0.01},
])
def test_inconsistent_targets_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Target.model_validate({"year": 2025, **bad})


def test_describe_zh() -> None:
    assert Target(year=2025, comparator="le", value=8.5).describe_zh("1/10万") == \
        "≤8.5（1/10万）"
    assert Target(year=2025, comparator="approx", value=1500).describe_zh("万人").startswith(
        "1500万人左右")


# ── loader errors name file and key ──────────────────────────────────────────────────

def _tianjin_yaml() -> str:
    return resources.files("renkou.plans").joinpath("data", "tianjin-14th.yaml").read_text(
        "utf-8")


def test_loader_error_names_file_key_and_code(tmp_path: Path) -> None:
    bad = _tianjin_yaml().replace("{year: 2025, comparator: approx, value: 1500}",
                                  "{year: 2025, comparator: about, value: 1500}")
    f = tmp_path / "mine.yaml"
    f.write_text(bad, encoding="utf-8")
    with pytest.raises(InputError) as err:
        catalog.load_plan_file(f)
    msg = str(err.value)
    assert "mine.yaml" in msg and "indicators[0].targets[0].comparator" in msg
    assert "TJ14-POP-01" in msg


def test_loader_rejects_unknown_department_and_bad_yaml(tmp_path: Path) -> None:
    f = tmp_path / "dept.yaml"
    f.write_text(_tianjin_yaml().replace("departments: [tjj, fgw]", "departments: [tjj, xyz]",
                                         1), encoding="utf-8")
    with pytest.raises(InputError, match="xyz"):
        catalog.load_plan_file(f)
    g = tmp_path / "broken.yaml"
    g.write_text("code: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.yaml"):
        catalog.load_plan_file(g)


# ── CLI ──────────────────────────────────────────────────────────────────────────────

def test_cli_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plans", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in listed] == [TJ, XQ, CQ]
    assert main(["plans", "show", TJ, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["indicators"]) == len(catalog.get_plan(TJ).indicators)
    assert len(shown["tasks"]) == 45
    assert main(["plans", "show", CQ]) == 0
    out = capsys.readouterr().out
    assert "重庆市人口发展规划" in out and "CQ30-STR-01" in out and "103~107" in out
    assert main(["plans", "show", "nowhere"]) == NotFoundError.exit_code


def test_cli_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plans", "check"]) == 0
    assert "全部引文均在原文中找到" in capsys.readouterr().out


# ── review of the data against the texts ──────────────────────────────────────────

# Words in a baseline's or figure's own quote/note → the comparator they mean. "以上/以下"
# include the number itself (《民法典》第一千二百五十九条: "以上、以下、以内、届满，包括本数"),
# so they are ge/le; "超过", "…余" are strict. Age brackets ("60岁及以上") are not comparators.
_AGE_OR_LEVEL = re.compile(r"\d+岁及以上|\d+岁以上|大专及以上")
_FIGURE_WORDING_EXCEPTIONS = {
    "TJ14-FIG-04",  # the figure is the 15 consecutive years; "以下" belongs to the 10/10万
    "TJ14-FIG-22", "TJ14-FIG-23",  # "2-3岁": the two ends of one range
}


def _comparator_of_words(text: str, *, age: bool = False) -> str:
    if not age:  # unless the value is itself an age threshold
        text = _AGE_OR_LEVEL.sub("", text)
    if "接近" in text or "左右" in text:
        return "approx"
    if "超过" in text or "余" in text:
        return "gt"
    if any(w in text for w in ("以上", "不少于", "不低于")):
        return "ge"
    if any(w in text for w in ("以下", "以内", "年内")):
        return "le"
    return "eq"


def test_baseline_and_figure_comparators_follow_their_wording() -> None:
    wrong = []
    for plan in catalog.list_plans():
        for ind in plan.indicators:
            for b in ind.baselines:
                words = (b.note or "") + (b.quote or "")
                if words and b.comparator != _comparator_of_words(words):
                    wrong.append(f"{ind.code} {b.year}: {b.comparator} ← {words}")
        for fig in plan.figures:
            if fig.code in _FIGURE_WORDING_EXCEPTIONS:
                continue
            if fig.comparator != _comparator_of_words(fig.quote, age=fig.unit == "岁"):
                wrong.append(f"{fig.code}: {fig.comparator} ← {fig.quote}")
    assert wrong == []


def test_tianjin_baselines_stated_as_bounds(tj: Plan) -> None:
    text = _flat(_src(tj))
    mmr = tj.indicator("TJ14-HLT-02").baselines[0]
    assert (mmr.year, mmr.comparator, mmr.value) == \
        (2020, "le", _num(r"连续15年将孕产妇死亡率控制在(\d+)/10万以下", text))
    imr = tj.indicator("TJ14-HLT-03").baselines[0]
    assert (imr.year, imr.comparator, imr.value) == \
        (2020, "le", _num(r"婴儿死亡率控制在(\d+)‰以下", text))
    assert "人户分离人口接近一半" in text
    sep = tj.indicator("TJ14-DST-08")
    assert [(b.year, b.comparator, b.value) for b in sep.baselines] == [(2020, "approx", 50)]
    assert "超过三分之一" in text and "已经超过一半" in text
    cross = tj.indicator("TJ14-DST-09").baselines[0]
    assert cross.comparator == "gt" and cross.value == pytest.approx(100 / 3, abs=0.01)
    ring = tj.indicator("TJ14-DST-10").baselines[0]
    assert (ring.comparator, ring.value) == ("gt", 50)


def test_task_division_basis_means_the_departments_of_a_row(tj: Plan) -> None:
    rows = [set(t.departments) for t in tj.tasks]
    for ind in tj.indicators:
        if ind.department_basis == "task-division":
            assert set(ind.departments) in rows, ind.code
    # 人户分离 monitoring (task 39) names only "各有关部门、各区人民政府": our assignment
    sep = tj.indicator("TJ14-DST-08")
    assert sep.department_basis == "mandate"
    assert set(sep.departments) not in rows


def test_task_notes_quote_both_wordings_correctly(tj: Plan) -> None:
    division = _flat(_src(tj, 1))
    body = _flat(_src(tj, 0))
    checked = 0
    for task in tj.tasks:
        m = re.search(r"清单(“.+?”(?:“.+?”)*)，规划正文作(“.+?”(?:“.+?”)*)", task.notes or "")
        if not m:
            continue
        listed = re.findall(r"“(.+?)”", m.group(1))
        planned = re.findall(r"“(.+?)”", m.group(2))
        for a, b in zip(listed, planned, strict=True):
            a, b = a.rstrip("…"), b.rstrip("…")
            assert a in division and a not in body, (task.code, a)
            assert b in body, (task.code, b)
        checked += 1
    assert checked == 7


def test_tianjin_binhai_box_goals_and_figures(tj: Plan) -> None:
    text = _flat(_src(tj))
    for code in ("TJ14-DST-11", "TJ14-DST-12"):
        ind = tj.indicator(code)
        assert [t.comparator for t in ind.targets] == ["increase"], code
        assert "专栏1" in ind.section
    assert tj.indicator("TJ14-DST-12").kind == "reported"
    # 职住平衡率 of 滨海新区 (a division) comes from the employment and residence records.
    jobs = tj.indicator("TJ14-DST-11")
    assert (jobs.kind, jobs.formula, jobs.area_group) == ("computed", "jobs_housing_balance",
                                                          "binhai")
    assert "提高职住平衡率" in jobs.quote
    figs = {f.code: f for f in tj.figures}
    m = re.search(r"招收(\d+)-(\d+)岁的幼儿", text)
    assert m
    assert (figs["TJ14-FIG-22"].value, figs["TJ14-FIG-22"].comparator) == (float(m.group(1)), "ge")
    assert (figs["TJ14-FIG-23"].value, figs["TJ14-FIG-23"].comparator) == (float(m.group(2)), "le")
    assert "扩大半小时、一小时交通圈" in text
    assert (figs["TJ14-FIG-24"].value, figs["TJ14-FIG-25"].value) == (0.5, 1)
    assert "三孩生育政策" in text and figs["TJ14-FIG-26"].value == 3


def test_xiqing_directional_goals_of_the_text() -> None:
    xq = catalog.get_plan(XQ)
    text = _flat(_src(xq))
    expected = {
        "XQ14-POP-07": "扩大流动人口和户籍迁入人口规模",
        "XQ14-POP-08": "扩大流动人口和户籍迁入人口规模",
        "XQ14-EDU-12": "不断提高从业人员继续教育参与率",
        "XQ14-HLT-15": "不断提高群众健康知识知晓率",
        "XQ14-SRV-14": "不断提高外来人口居住证持有率",
    }
    for code, words in expected.items():
        ind = xq.indicator(code)
        assert words in text and words in ind.quote, code
        assert [(t.year, t.comparator) for t in ind.targets] == [(2025, "increase")], code
    # The text defines no "流动人口" count, so no baseline is invented for it.
    assert xq.indicator("XQ14-POP-07").baselines == ()
    # Sections name the heading as printed.
    heading = "（一）“十三五”时期人口发展成就与存在的问题"
    assert heading in text
    for code in ("XQ14-DST-03", "XQ14-DST-04", "XQ14-DST-05"):
        assert xq.indicator(code).section == "一、" + heading, code
    figs = {f.code: f for f in xq.figures}
    assert figs["XQ14-FIG-16"].comparator == "ge"  # "14周以上" includes week 14
    assert figs["XQ14-FIG-20"].value == 3 and "生育三个孩子" in figs["XQ14-FIG-20"].quote


def test_chongqing_task_goals_and_projection_figures() -> None:
    cq = catalog.get_plan(CQ)
    text = _flat(_src(cq))
    assert [(t.year, t.comparator) for t in cq.indicator("CQ30-QUA-05").targets] == \
        [(2030, "increase")]
    assert [(t.year, t.comparator) for t in cq.indicator("CQ30-POP-06").targets] == \
        [(2030, "increase")]
    poor = cq.indicator("CQ30-SRV-01")
    assert poor.targets == () and poor.qualitative_target and "全部脱贫" in poor.quote
    figs = {f.code: f for f in cq.figures}
    assert (figs["CQ30-FIG-09"].value, figs["CQ30-FIG-09"].comparator) == \
        (_num(r"维持(\d+)年左右", text), "approx")
    m = re.search(r"预计未来(\d+)—(\d+)年内", text)
    assert m and (figs["CQ30-FIG-11"].value, figs["CQ30-FIG-11"].comparator) == \
        (float(m.group(2)), "le")
    assert "一对夫妇可生育两个孩子" in text and figs["CQ30-FIG-12"].value == 2


def test_tianjin_departments_from_the_row_that_names_the_service(tj: Plan) -> None:
    division = _flat(_src(tj, 1))
    rows = {t.code: t for t in tj.tasks}
    # (indicator, task row, words of that row's measures, the reporting department)
    for code, task, words, first in (
            ("TJ14-SRV-03", "TJ14-T33", "为老年人建立健康档案", "wjw"),
            ("TJ14-SRV-09", "TJ14-T31", "推动城乡区域特困人员供养服务机构建设", "mzj")):
        ind, row = tj.indicator(code), rows[task]
        assert words in division and any(words in m for m in row.measures)
        assert ind.department_basis == "task-division"
        assert set(ind.departments) == set(row.departments), code
        assert ind.departments[0] == first, code


@pytest.mark.parametrize(("plan_code", "start", "end"), [
    (XQ, "（三）主要目标", "三、“十四五”时期人口发展主要任务"),
    (CQ, "第二节主要目标", "专栏1"),
])
def test_every_number_in_the_goals_prose_is_a_target(plan_code: str, start: str,
                                                      end: str) -> None:
    plan = catalog.get_plan(plan_code)
    text = _flat(_src(plan))
    goals = text[text.index(start):text.index(end, text.index(start))]
    # numbers with a unit; years ("2025年") and age brackets ("16—59岁", "65岁以上") excluded
    goals = re.sub(r"\d+—\d+岁|\d+岁(?:及)?以上|(?:19|20)\d\d年", "", goals)
    numbers = {float(x) for x in re.findall(r"(\d+(?:\.\d+)?)(?:%|‰|岁|年|万人|左右)", goals)}
    encoded = {v for ind in plan.indicators for t in ind.targets
               for v in (t.value, t.low, t.high) if v is not None and t.nature == "target"}
    assert numbers and numbers <= encoded, numbers - encoded
