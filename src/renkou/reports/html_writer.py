"""HTML output of the evaluation report (评估报告网页版), with jinja2. One self-contained
file: charts and the CJK web font are embedded as data URIs, nothing is fetched."""

from __future__ import annotations

import base64
from importlib import resources
from pathlib import Path

from jinja2 import Environment, select_autoescape

from renkou.plans import LAGGING, MET, MISSED, NO_DATA, ON_TRACK, format_number
from renkou.reports.docx_writer import CATEGORIES, clean_zero, method_notes, render_images
from renkou.reports.evaluation import STAGE_ZH, EvaluationReport

STATUS_CLASS = {MET: "s-met", ON_TRACK: "s-ok", LAGGING: "s-lag", MISSED: "s-miss",
                NO_DATA: "s-nodata"}
LEVEL_CLASS = {"红色预警": "l-red", "橙色预警": "l-orange", "黄色预警": "l-yellow"}
FIGURES = (("trajectories", "主要指标监测值与规划目标路径"), ("pyramid", "人口年龄结构（金字塔）"),
           ("fan", "常住人口预测（扇形图）"))


def _num(x: float | None) -> str:
    return "—" if x is None else format_number(clean_zero(x))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def render_html(r: EvaluationReport) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(resources.files("renkou.reports").joinpath(
        "assets/evaluation.html.j2").read_text(encoding="utf-8"))
    font = resources.files("renkou").joinpath("data/fonts/renkou-sans.woff2").read_bytes()
    images = {k: base64.b64encode(v).decode("ascii") for k, v in render_images(r).items()}
    categories = [(c, [a for a in r.assessment.assessments if a.category == c])
                  for c in CATEGORIES]
    return template.render(
        r=r, stage=STAGE_ZH[r.stage], categories=[(c, i) for c, i in categories if i],
        figures=[(n, c) for n, c in FIGURES if n in images], images=images,
        font=base64.b64encode(font).decode("ascii"), num=_num, pct=_pct,
        status_class=STATUS_CLASS, level_class=LEVEL_CLASS, notes=method_notes(r))


def write_html(r: EvaluationReport, out: Path | str) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(r), encoding="utf-8")
    return out
