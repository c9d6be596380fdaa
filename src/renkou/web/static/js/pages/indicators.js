// 指标监测: the plan's indicators in a year against their targets (the board), and for the
// chosen indicator its values by district with a drill-down to the 街镇 of one, and its
// trajectory over the plan period with the targets.
"use strict";

import { state, getJSON, esc, num, chart, chartBase, current, ensureMap, areaName, showError, table, loading, FONT, SUPPRESSED } from "../core.js";
import { readablePlans, pickPlan, planOptions, planYears, statusTag, planLabel } from "../plans.js";
import { zonesPanel } from "./zones.js";

const ind = { plan: null, year: null, code: null, parent: null };

export async function render(view, params) {
  const generation = current();
  const plans = await readablePlans();
  if (!plans.length) { view.innerHTML = `<p class="muted">没有可查看的规划。</p>`; return; }
  const plan = pickPlan(plans, params.get("plan") || ind.plan);
  ind.plan = plan.code;
  const years = planYears(plan);
  const wanted = Number(params.get("year") || ind.year);
  ind.year = years.includes(wanted) ? wanted : plan.default_year;
  ind.code = params.get("indicator") || null;
  ind.parent = null;
  areasChart = null; trajChart = null;  // the router disposed the last view's charts
  view.innerHTML = `
    <div class="page-head"><h2>指标监测</h2>
      <div class="controls">
        <label>规划 <select id="in-plan">${planOptions(plans)}</select></label>
        <label>评估年份 <select id="in-year">${years.map(y => `<option value="${y}">${y}年${y > plan.default_year ? "（晚于库内数据）" : ""}</option>`).join("")}</select></label>
      </div></div>
    <div class="panel"><div class="panel-head"><h3 id="in-board-title">指标看板</h3>
      <a class="btn small secondary" id="in-template" download title="部门填报类指标的 Excel 模板（含数据有效性校验和填报说明），填好后在“数据管理”导入">下载填报模板</a></div>
      <div id="in-board"></div></div>
    <div class="grid" id="in-detail" hidden>
      <div class="panel"><div class="panel-head"><h3 id="in-areas-title">分区</h3><button type="button" class="btn small secondary" id="in-up" hidden>返回各区</button></div>
        <div id="in-areas" class="chart"></div><p class="footnote" id="in-areas-note">点击一个区查看其街镇。</p><p class="scope-note" id="in-areas-suppressed" hidden></p></div>
      <div class="panel"><h3 id="in-traj-title">轨迹</h3><div id="in-traj" class="chart"></div><div id="in-traj-note"></div></div>
    </div>
    <div class="panel" id="in-zones"></div>`;
  document.getElementById("in-plan").value = plan.code;
  document.getElementById("in-year").value = String(ind.year);
  // The plan's reporting template of the year (a department account's: its own indicators).
  document.getElementById("in-template").href = `/api/indicators/template?plan=${encodeURIComponent(ind.plan)}&year=${ind.year}`;
  const go = () => { window.location.hash = `#/indicators?plan=${encodeURIComponent(ind.plan)}&year=${ind.year}${ind.code ? `&indicator=${encodeURIComponent(ind.code)}` : ""}`; };
  document.getElementById("in-plan").addEventListener("change", e => { ind.plan = e.target.value; ind.year = null; ind.code = null; go(); });
  document.getElementById("in-year").addEventListener("change", e => { ind.year = Number(e.target.value); go(); });
  await ensureMap();
  if (generation !== current()) return;
  await Promise.all([board(generation, plan), zonesPanel(document.getElementById("in-zones"), generation, () => board(generation, plan))]);
}

async function board(generation, plan) {
  const el = document.getElementById("in-board");
  el.innerHTML = `<p class="loading">正在评估（含人口预测，首次约需数秒）…</p>`;
  const a = await getJSON(`/api/plans/${encodeURIComponent(ind.plan)}/assessment?year=${ind.year}`);
  if (generation !== current()) return;
  document.getElementById("in-board-title").textContent = `指标看板 · ${planLabel(plan)} · ${a.year}年`;
  let notice = a.uncovered ? `<div class="notice" role="alert"><strong>数据未覆盖规划地区：</strong>${esc(a.uncovered)}。计算类指标记为“数据不足”。</div>` : "";
  if (a.year > plan.default_year) notice += `<div class="notice"><strong>评估年份晚于库内数据：</strong>库内数据截至${plan.default_year}年末，${a.year}年的计算类指标仅供参考。</div>`;
  const summary = Object.entries(a.counts).map(([k, v]) => `${statusTag(k)} ${v} 项`).join(" ");
  const prob = v => (v == null ? "—" : Math.round(v * 100) + "%");
  el.innerHTML = notice + `<p>${summary}　<span class="muted">点击一行查看分区下钻与轨迹。</span></p><div class="scroll">` + table([
    { label: "编号", key: "code" },
    { label: "指标", key: "name" },
    { label: "规划目标", key: "target_text" },
    { label: "监测值", num: true, html: r => `${num(r.value, 2)}${r.demo ? ' <span class="demo-tag" title="部门填报值为示范数据">示范数据</span>' : ""}` },
    { label: "单位", key: "unit" },
    { label: "状态", html: r => statusTag(r.status) },
    { label: "目标年预测", num: true, html: r => `<span title="${esc(r.projection_method || "")}">${num(r.projected, 2)}${r.projection_kind === "trend" && r.projected != null ? "*" : ""}</span>` },
    { label: "达标概率", num: true, html: r => prob(r.probability) },
    { label: "责任部门", html: r => esc((r.departments || []).join("、")) },
    { label: "说明", key: "note" },
  ], a.rows, "assess") + `</div>` +
    ((a.scale_notes || []).length ? `<ul class="scale-notes">${a.scale_notes.map(n => `<li>${esc(n)}。</li>`).join("")}</ul>` : "") +
    `<p class="footnote">* 按指标自身历年数值线性趋势外推，非人口预测。其余预测值来自人口预测（中方案），达标概率来自随机模拟。</p>`;
  const trs = el.querySelectorAll("table.assess tbody tr");
  a.rows.forEach((r, i) => {
    if (!trs[i]) return;
    trs[i].classList.add("clickable");
    trs[i].dataset.code = r.code;
    trs[i].addEventListener("click", () => { ind.code = r.code; ind.parent = null; mark(trs, r.code); detail(generation); });
  });
  if (ind.code && a.rows.some(r => r.code === ind.code)) { mark(trs, ind.code); await detail(generation); }
}

function mark(trs, code) { trs.forEach(tr => tr.classList.toggle("sel", tr.dataset.code === code)); }

let areasChart = null;
let trajChart = null;

async function detail(generation) {
  document.getElementById("in-detail").hidden = false;
  if (!areasChart) { areasChart = chart("in-areas"); trajChart = chart("in-traj"); }
  areasChart.off("click");
  areasChart.on("click", s => {
    const code = s.data && s.data.code;
    if (code && code.length === 6 && !ind.parent) { ind.parent = code; drill(generation); }
  });
  document.getElementById("in-up").onclick = () => { ind.parent = null; drill(generation); };
  await Promise.all([drill(generation), trajectory(generation)]);
  document.getElementById("in-detail").scrollIntoView({ block: "nearest" });
}

// The indicator over the districts, or (ind.parent) over the 街镇 of one.
async function drill(generation) {
  const parent = ind.parent || (state.narrowed ? state.own : null);
  document.getElementById("in-up").hidden = !ind.parent || state.narrowed;
  const title = document.getElementById("in-areas-title");
  title.textContent = "正在计算分区数值…";
  try {
    const d = await getJSON(`/api/indicators/${encodeURIComponent(ind.code)}/areas?plan=${encodeURIComponent(ind.plan)}&year=${ind.year}${parent ? `&parent=${parent}` : ""}`);
    if (generation !== current()) return;
    title.textContent = `${d.name} · ${parent ? areaName(parent) + "各街镇" : "各区"} · ${d.year}年（${d.unit}）`;
    document.getElementById("in-areas-note").textContent = parent ? "街镇数值按同一公式由登记数据计算。" : "点击一个区查看其街镇。";
    // Suppressed areas (统计披露控制) keep their place, marked "*" beside the name.
    const hidden = document.getElementById("in-areas-suppressed");
    hidden.hidden = !d.suppressed;
    hidden.textContent = d.suppressed ? `${SUPPRESSED} 统计披露控制：所依据的人数（人数类指标为人数本身，比率类指标为分母）少于 ${d.suppression_threshold} 人的地区不显示数值，人数类指标另有补充隐藏的地区以防由合计推算（共 ${d.suppressed} 个，名称旁以 ${SUPPRESSED} 标示）。` : "";
    const rows = d.rows.filter(r => r.value != null);
    const bars = d.rows.slice().sort((x, y) => (x.value ?? -Infinity) - (y.value ?? -Infinity));
    const label = r => (r.suppressed ? `${r.area_name} ${SUPPRESSED}` : r.area_name);
    areasChart.setOption(Object.assign(chartBase(), {
      tooltip: { trigger: "item", formatter: s => `${esc(s.name)}<br>${s.data.suppressed ? "统计披露控制：已抑制" : s.data.value == null ? (s.data.error ? esc(s.data.error) : "无数据") : num(s.data.value, 2) + " " + esc(d.unit)}` },
      grid: { left: 10, right: 60, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value", scale: true },
      yAxis: { type: "category", data: bars.map(label), axisTick: { show: false },
        axisLabel: { fontSize: 11, formatter: v => (v.endsWith(` ${SUPPRESSED}`) ? `{s|${v}}` : v), rich: { s: { color: "#b45309", fontWeight: "bold", fontSize: 11 } } } },
      series: [{ type: "bar", data: bars.map(r => ({ value: r.value, code: r.area, error: r.error, suppressed: r.suppressed })), itemStyle: { color: "#a61b1b" },
        label: { show: rows.length <= 40, position: "right", formatter: s => (s.data.suppressed ? SUPPRESSED : s.data.value == null ? "—" : num(s.data.value, 2)) } }],
    }), true);
  } catch (e) {
    if (generation !== current()) return;
    title.textContent = "分区下钻";
    areasChart.clear();
    document.getElementById("in-areas-note").textContent = `分区数值不可用：${e.message}`;
  }
}

async function trajectory(generation) {
  const title = document.getElementById("in-traj-title");
  const note = document.getElementById("in-traj-note");
  const area = state.narrowed ? `&area=${state.own}` : "";
  try {
    const t = await getJSON(`/api/indicators/${encodeURIComponent(ind.code)}/trajectory?plan=${encodeURIComponent(ind.plan)}${area}`);
    if (generation !== current()) return;
    title.textContent = `${t.name} · 轨迹（${t.unit}）`;
    trajChart.setOption(Object.assign(chartBase(), {
      tooltip: { trigger: "axis" },
      grid: { left: 10, right: 30, top: 30, bottom: 30, containLabel: true },
      xAxis: { type: "category", data: t.points.map(p => String(p.year)) },
      yAxis: { type: "value", scale: true },
      series: [{ type: "line", name: t.name, data: t.points.map(p => p.value), connectNulls: false, itemStyle: { color: "#a61b1b" },
        markLine: t.targets.length ? { symbol: "none", label: { formatter: p => p.name, fontFamily: FONT },
          data: t.targets.map(x => ({ name: `${x.year}年目标：${x.text}`, xAxis: String(x.year) })) } : undefined }],
    }), true);
    note.innerHTML = t.targets.length ? `<p class="footnote">目标：${t.targets.map(x => `${x.year}年 ${esc(x.text)}`).join("；")}</p>` : "";
  } catch (e) {
    if (generation !== current()) return;
    title.textContent = "轨迹";
    trajChart.clear();
    note.innerHTML = `<p class="footnote">轨迹不可用：${esc(e.message)}</p>`;
  }
}
