"""Charts of the evaluation report (评估报告图表), rendered by matplotlib to PNG bytes with
the CJK font shipped in ``renkou/data/fonts`` so Chinese shows on any machine."""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

from renkou.reports.figures import FanChart, Pyramid, TrajectoryChart

FONT_FILE = "data/fonts/renkou-sans.ttf"
BLUE, RED, GREY, GREEN = "#1f5fa8", "#c0392b", "#7f8c8d", "#2e8b57"


@lru_cache(maxsize=1)
def font_name() -> str:
    """Register the shipped font with matplotlib and return its family name."""
    path = resources.files("renkou").joinpath(FONT_FILE)
    with resources.as_file(path) as p:
        font_manager.fontManager.addfont(str(p))
        name = font_manager.FontProperties(fname=str(p)).get_name()
    return name


def _figure(width: float, height: float) -> Figure:
    family = font_name()
    plt.rcParams["font.family"] = [family]
    plt.rcParams["font.sans-serif"] = [family]
    plt.rcParams["axes.unicode_minus"] = False  # the subset has no U+2212
    return plt.figure(figsize=(width, height), dpi=150)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def year_ticks(years: tuple[int, ...] | list[int], most: int = 6) -> list[int]:
    """At most ``most`` year ticks, evenly stepped from the first year, always showing the
    last (the target year): a fifteen-year plan's years would overlap in a small panel."""
    first, last = min(years), max(years)
    step = max(1, -(-(last - first) // (most - 1)))
    ticks = list(range(first, last + 1, step))
    if ticks[-1] != last:
        if last - ticks[-1] < step / 2 and len(ticks) > 1:
            ticks[-1] = last
        else:
            ticks.append(last)
    return ticks


def trajectories_png(charts: tuple[TrajectoryChart, ...] | list[TrajectoryChart]) -> bytes:
    """Small multiples: observed values, the straight path from baseline to target, and
    the target (a band for range targets)."""
    n = len(charts)
    cols = 3 if n > 4 else 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig = _figure(3.2 * cols, 2.5 * rows)
    for k, c in enumerate(charts, start=1):
        ax = fig.add_subplot(rows, cols, k)
        ax.plot(c.years, c.values, marker="o", color=BLUE, label="监测值")
        if c.target_low is not None and c.target_high is not None:
            ax.axhspan(c.target_low, c.target_high, color=GREEN, alpha=0.15, label="目标区间")
        elif c.target_value is not None:
            if c.baseline_year is not None and c.baseline_value is not None:
                ax.plot([c.baseline_year, c.target_year], [c.baseline_value, c.target_value],
                        linestyle="--", color=GREY, label="目标路径")
            ax.scatter([c.target_year], [c.target_value], marker="*", s=90, color=RED,
                       zorder=3, label="目标")
        unit = f"（{c.unit}）" if c.unit and c.unit != "—" else ""
        ax.set_title(f"{c.title}{unit}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xticks(year_ticks((*c.years, c.target_year)))
        ax.grid(alpha=0.3)
        if k == 1:
            ax.legend(fontsize=6, loc="best")
    fig.tight_layout()
    return _png(fig)


def pyramid_png(p: Pyramid) -> bytes:
    """Population pyramid in 5-year groups (per cent of the total), with the projected
    outline when given."""
    fig = _figure(6.0, 4.6)
    ax = fig.add_subplot(1, 1, 1)

    def groups(values: tuple[float, ...]) -> list[float]:
        return [sum(values[a:a + 5]) for a in range(0, 100, 5)] + [sum(values[100:])]

    total = sum(p.male) + sum(p.female)
    m = [v / total * 100 for v in groups(p.male)]
    f = [v / total * 100 for v in groups(p.female)]
    ys = list(range(len(m)))
    labels = [f"{a}-{a + 4}" for a in range(0, 100, 5)] + ["100+"]
    ax.barh(ys, [-v for v in m], color=BLUE, alpha=0.8, label=f"男（{p.year}年）")
    ax.barh(ys, f, color=RED, alpha=0.7, label=f"女（{p.year}年）")
    if p.projected_year and p.projected_male:
        ptotal = sum(p.projected_male) + sum(p.projected_female)
        pm = [v / ptotal * 100 for v in groups(p.projected_male)]
        pf = [v / ptotal * 100 for v in groups(p.projected_female)]
        ax.barh(ys, [-v for v in pm], fill=False, edgecolor="black", linewidth=0.8,
                label=f"预测{p.projected_year}年")
        ax.barh(ys, pf, fill=False, edgecolor="black", linewidth=0.8)
    ax.set_yticks(ys[::2])
    ax.set_yticklabels(labels[::2], fontsize=7)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{abs(t):.0f}" for t in ticks], fontsize=7)
    ax.set_xlabel("占总人口比重（%）", fontsize=8)
    ax.set_title(p.title, fontsize=10)
    ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return _png(fig)


def fan_png(c: FanChart) -> bytes:
    """Observed series, projection median and 50 % / 90 % bands, and the target."""
    fig = _figure(6.0, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    for level, lo, hi in c.bands:
        ax.fill_between(c.years, lo, hi, color=BLUE, alpha=0.15 if level > 0.6 else 0.3,
                        label=f"{level:.0%}区间")
    ax.plot(c.years, c.median, color=BLUE, linestyle="--", label="预测中位数")
    if c.observed:
        ax.plot(c.observed_years, c.observed, color="black", marker="o", label="监测值")
    if c.target_year is not None and c.target_value is not None:
        ax.scatter([c.target_year], [c.target_value], marker="*", s=120, color=RED,
                   zorder=3, label="规划目标")
    ax.set_title(f"{c.title}（{c.unit}）", fontsize=10)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)
