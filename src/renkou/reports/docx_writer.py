"""Word output of the evaluation report (评估报告 Word 版), with python-docx.

Layout follows what a 发改委 office hands upward: title page; 一、总体情况 (摘要);
二、主要指标完成情况 (tables with status, by category); 三、人口发展态势 (charts);
四、预警清单; 五、重点任务推进情况; 六、存在问题与建议; 附件：评估方法说明.
Body text uses 宋体 (SimSun) for Chinese, the usual office font; charts are PNG images with
the shipped CJK font, so they look the same everywhere.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm

from renkou.plans import (
    DEFAULT_APPROX_TOLERANCE,
    DEMO_MARK,
    LAGGING,
    MET,
    MISSED,
    NO_DATA,
    ON_TRACK,
    department_names,
    format_number,
)
from renkou.reports import charts
from renkou.reports.docx_style import (
    CN_NUM,
    add_heading,
    add_paragraph,
    add_table,
    setup_document,
)
from renkou.reports.evaluation import STAGE_ZH, EvaluationReport

STATUS_FILL: dict[str, str] = {MET: "D9EAD3", ON_TRACK: "DDEBF7", LAGGING: "FCE4D6",
                               MISSED: "F4CCCC", NO_DATA: "EDEDED"}
LEVEL_FILL = {"红色预警": "F4CCCC", "橙色预警": "FCE4D6", "黄色预警": "FFF2CC"}
CATEGORIES = ("总量", "素质", "结构", "分布", "公共服务")


def _num(x: float | None, unit: str = "") -> str:
    if x is None:
        return "—"
    u = unit if unit not in ("", "—", "%", "‰") else ""
    return f"{format_number(clean_zero(x))}{u}"


def clean_zero(x: float) -> float:
    """0 for a value that is zero but for floating-point noise (e.g. 9.3e-14 from a
    difference of equal totals), which would print in exponent notation."""
    return 0.0 if abs(x) < 1e-9 else x


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _title_page(doc: DocumentObject, r: EvaluationReport) -> None:
    for _ in range(6):
        doc.add_paragraph()
    add_paragraph(doc, r.plan.name_zh, bold=True, size=22, align=WD_ALIGN_PARAGRAPH.CENTER,
                  indent=False)
    add_paragraph(doc, f"实施情况{STAGE_ZH[r.stage]}报告", bold=True, size=22,
                  align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    add_paragraph(doc, r.subtitle, size=16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for _ in range(8):
        doc.add_paragraph()
    add_paragraph(doc, f"{r.lead}", size=16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    add_paragraph(doc, f"{r.generated.year}年{r.generated.month}月{r.generated.day}日", size=16,
                  align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    add_paragraph(doc, "（由 renkou 人口发展规划监测系统根据人口基础信息库和部门填报数据生成）",
                  size=10, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if r.demo_notice:
        add_paragraph(doc, r.demo_notice, bold=True, size=11, align=WD_ALIGN_PARAGRAPH.CENTER,
                      indent=False)
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def _indicator_tables(doc: DocumentObject, r: EvaluationReport) -> None:
    pa = r.assessment
    header = ["序号", "指标", "单位", "基期值", f"{r.year}年", "规划目标", "评估结论",
              "目标年预测", "达标概率"]
    # The value column holds "示范数据" on its own line under a demo value.
    widths = [0.8, 3.0, 1.2, 2.0, 1.9, 2.4, 2.0, 1.6, 1.2]
    n = 0
    for cat in CATEGORIES:
        items = [a for a in pa.assessments if a.category == cat]
        if not items:
            continue
        add_paragraph(doc, f"{cat}指标", bold=True, indent=False)
        rows = []
        for a in items:
            n += 1
            base = (f"{_num(a.baseline_value)}\n{a.baseline_year}年"
                    if a.baseline_value is not None else "—")
            value = _num(a.assessed_value if a.assessed_value is not None else a.value)
            if r.is_demo(a.indicator_code) and value != "—":
                value += f"\n{DEMO_MARK}"
            f = a.forward
            rows.append([str(n), a.name, a.unit, base, value, a.target_text, a.status,
                         (_num(f.projected_value) + ("*" if f.kind == "trend" else ""))
                         if f else "—",
                         _pct(f.probability) if f else "—"])
        add_table(doc, header, rows, widths, fills={6: dict(STATUS_FILL)})
        doc.add_paragraph()
    add_paragraph(doc, "注：基期值括号内为年份；未在规划文本中给出的基期值取系统计算或部门填报的"
                  f"{pa.plan.period_start - 1}年值。累计目标列示规划期累计值。“目标年预测”为中方案"
                  "（近年生育、死亡、迁移水平不变）预测值，“达标概率”来自随机预测；带*者为历年数据的"
                  "线性趋势外推（非人口预测），概率按残差正态分布估计。", size=9,
                  indent=False)
    if pa.monitored:
        add_paragraph(doc, "监测指标（未设量化目标）", bold=True, indent=False)
        rows = [[m.name, m.unit, _num(m.value) + (f"\n{DEMO_MARK}" if r.is_demo(
            m.indicator_code) and m.value is not None else ""), m.note] for m in pa.monitored]
        add_table(doc, ["指标", "单位", f"{r.year}年", "说明"], rows, [4.0, 1.6, 2.0, 8.2])
    reasons = [a for a in pa.assessments if a.status in (LAGGING, MISSED, NO_DATA)]
    if reasons:
        doc.add_paragraph()
        add_paragraph(doc, "需关注指标说明", bold=True, indent=False)
        rows = [[a.name, a.status, a.reason, a.source] for a in reasons]
        add_table(doc, ["指标", "评估结论", "说明", "数据来源"], rows, [3.4, 2.4, 5.4, 4.6],
                  fills={1: dict(STATUS_FILL)})


def _charts(doc: DocumentObject, r: EvaluationReport, images: dict[str, bytes]) -> None:
    import io

    k = 0
    for name, caption in (("trajectories", "主要指标监测值与规划目标路径"),
                          ("pyramid", "人口年龄结构（金字塔）"),
                          ("fan", "常住人口预测（扇形图）")):
        if name not in images:
            continue
        k += 1
        doc.add_picture(io.BytesIO(images[name]), width=Cm(15.5))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_paragraph(doc, f"图{k}  {caption}", size=10, align=WD_ALIGN_PARAGRAPH.CENTER,
                      indent=False)
    if r.fan is not None:
        add_paragraph(doc, f"预测方法：{r.fan.method}。", size=9, indent=False)
    if k == 0:
        add_paragraph(doc, "本评估区域在人口基础信息库中没有可用的人口数据，未生成图表。")


def render_images(r: EvaluationReport) -> dict[str, bytes]:
    images: dict[str, bytes] = {}
    if r.trajectories:
        images["trajectories"] = charts.trajectories_png(r.trajectories)
    if r.pyramid is not None:
        images["pyramid"] = charts.pyramid_png(r.pyramid)
    if r.fan is not None:
        images["fan"] = charts.fan_png(r.fan)
    return images


def write_docx(r: EvaluationReport, out: Path | str) -> Path:
    """Write the report to a .docx file."""
    out = Path(out)
    doc = Document()
    setup_document(doc)
    _title_page(doc, r)
    sections = iter(CN_NUM)

    def h1(text: str) -> None:
        add_heading(doc, f"{next(sections)}、{text}", 1)

    h1("总体情况")
    if r.demo_notice:
        add_paragraph(doc, r.demo_notice, bold=True)
    for line in r.findings:
        add_paragraph(doc, line)
    h1("主要指标完成情况")
    _indicator_tables(doc, r)
    h1("人口发展态势")
    _charts(doc, r, render_images(r))
    h1("预警清单")
    if r.warnings:
        rows = [[str(w.rank), w.level, w.name, w.status, "；".join(w.reasons), w.suggestion]
                for w in r.warnings]
        add_table(doc, ["序号", "等级", "指标", "评估结论", "原因", "建议"], rows,
                  [1.0, 1.8, 2.8, 2.2, 5.0, 4.0], fills={1: LEVEL_FILL})
    else:
        add_paragraph(doc, "本年度无预警事项。")
    h1("重点任务推进情况")
    _tasks(doc, r)
    h1("存在问题与建议")
    for i, line in enumerate(r.recommendations, start=1):
        add_paragraph(doc, f"{i}. {line}")
    add_heading(doc, "附件：评估方法说明", 1)
    for line in method_notes(r):
        add_paragraph(doc, line, size=10)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def _tasks(doc: DocumentObject, r: EvaluationReport) -> None:
    if not r.tasks:
        add_paragraph(doc, "本规划未列出重点任务分工。")
        return
    add_paragraph(doc, "按责任部门", bold=True, indent=False)
    rows = [[g.name, str(g.tasks), str(g.completed), str(g.in_progress), str(g.lagging),
             str(g.unreported), f"{g.mean_percent:.0f}%", str(g.flagged)]
            for g in r.by_department]
    add_table(doc, ["责任部门", "任务数", "已完成", "推进中", "滞后", "未报告", "平均进度",
                    "需督办"], rows, [4.4, 1.5, 1.5, 1.5, 1.5, 1.5, 1.8, 1.6])
    doc.add_paragraph()
    add_paragraph(doc, "按规划章节", bold=True, indent=False)
    rows = [[g.name, str(g.tasks), str(g.completed), str(g.lagging), f"{g.mean_percent:.0f}%",
             str(g.flagged)] for g in r.by_section]
    add_table(doc, ["规划章节", "任务数", "已完成", "滞后", "平均进度", "需督办"], rows,
              [6.8, 1.6, 1.6, 1.6, 2.0, 1.8])
    if r.flagged_tasks:
        doc.add_paragraph()
        add_paragraph(doc, "督办提示（标记滞后、近一季度未报告或从未报告的任务）", bold=True,
                      indent=False)
        rows = []
        for s in r.flagged_tasks:
            last = s.latest.report_date.isoformat() if s.latest else "—"
            rows.append([s.task.code, s.task.title, "、".join(
                department_names(s.task.departments)[:3]), s.status, last, "；".join(s.flags)])
        add_table(doc, ["编号", "任务", "责任部门", "状态", "最近报告", "提示"], rows,
                  [2.0, 3.6, 4.4, 1.6, 2.2, 2.6])


def method_notes(r: EvaluationReport) -> list[str]:
    cfg = r.assessment.config
    tol = cfg.approx_rel_tolerance if cfg.approx_rel_tolerance is not None else \
        DEFAULT_APPROX_TOLERANCE
    return [
        "1. 评估结论规则：以规划基期值到目标值的直线为“目标路径”。当前值已满足目标（≥、≤、"
        "区间、“左右”容差内或累计值达到总量）为“已达标”；未达目标、目标年未到且完成进度不低于"
        f"时间进度的{1 - cfg.lag_tolerance:.0%}为“进度正常”；否则为“进度滞后（预警）”；"
        "到达目标年仍未达到为“未达标”；无当年数据为“数据不足”。",
        f"2. “左右”目标的容差为目标值的±{tol:.0%}（规划数据中单项另有规定的从其规定）。"
        "累计目标按规划期各年数值累加，与按年份均摊的目标比较；“提高”“降低”类目标与基期值比较。",
        "3. 计算类指标依国家统计局口径由人口基础信息库计算：出生率、死亡率以年平均人口为分母；"
        "总和生育率为15—49岁分年龄生育率之和；人均预期寿命由时期生命表计算；平均受教育年限按"
        "未上过学0年、小学6年、初中9年、高中12年、大专15年、本科16年、研究生19年折算。",
        "4. 预测：中方案假定近三年的生育、死亡和迁移水平保持不变；达标概率为随机预测中满足目标"
        "的比例。预警清单按评估结论、进度差距、达标概率和剩余时间综合排序。",
        "5. 任务督办：以各任务最近一次进展报告为准；标记“滞后”或距评估时点超过一个季度（92天）"
        "未报告的未完成任务列入督办提示。",
    ] + ([f"6. 数据说明：{'；'.join(r.notes)}。"] if r.notes else [])
