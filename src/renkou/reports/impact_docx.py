"""The Word report of a population impact assessment (重大决策人口影响评估报告), in Chinese,
with the page setup, fonts and tables of :mod:`renkou.reports.docx_writer`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH

from renkou.impact.decision import Arrivals, Fertility, Relocation, Settlement, Shock
from renkou.impact.indicators import indicator_name
from renkou.impact.risk import risk_rules
from renkou.impact.run import Assessment
from renkou.regions import gazetteer
from renkou.reports.docx_style import CN_NUM, add_heading, add_paragraph, add_table, setup_document

GRADE_FILL = {"高": "F4CCCC", "较高": "FCE4D6", "中": "FFF2CC", "较低": "DDEBF7", "低": "D9EAD3"}
POPULATION_ROWS = ("population", "pop_0_2", "pop_3_5", "pop_6_14", "pop_15_59", "pop_15_64",
                   "pop_60p", "pop_65p", "pop_80p", "births", "deaths", "dependency_total",
                   "dependency_old")


def _area(code: str) -> str:
    region = gazetteer().regions.get(code)
    return f"{region.name}（{code}）" if region is not None else code


def _n(x: object, digits: int = 0) -> str:
    value = float(x) if isinstance(x, (int, float)) else float("nan")
    if pd.isna(value):
        return "—"
    return f"{value:,.{digits}f}"


def describe_shock(shock: Shock) -> str:
    if isinstance(shock, Arrivals):
        years = "、".join(f"{y}年{n:,.0f}人" for y, n in shock.schedule)
        prof = "迁移人口年龄模式" if shock.age_profile == "movers" else "给定年龄段"
        new = "（新建居住区，适用配建标准）" if shock.new_area else ""
        return (f"人口迁入：{_area(shock.region)}{new}，{years}，共{shock.total:,.0f}人，"
                f"按{prof}分布。")
    if isinstance(shock, Fertility):
        change = (f"总和生育率提高{shock.tfr_change:g}" if shock.tfr_change is not None
                  else f"总和生育率调整为{shock.tfr:g}")
        where = _area(shock.region) if shock.region else "各地区"
        return f"生育支持：自{shock.from_year}年起{where}{change}。"
    if isinstance(shock, Relocation):
        return (f"人口疏解/搬迁：{shock.year}年{shock.persons:,.0f}人由{_area(shock.origin)}迁往"
                f"{_area(shock.destination)}。")
    if isinstance(shock, Settlement):
        until = f"至{shock.to_year}年" if shock.to_year else "起每年"
        return (f"落户政策：{_area(shock.region)}自{shock.from_year}年{until}"
                f"为{shock.persons_per_year:,.0f}名常住人口办理落户。")
    return str(shock)


def _years(a: Assessment) -> list[int]:
    first, last = a.base_year + 1, a.decision.horizon
    picks = sorted({first, (first + last) // 2, last})
    return picks


def _rows(a: Assessment, region: str, indicators: list[str], year: int) -> list[list[str]]:
    t = a.table[(a.table["region"] == region) & (a.table["year"] == year)].set_index(
        "indicator")
    out = []
    for ind in indicators:
        if ind not in t.index:
            continue
        r = t.loc[ind]
        digits = 2 if ind.startswith("dependency") else 0
        out.append([indicator_name(ind, a.norms), _n(r["baseline"], digits),
                     _n(r["scenario"], digits), _n(r["difference"], digits)])
    return out


def _population(doc: DocumentObject, a: Assessment) -> None:
    whole = a.jurisdiction.code
    for year in _years(a):
        add_paragraph(doc, f"{year}年末（{a.jurisdiction.name}全域）：", bold=True, indent=False)
        add_table(doc, ["指标", "基线", "情景", "差异"],
                  _rows(a, whole, list(POPULATION_ROWS), year), [5.0, 3.3, 3.3, 3.3])


def _services(doc: DocumentObject, a: Assessment) -> None:
    whole, h = a.jurisdiction.code, a.decision.horizon
    services = [n.service for n in a.norms.area_norms(dt.date(h, 12, 31))]
    rows = _rows(a, whole, [f"{p}{s}" for s in services for p in ("demand_", "gap_")], h)
    add_paragraph(doc, f"{h}年末各项服务需求与缺口（缺口为正表示供给不足；供给按现有设施清单计）：",
          indent=False)
    add_table(doc, ["指标", "基线", "情景", "差异"], rows, [5.0, 3.3, 3.3, 3.3])
    gaps = a.table[(a.table["year"] == h) & (a.table["region"] != whole)
                   & a.table["indicator"].str.startswith("gap_")]
    top = gaps.sort_values("difference", ascending=False).head(10)
    top = top[top["difference"] > 0]
    if not top.empty:
        add_paragraph(doc, "缺口增加最多的地区与服务：", indent=False)
        add_table(doc, ["地区", "服务", "基线缺口", "情景缺口", "增加"],
               [[_area(str(r.region)), indicator_name(str(r.indicator), a.norms),
                 _n(r.baseline, 1), _n(r.scenario, 1), _n(r.difference, 1)]
                for r in top.itertuples(index=False)], [4.0, 3.6, 2.5, 2.5, 2.4])


def _subsidies(doc: DocumentObject, a: Assessment) -> bool:
    whole, h = a.jurisdiction.code, a.decision.horizon
    names = sorted({i for i in a.table["indicator"].unique()
                    if i.startswith(("caseload_", "budget_"))})
    if not names:
        return False
    add_paragraph(doc, f"{h}年补贴受益人数（人）与年度资金（元），"
                  "按基准日各项补贴每名适龄常住人口的受益率和人均资金推算：", indent=False)
    add_table(doc, ["指标", "基线", "情景", "差异"], _rows(a, whole, names, h),
              [6.0, 3.0, 3.0, 3.0])
    return True


def _risks(doc: DocumentObject, a: Assessment) -> None:
    r = a.risks[a.risks["grade"] >= 2].sort_values(["grade", "value"], ascending=False)
    if r.empty:
        add_paragraph(doc, "各项测度均在“较低”及以下，未发现中等及以上风险。")
    else:
        rules = risk_rules()["measures"]
        rows = [[_area(str(x.region)), rules[x.measure]["name"],
                 indicator_name(str(x.indicator), a.norms), str(x.year),
                 f"{x.value:.1%}" if rules[x.measure]["kind"] != "absolute" else f"{x.value:.2f}",
                 str(x.grade_name)] for x in r.head(30).itertuples(index=False)]
        add_table(doc, ["地区", "测度", "指标", "年份", "幅度", "等级"], rows,
               [3.6, 3.2, 3.2, 1.4, 2.0, 1.4], fills={5: GRADE_FILL})
        if len(r) > 30:
            add_paragraph(doc, f"另有{len(r) - 30}项中等及以上风险见指标对比表。", size=10)


def _methods(a: Assessment) -> list[str]:
    rules = risk_rules()
    lines = [
        f"基线：以{a.decision.as_of.isoformat()}人口基础信息库数据为基期（{a.base_year}年末），"
        "各地区近三年生育、死亡和净迁移水平保持不变，以队列要素法逐年预测至"
        f"{a.decision.horizon}年；情景在同一输入上施加决策冲击，以同一模型预测。",
        "冲击：迁入人口计入当年净迁移（按年龄、性别分布，年中迁入，当年承受半年死亡风险），"
        "此后按所在地区的死亡率和生育率变化；生育冲击按比例调整各年龄别生育率使总和生育率达到设定值；"
        "搬迁人口按迁出地区的年龄性别结构从迁出地区减去、在迁入地区增加；落户不改变常住人口，"
        "按户籍口径评估时计为迁入。",
        "公共服务：需求按本辖区服务标准计算，供给为评估年末仍在使用的设施容量；"
        "缺口 = 需求 − 供给。标准来源：" + "；".join(
            f"{n.name}——{n.values[-1].citation}" for n in a.norms.norms.values()),
    ]
    for m in rules["measures"].values():
        lines.append(f"风险等级（{m['name']}）：{m['description']}，阈值 "
                     + "、".join(f"{t:g}" for t in m["thresholds"])
                     + "，依次对应" + "、".join(rules["grades"][1:]) + "；低于首个阈值为“低”。")
    if a.scale != 1.0:
        lines.append(f"示范数据按普查常住人口折算（折算系数 {a.scale:,.1f}：{a.scale_note}）。")
    return lines


def write_impact_docx(a: Assessment, out: Path | str) -> Path:
    out = Path(out)
    doc = Document()
    setup_document(doc)
    doc.add_heading(f"《{a.decision.name}》人口影响评估报告", level=0)
    add_paragraph(doc, f"{a.jurisdiction.name}　基期 {a.decision.as_of.isoformat()}　评估期至 "
               f"{a.decision.horizon} 年　编制日期 {dt.date.today().isoformat()}",
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    sections = iter(CN_NUM)

    def h1(text: str) -> None:
        add_heading(doc, f"{next(sections)}、{text}", 1)

    h1("决策概况")
    if a.synthetic:
        add_paragraph(doc, "本报告基于合成的示范数据，仅用于演示评估方法，不代表实际人口情况。",
                      bold=True)
    if a.decision.description:
        add_paragraph(doc, a.decision.description)
    for i, shock in enumerate(a.decision.shocks, start=1):
        add_paragraph(doc, f"{i}. {describe_shock(shock)}")
    h = a.decision.horizon
    diff = a.value(h, a.jurisdiction.code, "population")
    base = a.value(h, a.jurisdiction.code, "population", "baseline")
    change = "增加" if diff >= 0 else "减少"
    add_paragraph(doc, f"到{h}年末，{a.jurisdiction.name}常住人口较基线{change}"
                  f"{abs(diff):,.0f}人（{diff / base:+.2%}）。" if base else "")
    h1("人口总量与结构影响")
    _population(doc, a)
    h1("公共服务需求与缺口")
    _services(doc, a)
    for ob in a.obligations:
        add_paragraph(doc, f"配建义务：{_area(ob.region)}新建居住区{ob.persons:,.0f}人，"
                   f"按{ob.name}标准应同步配建{ob.capacity:,.0f}{ob.unit}（依据：{ob.citation}）。")
    _subsidies(doc, a)
    h1("风险等级")
    _risks(doc, a)
    if a.warnings:
        h1("说明事项")
        for w in a.warnings:
            add_paragraph(doc, w)
    add_heading(doc, "附件：评估方法说明", 1)
    for line in _methods(a):
        add_paragraph(doc, line, size=10)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out
