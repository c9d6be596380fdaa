"""The annual population report (年度人口发展形势分析与预警): the document model and its Word
writer. The model is given every figure it prints (counts read from the registry, the plan
assessment's warning list, the projection fans); it reads no store itself —
:mod:`renkou.app.annual` gathers them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from renkou.plans import EarlyWarning
from renkou.plans.assessment.warnings import LIST_FROM, STATUS_RISK
from renkou.reports.charts import fan_png, pyramid_png
from renkou.reports.docx_style import (
    CN_NUM,
    add_heading,
    add_paragraph,
    add_table,
    setup_document,
)
from renkou.reports.figures import FanChart, Pyramid

FLOW_NAMES = {"residence_arrival": "迁入居住", "residence_departure": "迁出居住",
              "hukou_in": "户籍迁入", "hukou_out": "户籍迁出"}
SEPARATION_NAMES = {"same_district": "同区内人户分离", "other_district": "跨区人户分离",
                    "outside_city": "户籍在辖区外"}
LEVEL_FILL = {"红色预警": "F4CCCC", "橙色预警": "FCE5CD", "黄色预警": "FFF2CC"}
# Thresholds of the population signals (人口态势信号), stated in the report beside each.
AGED_65, SUPER_AGED_65 = 0.14, 0.20  # UN: aged / super-aged society by the 65+ share
SRB_LOW, SRB_HIGH = 103.0, 107.0  # the normal range of the sex ratio at birth
SRB_MIN_BIRTHS = 1_000  # below this many births the ratio is too noisy to warn on
OLD_DEP_HIGH = 0.30  # 65+ per person aged 15–64


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    resident: int
    hukou: int
    separated: int
    births: int = 0
    deaths: int = 0


@dataclass(frozen=True)
class Signal:
    """One population signal with the rule behind it (e.g. 65+ share ≥ 14 %)."""

    name: str
    value: str
    rule: str
    raised: bool


@dataclass(frozen=True)
class AnnualReport:
    jurisdiction: str
    year: int
    as_of: dt.date
    synthetic: bool
    plan_name: str
    plan_end: int
    area_level: str  # 区县 or 街镇
    areas: tuple[AreaRow, ...]
    resident: int
    hukou: int
    employed: int | None
    births: int
    births_male: int
    deaths: int
    flows: Mapping[str, int]
    separation: Mapping[str, int]
    male: tuple[float, ...]  # residents by single age, OPEN_AGE last
    female: tuple[float, ...]
    plan_fan: FanChart | None
    long_fans: tuple[FanChart, ...]
    warnings: tuple[EarlyWarning, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The same calibers a year earlier (None: the store starts later).
    prev_resident: int | None = None
    prev_hukou: int | None = None

    @property
    def title(self) -> str:
        return f"{self.jurisdiction}{self.year}年人口发展形势分析与预警"

    @property
    def total(self) -> float:
        return sum(self.male) + sum(self.female)

    def share(self, lo: int, hi: int | None = None) -> float:
        """Share of residents aged ``lo`` to ``hi`` (inclusive; None: open)."""
        end = None if hi is None else hi + 1
        part = sum(self.male[lo:end]) + sum(self.female[lo:end])
        return part / self.total if self.total else 0.0

    def count(self, lo: int, hi: int | None = None) -> int:
        end = None if hi is None else hi + 1
        return round(sum(self.male[lo:end]) + sum(self.female[lo:end]))

    @property
    def srb(self) -> float | None:
        female = self.births - self.births_male
        return self.births_male / female * 100 if female > 0 else None

    def signals(self) -> list[Signal]:
        s65 = self.share(65)
        out = [Signal("65岁及以上人口占比", pct(s65),
                      f"≥{AGED_65:.0%}为老龄社会，≥{SUPER_AGED_65:.0%}为超老龄社会（联合国标准）",
                      s65 >= AGED_65)]
        natural = self.births - self.deaths
        out.append(Signal("自然增长", f"{natural:+,d}人", "出生少于死亡（负增长）即预警",
                          natural < 0))
        working = self.count(15, 64)
        if working:
            dep = self.count(65) / working
            out.append(Signal("老年抚养比（65+÷15-64）", pct(dep),
                              f"≥{OLD_DEP_HIGH:.0%}即预警", dep >= OLD_DEP_HIGH))
        srb = self.srb
        if srb is not None:
            thin = self.births < SRB_MIN_BIRTHS
            out.append(Signal("出生人口性别比", f"{srb:.1f}",
                              f"超出{SRB_LOW:g}～{SRB_HIGH:g}即预警（出生不足{SRB_MIN_BIRTHS:,d}"
                              "人时波动大，不预警）",
                              not thin and not SRB_LOW <= srb <= SRB_HIGH))
        arrivals = self.flows.get("residence_arrival", 0)
        departures = self.flows.get("residence_departure", 0)
        out.append(Signal("居住迁移净流入", f"{arrivals - departures:+,d}人",
                          "迁出多于迁入（净流出）即预警", departures > arrivals))
        return out


def _change(now: int, before: int | None) -> str:
    if before is None:
        return ""
    d = now - before
    return f"（比上年同期{'增加' if d >= 0 else '减少'}{abs(d):,d}人）"


def pct(x: float) -> str:
    return f"{x * 100:.2f}%"


def rule_lines() -> list[str]:
    """The warning list's rules as the assessment applies them."""
    status = "，".join(f"{k} {v:g}" for k, v in STATUS_RISK.items())
    return [
        f"规划指标风险分值 = 评估结论分（{status}）+ 0.3 ×（时间进度 − 完成进度，限于0～1）"
        " + 0.5 ×（1 − 随机预测或趋势外推的达标概率）+ 0.1 × 规划期已过比例；"
        "无达标概率而预测值仍不达标时另加 0.3。",
        f"分值≥{LIST_FROM:g}的指标列入预警清单：≥1.0为红色预警，≥0.6为橙色预警，其余为黄色预警。",
    ]


def write_annual_docx(r: AnnualReport, out: Path) -> Path:
    doc: DocumentObject = Document()
    setup_document(doc)
    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Two lines, so that a long jurisdiction name does not leave a word alone on the second.
    head = title.add_run(f"{r.jurisdiction}{r.year}年")
    head.add_break()
    title.add_run("人口发展形势分析与预警")
    add_paragraph(doc, f"数据截至{r.as_of:%Y年%m月%d日}；对照规划：{r.plan_name}",
                  align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, size=11)
    if r.synthetic:
        add_paragraph(doc, "【示范数据】本报告所用人口库为合成的示范数据，数字不代表真实人口。",
                      bold=True)
    numbers = iter(CN_NUM)

    def h1(text: str) -> None:
        add_heading(doc, f"{next(numbers)}、{text}", 1)

    h1("人口总量与分布")
    add_paragraph(doc, f"{r.as_of:%Y年%m月%d日}，{r.jurisdiction}常住人口{r.resident:,d}人"
                  f"{_change(r.resident, r.prev_resident)}，户籍人口{r.hukou:,d}人"
                  f"{_change(r.hukou, r.prev_hukou)}"
                  + (f"，就业人口{r.employed:,d}人" if r.employed is not None else "") + "。")
    rows = [[a.name, f"{a.resident:,d}", f"{a.hukou:,d}", f"{a.separated:,d}",
             f"{a.births:,d}", f"{a.deaths:,d}"] for a in r.areas]
    rows.append(["合计", *(f"{sum(getattr(a, k) for a in r.areas):,d}"
                         for k in ("resident", "hukou", "separated", "births", "deaths"))])
    add_table(doc, [r.area_level, "常住人口", "户籍人口", "人户分离", f"{r.year}年出生",
                    f"{r.year}年死亡"], rows, [3.6, 2.5, 2.5, 2.5, 2.5, 2.5])
    h1("出生、死亡与迁移")
    natural = r.births - r.deaths
    add_paragraph(doc, f"{r.year}年出生{r.births:,d}人（男{r.births_male:,d}人），"
                  f"死亡{r.deaths:,d}人，自然增长{natural:+,d}人"
                  + (f"；按年末常住人口计，出生率{r.births / r.resident * 1000:.2f}‰，"
                     f"死亡率{r.deaths / r.resident * 1000:.2f}‰" if r.resident else "")
                  + "。")
    kinds = [*FLOW_NAMES, *(k for k in r.flows if k not in FLOW_NAMES)]
    add_table(doc, ["迁移类别", f"{r.year}年人数"],
              [[FLOW_NAMES.get(k, k), f"{r.flows.get(k, 0):,d}"] for k in kinds], [6.0, 4.0])
    h1("人户分离")
    sep_total = sum(r.separation.values())
    add_paragraph(doc, f"人户分离人口{sep_total:,d}人，占常住人口"
                  f"{pct(sep_total / r.resident) if r.resident else '—'}。")
    add_table(doc, ["类别", "人数"],
              [[SEPARATION_NAMES.get(k, k), f"{v:,d}"] for k, v in r.separation.items()],
              [6.0, 4.0])
    h1("年龄结构与老龄化")
    add_table(doc, ["年龄组", "人数", "占比"],
              [[label, f"{r.count(lo, hi):,d}", pct(r.share(lo, hi))]
               for label, lo, hi in (("0-14岁", 0, 14), ("15-59岁", 15, 59),
                                     ("60岁及以上", 60, None), ("65岁及以上", 65, None),
                                     ("80岁及以上", 80, None))],
              [4.0, 3.5, 3.5])
    if r.total:
        png = pyramid_png(Pyramid(title=f"{r.jurisdiction}常住人口金字塔（{r.year}年）",
                                  year=r.year, male=r.male, female=r.female))
        _picture(doc, png, 14.0)
    h1("劳动力")
    add_paragraph(doc, f"15-59岁劳动年龄人口{r.count(15, 59):,d}人，占{pct(r.share(15, 59))}；"
                  f"15-64岁{r.count(15, 64):,d}人，占{pct(r.share(15, 64))}。"
                  + (f"就业人口{r.employed:,d}人。" if r.employed is not None else ""))
    h1("人口预测")
    if r.plan_fan is not None:
        add_paragraph(doc, f"至规划期末（{r.plan_end}年）：{r.plan_fan.method}。")
        _picture(doc, fan_png(r.plan_fan), 14.0)
    for fan in r.long_fans:
        add_paragraph(doc, f"{fan.title}：{fan.method}。")
        _picture(doc, fan_png(fan), 14.0)
    if r.plan_fan is None and not r.long_fans:
        add_paragraph(doc, "库内数据不足以做随机预测。")
    h1("规划指标风险")
    at_risk = [w for w in r.warnings if w.reasons][:5]
    if at_risk:
        for w in at_risk:
            add_paragraph(doc, f"{w.rank}. {w.name}（{w.level}，{w.status}）："
                          + "；".join(w.reasons) + "。")
    else:
        add_paragraph(doc, "规划指标均在正常进度内。")
    h1("预警清单")
    for line in rule_lines():
        add_paragraph(doc, line, size=10)
    if r.warnings:
        add_table(doc, ["序号", "等级", "指标", "分值", "评估结论", "建议"],
                  [[str(w.rank), w.level, w.name, f"{w.score:.2f}", w.status, w.suggestion]
                   for w in r.warnings],
                  [1.0, 1.8, 3.2, 1.2, 2.4, 6.4], fills={1: LEVEL_FILL})
    else:
        add_paragraph(doc, "本年度无规划指标预警。")
    add_paragraph(doc, "人口态势信号（阈值如下）：", bold=True, indent=False)
    add_table(doc, ["信号", f"{r.year}年", "阈值", "是否预警"],
              [[s.name, s.value, s.rule, "预警" if s.raised else "—"] for s in r.signals()],
              [3.6, 2.6, 6.6, 1.8], fills={3: {"预警": LEVEL_FILL["橙色预警"]}})
    add_heading(doc, "附：数据与方法说明", 1)
    for line in r.notes:
        add_paragraph(doc, line, size=10)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def _picture(doc: DocumentObject, png: bytes, width_cm: float) -> None:
    import io

    doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
