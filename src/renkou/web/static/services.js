// 公共服务: coverage of each service by area on the jurisdiction's map (a bar chart where
// no shapes ship, for 街镇, or for a district account) with the ranking of shortages, for the
// registry's date or a projected year; the 常住/户籍 contrast; and where to add capacity
// (allocation under a budget) when the server offers it.
"use strict";

import { state, getJSON, postJSON, esc, fmt, num, chart, chartBase, current, ensureMap, areaName, showError, table, loading } from "./js/core.js";
import { facilitiesPanel } from "./js/pages/facilities.js";

const svc = { service: null, caliber: "resident", level: null, year: "", rows: [], names: {}, services: {} };

function coverageText(c) { return c == null ? "—" : (100 * c).toFixed(1) + "%"; }
function amount(v) { return num(v, 1); }

export async function render(view, params) {
  const generation = current();
  const j = state.j;
  const cityLevel = j.area_level === "district" && !state.narrowed;
  svc.level = cityLevel ? (params.get("level") === "street" ? "street" : svc.level || "district") : "street";
  if (params.get("year")) svc.year = params.get("year");
  const thisYear = Number(String(state.meta.default_as_of).slice(0, 4));
  const years = [];
  for (let y = thisYear + 1; y <= Math.max(thisYear + 11, 2035); y++) years.push(y);
  view.innerHTML = `
    <div class="page-head"><h2>公共服务 · 覆盖率与缺口</h2>
      <div class="controls">
        <label>服务 <select id="sv-service"></select></label>
        <label>人口口径 <select id="sv-caliber"><option value="resident">常住人口</option><option value="hukou">户籍人口</option></select></label>
        ${cityLevel ? `<label>层级 <select id="sv-level"><option value="district">区县</option><option value="street">街镇</option></select></label>` : ""}
        <label>年份 <select id="sv-year"><option value="">${esc(state.meta.default_as_of)}（登记数据）</option>${years.map(y => `<option value="${y}">${y}年（基线预测）</option>`).join("")}</select></label>
      </div></div>
    <p class="footnote" id="sv-summary"></p>
    <div class="grid">
      <div class="panel"><h3 id="sv-chart-title">覆盖率</h3><div id="sv-chart" class="chart"></div></div>
      <div class="panel"><h3>缺口排名</h3><div id="sv-table" class="scroll"></div></div>
    </div>
    <div class="panel" id="sv-alloc-panel" hidden>
      <div class="panel-head"><h3>新增设施布局（预算约束下使未满足需求最小）</h3>
        <form class="inline" id="sv-alloc-form">
          <label>预算（处数） <input id="sv-budget" type="number" min="1" step="1" value="5" required></label>
          <label>每处规模 <input id="sv-site" type="number" min="1" step="1" value="100" required></label>
          <button type="submit" class="btn" id="sv-alloc-run">计算</button>
        </form></div>
      <div id="sv-alloc"></div>
    </div>
    <div class="panel" id="sv-contrast-panel"><h3>按户籍人口配置会错配多少（户籍 − 常住）</h3><div id="sv-contrast" class="scroll"></div></div>
    <p class="footnote">覆盖率 = 供给 ÷ 按标准计算的需求；缺口 = 需求 − 供给。标准及出处见下表与 API /api/services/norms。</p>
    <div class="panel" id="sv-norms-panel"><h3>服务标准</h3><div id="sv-norms" class="scroll"></div></div>
    <div class="panel" id="sv-facilities"></div>`;
  document.getElementById("sv-caliber").value = svc.caliber;
  document.getElementById("sv-year").value = svc.year;
  if (cityLevel) document.getElementById("sv-level").value = svc.level;
  const c = chart("sv-chart");
  const useMap = await ensureMap();
  if (generation !== current()) return;
  const mapFor = () => useMap && svc.level === "district";
  document.getElementById("sv-service").addEventListener("change", e => { svc.service = e.target.value; draw(c, mapFor()); drawContrast(); });
  document.getElementById("sv-caliber").addEventListener("change", e => { svc.caliber = e.target.value; load(generation, c, mapFor); });
  document.getElementById("sv-year").addEventListener("change", e => { svc.year = e.target.value; load(generation, c, mapFor); });
  if (cityLevel) document.getElementById("sv-level").addEventListener("change", e => { svc.level = e.target.value; load(generation, c, mapFor); contrast(generation); });
  document.getElementById("sv-alloc-form").addEventListener("submit", e => { e.preventDefault(); allocate(); });
  await Promise.all([load(generation, c, mapFor), contrast(generation), norms(generation), probeAllocation(),
    facilitiesPanel(document.getElementById("sv-facilities"), generation, () => load(generation, c, mapFor))]);
}

function query() {
  const within = state.narrowed ? `&region=${encodeURIComponent(state.own)}` : "";
  return `level=${svc.level}${within}`;
}

async function load(generation, c, mapFor) {
  const el = document.getElementById("sv-summary");
  el.textContent = svc.year ? `正在按 ${svc.year} 年基线预测计算（首次约需数秒）…` : "正在计算…";
  try {
    const g = await getJSON(`/api/services/gaps?caliber=${svc.caliber}&${query()}${svc.year ? `&year=${svc.year}` : ""}`);
    if (generation !== current()) return;
    svc.rows = g.rows; svc.names = g.area_names; svc.services = g.services; svc.result = g;
    const present = Object.keys(g.services).filter(k => g.rows.some(r => r.service === k));
    if (!present.includes(svc.service)) svc.service = present[0] || null;
    const sel = document.getElementById("sv-service");
    sel.innerHTML = present.map(k => `<option value="${esc(k)}">${esc(g.services[k])}</option>`).join("");
    if (svc.service) sel.value = svc.service;
    draw(c, mapFor());
  } catch (e) { if (generation === current()) el.textContent = `数据加载失败：${e.message}`; }
}

const name = code => svc.names[code] || areaName(code);

// The areas' rows of the chosen service, the largest shortage first.
function serviceRows() {
  return svc.rows.filter(r => r.service === svc.service).sort((a, b) => b.gap - a.gap);
}

function draw(c, useMap) {
  const rows = serviceRows();
  const g = svc.result;
  const when = g.year ? `${g.year}年（基线预测）` : g.as_of;
  document.getElementById("sv-chart-title").textContent =
    `${svc.services[svc.service] || ""} · 覆盖率 · ${g.caliber === "hukou" ? "户籍人口" : "常住人口"} · ${when}`;
  const short = rows.filter(r => r.gap > 0);
  const total = short.reduce((s, r) => s + r.gap, 0);
  document.getElementById("sv-summary").textContent = short.length
    ? `${rows.length} 个地区中 ${short.length} 个存在缺口，合计缺口 ${amount(total)}。`
    : `${rows.length} 个地区的供给均已达到标准。`;
  const pctOf = r => (r.coverage == null ? null : Math.round(1000 * Math.min(r.coverage, 2)) / 10);
  const tip = s => {
    const r = s.data && s.data.row;
    return r ? `${esc(name(r.region))}<br>覆盖率：${coverageText(r.coverage)}<br>需求 ${amount(r.demand)}，供给 ${amount(r.supply)}，缺口 ${amount(r.gap)}` : esc(s.name);
  };
  if (useMap) {
    c.setOption(Object.assign(chartBase(), {
      tooltip: { trigger: "item", formatter: tip },
      visualMap: { min: 0, max: 100, left: 10, bottom: 10, text: ["覆盖率 100%+", "0%"], calculable: true,
        inRange: { color: ["#b91c1c", "#fbbf24", "#16a34a"] } },
      series: [{ type: "map", map: state.mapKey, roam: true, nameProperty: "name",
        label: { show: true, fontSize: 10 }, labelLayout: { hideOverlap: true },
        data: rows.map(r => ({ name: name(r.region), value: pctOf(r), row: r })) }],
    }), true);
  } else {
    // Lowest coverage at the top; many 街镇: the 30 lowest.
    const bars = rows.slice().sort((a, b) => (a.coverage ?? 0) - (b.coverage ?? 0)).slice(0, 30).reverse();
    c.setOption(Object.assign(chartBase(), {
      tooltip: { trigger: "item", formatter: tip },
      grid: { left: 10, right: 60, top: 10, bottom: 30, containLabel: true },
      xAxis: { type: "value", name: "覆盖率", nameLocation: "middle", nameGap: 24, axisLabel: { formatter: v => `${v}%` } },
      yAxis: { type: "category", data: bars.map(r => name(r.region)), axisTick: { show: false }, axisLabel: { fontSize: 11 } },
      series: [{ type: "bar", data: bars.map(r => ({ value: pctOf(r), row: r,
        itemStyle: { color: r.coverage != null && r.coverage >= 1 ? "#16a34a" : "#b91c1c" } })),
        label: { show: true, position: "right", formatter: s => coverageText(s.data.row.coverage) } }],
    }), true);
  }
  document.getElementById("sv-table").innerHTML = table([
    { label: "排名", num: true, html: r => String(short.indexOf(r) + 1) },
    { label: "地区", html: r => esc(name(r.region)) },
    { label: "服务人口", num: true, html: r => fmt.format(Math.round(r.population)) },
    { label: "标准", num: true, html: r => esc(r.norm) },
    { label: "需求", num: true, html: r => amount(r.demand) },
    { label: "供给", num: true, html: r => amount(r.supply) },
    { label: "缺口", num: true, html: r => `<strong>${amount(r.gap)}</strong>` },
    { label: "覆盖率", num: true, html: r => coverageText(r.coverage) },
  ], short);
  drawContrast();
  if (!document.getElementById("sv-alloc-panel").hidden) document.getElementById("sv-alloc").innerHTML = "";
}

let contrastRows = null;
async function contrast(generation) {
  const el = document.getElementById("sv-contrast");
  loading(el);
  try {
    const c = await getJSON(`/api/services/contrast?${query()}`);
    if (generation !== current()) return;
    contrastRows = c;
    drawContrast();
  } catch (e) { if (generation === current()) showError(el, e); }
}

function drawContrast() {
  if (!contrastRows || !svc.service) return;
  const rows = contrastRows.rows.filter(r => r.service === svc.service);
  rows.sort((a, b) => Math.abs(b.misplaced) - Math.abs(a.misplaced));
  document.getElementById("sv-contrast").innerHTML = table([
    { label: "地区", html: r => esc(contrastRows.area_names[r.region] || areaName(r.region)) },
    { label: "按常住人口的需求", num: true, html: r => amount(r.resident_demand) },
    { label: "按户籍人口的需求", num: true, html: r => amount(r.hukou_demand) },
    { label: "错配（户籍 − 常住）", num: true, html: r => `<strong>${r.misplaced > 0 ? "+" : ""}${amount(r.misplaced)}</strong>` },
  ], rows);
}

async function norms(generation) {
  const el = document.getElementById("sv-norms");
  try {
    const n = await getJSON("/api/services/norms");
    if (generation !== current()) return;
    el.innerHTML = table([
      { label: "服务", key: "name" },
      { label: "服务人口", key: "served" },
      { label: "标准", num: true, html: r => `${r.value == null ? "尚未施行" : esc(r.value)} ${esc(r.unit)}` },
      { label: "施行自", key: "effective_from" },
      { label: "依据", key: "citation" },
    ], n.norms);
  } catch (e) { if (generation === current()) showError(el, e); }
}

// The allocation panel appears when the API offers the route (its OpenAPI lists it).
let allocationPath = null;
async function probeAllocation() {
  try {
    const spec = await getJSON("/api/openapi.json");
    allocationPath = Object.keys(spec.paths).find(p => p.startsWith("/api/services/alloc")) || null;
  } catch (e) { allocationPath = null; }
  document.getElementById("sv-alloc-panel").hidden = !allocationPath;
}

async function allocate() {
  const el = document.getElementById("sv-alloc");
  loading(el, "正在求解整数规划…");
  try {
    const body = { service: svc.service, budget: Number(document.getElementById("sv-budget").value),
      site_size: Number(document.getElementById("sv-site").value), caliber: svc.caliber, level: svc.level };
    if (svc.year) body.year = Number(svc.year);
    if (state.narrowed) body.region = state.own;
    const a = await postJSON(allocationPath, body);
    const rows = a.rows.slice().sort((x, y) => (y.added_sites || 0) - (x.added_sites || 0));
    const where = code => a.area_names[code] || name(code);
    el.innerHTML = `<p>未满足需求合计：新增前 ${amount(a.unmet_before)}，新增后 <strong>${amount(a.objective)}</strong>（预算 ${amount(a.budget)}，已用 ${amount(a.spent)}）。</p>` +
      (a.warnings || []).map(w => `<p class="notice">${esc(w)}</p>`).join("") + table([
      { label: "地区", html: r => esc(where(r.region)) },
      { label: "新增处数", num: true, key: "added_sites" },
      { label: "新增能力", num: true, html: r => amount(r.added_capacity) },
      { label: "新增前未满足", num: true, html: r => amount(r.unmet_before) },
      { label: "新增后未满足", num: true, html: r => amount(r.unmet_after) },
    ], rows.filter(r => r.added_sites > 0));
  } catch (e) { showError(el, e); }
}
