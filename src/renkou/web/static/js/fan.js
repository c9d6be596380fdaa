// The fan chart of a projection (预测扇形图), shared by the 预测 page's job panel and the
// district view of finished jobs: the variant's path, the stochastic bands where the points
// carry them, the hukou and non-hukou residents of a split run, and their table.
"use strict";

import { num, fmt, chart, chartBase, table, count } from "./core.js";

// A figure of a point: "*" where disclosure control hid it (null in the answer).
export const cell = v => (v == null ? count(null) : num(v));

export function fanTitle(f, where) {
  return `扇形图 · ${where} · ${f.caliber === "hukou" ? "户籍" : "常住"}人口 · ${f.variant_name} · ${f.base_year}—${f.end_year}年`;
}

export function fanNote(f, points) {
  const has = points.some(p => p.q025 != null);
  return has ? "深色为 80% 预测区间，浅色为 95% 预测区间（随机预测）。"
    : f.stochastic ? "该地区无预测区间（按街镇预测时，随机预测在区县一级进行）。" : "未做随机预测，无预测区间。";
}

// The variant's path, its stochastic bands where the points carry them, and the hukou and
// non-hukou residents of a split run.
export function drawPoints(el, f, points) {
  const c = window.echarts.getInstanceByDom(el) || chart(el);
  const years = points.map(p => String(p.year));
  const band = (lo, hi) => points.map(p => (p[lo] == null || p[hi] == null ? null : p[hi] - p[lo]));
  const has = points.some(p => p.q025 != null);
  const split = points.some(p => p.hukou != null);
  const series = [{ name: f.variant_name, type: "line", data: points.map(p => p.value), itemStyle: { color: "#a61b1b" }, lineStyle: { width: 2 }, z: 5 }];
  if (has) {
    // Bands as stacked areas: an invisible base at the lower quantile, then the widths.
    series.push(
      { name: "95% 下限", type: "line", stack: "b95", data: points.map(p => p.q025), lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
      { name: "95% 区间", type: "line", stack: "b95", data: band("q025", "q975"), lineStyle: { opacity: 0 }, symbol: "none", itemStyle: { color: "rgba(166,27,27,.25)" }, areaStyle: { color: "rgba(166,27,27,.12)" } },
      { name: "80% 下限", type: "line", stack: "b80", data: points.map(p => p.q10), lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
      { name: "80% 区间", type: "line", stack: "b80", data: band("q10", "q90"), lineStyle: { opacity: 0 }, symbol: "none", itemStyle: { color: "rgba(166,27,27,.45)" }, areaStyle: { color: "rgba(166,27,27,.22)" } },
      { name: "随机预测中位数", type: "line", data: points.map(p => p.q50), itemStyle: { color: "#6b7280" }, lineStyle: { type: "dashed" }, symbol: "none" });
  }
  if (split) {
    series.push(
      { name: "户籍常住人口", type: "line", data: points.map(p => p.hukou), itemStyle: { color: "#1d4ed8" } },
      { name: "非户籍常住人口", type: "line", data: points.map(p => p.nonhukou), itemStyle: { color: "#0f766e" } });
  }
  c.setOption(Object.assign(chartBase(), {
    tooltip: { trigger: "axis", formatter: ps => {
      const p = points[ps[0].dataIndex];
      return `${p.year}年<br>${f.variant_name}：${num(p.value)}` + (p.q025 != null ? `<br>中位数：${num(p.q50)}<br>80% 区间：${num(p.q10)}–${num(p.q90)}<br>95% 区间：${num(p.q025)}–${num(p.q975)}` : "")
        + (p.hukou != null ? `<br>户籍常住：${num(p.hukou)}<br>非户籍常住：${num(p.nonhukou)}` : "");
    } },
    legend: { top: 0, data: [f.variant_name, ...(has ? ["随机预测中位数", "80% 区间", "95% 区间"] : []), ...(split ? ["户籍常住人口", "非户籍常住人口"] : [])] },
    grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
    xAxis: { type: "category", data: years, boundaryGap: false },
    yAxis: { type: "value", scale: true, axisLabel: { formatter: v => fmt.format(v) } },
    series,
  }), true);
}

// Base and end year of a split run: residents, hukou and non-hukou, and the hukou share.
export function splitTable(points) {
  const ends = [points[0], points[points.length - 1]];
  return table([
    { label: "年份", key: "year" },
    { label: "常住人口", num: true, html: p => cell(p.value) },
    { label: "户籍常住人口", num: true, html: p => cell(p.hukou) },
    { label: "非户籍常住人口", num: true, html: p => cell(p.nonhukou) },
    { label: "户籍人口占比", num: true, html: p => (p.hukou == null || p.value == null ? count(null) : p.value ? (100 * p.hukou / p.value).toFixed(1) + "%" : "—") },
  ], ends);
}
