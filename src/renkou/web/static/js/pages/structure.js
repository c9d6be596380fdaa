// 人口结构: the pyramid by caliber, area and date; the areas on the jurisdiction's map (a bar
// chart where no shapes ship or for a district's 街镇); 人户分离 by area of residence; flows;
// rates and age-data quality by area (structure_rates.js).
"use strict";

import { demographyPanel, demography, qualityOn } from "./structure_rates.js";
import { state, getJSON, getPage, esc, fmt, count, chart, chartBase, FONT, current, ensureMap, areaName, showError, suppressionNote, SUPPRESSED, table, options } from "../core.js";

const CALIBERS = ["resident", "hukou", "employed", "active"];
const SEPARATION = { total: "人户分离合计", same_district: "同区（县）内", other_district: "市内跨区（县）", outside_city: "来自市外" };
const view = { caliber: "resident", asOf: null, region: null, sepKind: "total" };

export async function render(el, params) {
  const generation = current();
  const meta = state.meta;
  view.caliber = CALIBERS.includes(params.get("caliber")) ? params.get("caliber") : view.caliber;
  view.asOf = meta.as_of_choices.includes(params.get("as_of")) ? params.get("as_of") : (view.asOf || meta.default_as_of);
  const regionCodes = [state.own, ...state.regions.map(r => r.code)];
  view.region = regionCodes.includes(params.get("region")) ? params.get("region") : (regionCodes.includes(view.region) ? view.region : state.own);
  el.innerHTML = `
    <div class="page-head"><h2>人口结构</h2>
      <div class="controls">
        <span class="toggle" id="st-caliber">${CALIBERS.map(c => `<button type="button" data-caliber="${c}" class="${c === view.caliber ? "on" : ""}">${esc(meta.calibers[c] || c)}</button>`).join("")}</span>
        <label>时点 <select id="st-asof">${meta.as_of_choices.map(d => `<option value="${d}">${d}</option>`).join("")}</select></label>
        <label>地区 <select id="st-region"><option value="${esc(state.own)}">${esc(state.ownName)}</option>${options(state.regions, r => r.code, r => r.name)}</select></label>
      </div></div>
    <div id="st-suppression"></div>
    <div class="grid">
      <div class="panel"><h3 id="st-pyramid-title">人口金字塔</h3><div id="st-pyramid" class="chart"></div></div>
      <div class="panel"><h3 id="st-map-title">各地区人口分布</h3><div id="st-map" class="chart"></div></div>
    </div>
    <div class="grid" id="st-sep-grid">
      <div class="panel wide" id="st-sep-panel">
        <div class="panel-head"><h3 id="st-sep-title">人户分离</h3>
          <label class="controls">显示 <select id="st-sep-kind">${Object.entries(SEPARATION).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join("")}</select></label></div>
        <div class="grid"><div id="st-sep-map" class="chart short"></div><div id="st-sep-table" class="scroll"></div></div>
        <p class="footnote">人户分离：常住地与户籍地不在同一乡镇街道的人口，按常住地所在地区统计。</p>
      </div>
      <div class="panel wide" id="st-flow-panel" hidden><h3 id="st-flow-title">人口流动</h3><div id="st-flows" class="scroll"></div></div>
    </div>${demographyPanel()}`;
  document.getElementById("st-asof").value = view.asOf;
  document.getElementById("st-region").value = view.region;
  document.getElementById("st-sep-kind").value = view.sepKind;
  const pyramid = chart("st-pyramid");
  const areas = chart("st-map");
  const useMap = await ensureMap();
  if (generation !== current()) return;
  const redraw = () => draw(generation, pyramid, areas, useMap);
  el.querySelectorAll("#st-caliber button").forEach(b => b.addEventListener("click", () => {
    el.querySelectorAll("#st-caliber button").forEach(x => x.classList.toggle("on", x === b));
    view.caliber = b.dataset.caliber; redraw();
  }));
  document.getElementById("st-asof").addEventListener("change", e => { view.asOf = e.target.value; redraw(); separation(generation, useMap); qualityOn(generation, view.asOf); });
  document.getElementById("st-region").addEventListener("change", e => { view.region = e.target.value; redraw(); });
  areas.on("click", s => {
    const code = s.data && s.data.code;
    if (code) { view.region = code; document.getElementById("st-region").value = code; redraw(); }
  });
  document.getElementById("st-sep-kind").addEventListener("change", e => { view.sepKind = e.target.value; separation(generation, useMap); });
  await Promise.all([redraw(), separation(generation, useMap), flows(generation), demography(generation, view.asOf)]);
}

async function draw(generation, pyramidChart, areaChart, useMap) {
  const q = `caliber=${view.caliber}&as_of=${view.asOf}`;
  const parent = state.narrowed ? `&parent=${encodeURIComponent(state.own)}&level=street` : "";
  try {
    const [p, a] = await Promise.all([
      getJSON(`/api/population/pyramid?${q}&region=${encodeURIComponent(view.region)}`),
      getJSON(`/api/population/areas?${q}${parent}`),
    ]);
    if (generation !== current()) return;
    drawPyramid(pyramidChart, p);
    drawAreas(areaChart, a, useMap);
    document.getElementById("st-suppression").innerHTML =
      suppressionNote(p.suppression_threshold || a.suppression_threshold, (p.suppressed || 0) + (a.suppressed || 0));
  } catch (e) { if (generation === current()) showError(document.getElementById("st-suppression"), e); }
}

function drawPyramid(c, p) {
  document.getElementById("st-pyramid-title").textContent = `人口金字塔 · ${p.region_name} · ${p.caliber_name} · ${p.as_of}（${fmt.format(p.total)} 人）`;
  const ages = p.ages.map((a, i) => (i === p.ages.length - 1 ? `${a}+` : String(a)));
  const shown = v => (v == null ? SUPPRESSED + "（已抑制）" : fmt.format(Math.abs(v)));
  c.setOption(Object.assign(chartBase(), {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
      formatter: ps => `${ps[0].axisValue}岁<br>` + ps.map(s => `${s.seriesName}：${shown(s.value)}`).join("<br>") },
    legend: { data: ["男", "女"], top: 0 },
    grid: { left: 50, right: 30, top: 30, bottom: 30 },
    xAxis: { type: "value", axisLabel: { formatter: v => fmt.format(Math.abs(v)) } },
    yAxis: { type: "category", data: ages, axisTick: { show: false }, axisLabel: { interval: 9 } },
    series: [
      { name: "男", type: "bar", stack: "p", barCategoryGap: 0, data: p.male.map(v => (v == null ? null : -v)), itemStyle: { color: "#3b82f6" } },
      { name: "女", type: "bar", stack: "p", barCategoryGap: 0, data: p.female, itemStyle: { color: "#ef4444" } },
    ],
  }), true);
  // A small area under disclosure control loses most single-year cells: say so on the chart.
  const hidden = p.male.concat(p.female).filter(v => v == null).length;
  if (hidden > p.ages.length) {
    c.setOption({ graphic: [{ type: "text", left: "center", top: "middle", silent: true,
      style: { text: `本地区人口较少，${hidden} 个单岁组单元格\n受统计披露控制不予显示`, fill: "#92400e", font: `14px ${FONT}`, align: "center",
        backgroundColor: "rgba(255,251,235,.92)", padding: 10, borderColor: "#f59e0b", borderWidth: 1 } }] });
  }
}

function areaWord() {
  if (state.j.area_level === "street" || state.narrowed) return "各街镇";
  return state.regions.every(r => r.name.endsWith("区")) ? "各区" : "各区县";
}

// A choropleth of values by area code (map) or a bar chart, first area at the top.
export function drawAreaValues(c, rows, useMap, unit, colors) {
  const values = rows.map(x => x.value).filter(v => v != null);
  const tip = s => `${esc(s.name)}<br>${s.data && s.data.value == null ? SUPPRESSED + "（已抑制）" : fmt.format(s.value || 0) + " " + unit}`;
  if (useMap) {
    c.setOption(Object.assign(chartBase(), {
      tooltip: { trigger: "item", formatter: tip },
      visualMap: { min: values.length ? Math.min(...values) : 0, max: values.length ? Math.max(...values, 1) : 1, left: 10, bottom: 10, text: ["多", "少"],
        calculable: true, inRange: { color: colors || ["#fff5eb", "#fdae6b", "#e6550d", "#7f2704"] } },
      series: [{ type: "map", map: state.mapKey, roam: true, nameProperty: "name",
        label: { show: true, fontSize: 10 }, labelLayout: { hideOverlap: true },
        data: rows.map(x => ({ name: areaName(x.code), value: x.value, code: x.code })) }],
    }), true);
    return;
  }
  const bars = rows.slice().reverse();
  c.setOption(Object.assign(chartBase(), {
    tooltip: { trigger: "item", formatter: tip },
    grid: { left: 10, right: 60, top: 10, bottom: 30, containLabel: true },
    xAxis: { type: "value", axisLabel: { formatter: v => fmt.format(v) } },
    yAxis: { type: "category", data: bars.map(x => areaName(x.code)), axisTick: { show: false } },
    series: [{ type: "bar", data: bars.map(x => ({ value: x.value, code: x.code })),
      itemStyle: { color: "#e6550d" }, label: { show: true, position: "right", formatter: s => (s.data.value == null ? SUPPRESSED : fmt.format(s.value)) } }],
  }), true);
}

function drawAreas(c, a, useMap) {
  document.getElementById("st-map-title").textContent = `${areaWord()}${a.caliber_name} · ${a.as_of}（合计 ${fmt.format(a.total)} 人）`;
  drawAreaValues(c, a.areas, useMap, "人");
}

async function separation(generation, useMap) {
  const panel = document.getElementById("st-sep-panel");
  if (state.narrowed) {  // the route reads the whole jurisdiction
    panel.innerHTML = `<h3>人户分离</h3><p class="muted">人户分离按全辖区统计，区级账户请查看本区的人口金字塔与分布。</p>`;
    return;
  }
  try {
    const { items } = await getPage(`/api/population/separation?as_of=${view.asOf}&limit=1000`);
    if (generation !== current()) return;
    const value = r => {
      if (view.sepKind !== "total") return r[view.sepKind];
      const parts = [r.same_district, r.other_district, r.outside_city];
      return parts.some(v => v == null) ? null : parts.reduce((s, v) => s + v, 0);
    };
    document.getElementById("st-sep-title").textContent = `人户分离 · ${SEPARATION[view.sepKind]} · ${view.asOf}`;
    const c = window.echarts.getInstanceByDom(document.getElementById("st-sep-map")) || chart("st-sep-map");
    drawAreaValues(c, items.map(r => ({ code: r.code, value: value(r) })), useMap, "人", ["#eff6ff", "#93c5fd", "#2563eb", "#1e3a8a"]);
    document.getElementById("st-sep-table").innerHTML = table([
      { label: "地区", key: "name" },
      { label: "同区（县）内", num: true, html: r => count(r.same_district) },
      { label: "市内跨区（县）", num: true, html: r => count(r.other_district) },
      { label: "来自市外", num: true, html: r => count(r.outside_city) },
    ], items);
  } catch (e) { if (generation === current()) showError(document.getElementById("st-sep-table"), e); }
}

// Hukou and residence moves in the data year, when the registry's flow route is served.
async function flows(generation) {
  const year = Number(String(view.asOf).slice(0, 4));
  const parent = state.narrowed ? `&region=${encodeURIComponent(state.own)}&level=street` : "";
  let f;
  try {
    f = await getJSON(`/api/registry/flows?start=${year}-01-01&end=${view.asOf}${parent}`);
  } catch (e) { return; }  // not served, or not for this account: the panel stays hidden
  if (generation !== current()) return;
  document.getElementById("st-flow-panel").hidden = false;
  document.getElementById("st-flow-title").textContent = `人口流动 · ${f.start} 至 ${f.end}`;
  document.getElementById("st-flows").innerHTML = table([
    { label: "地区", key: "region_name" },
    ...f.kinds.map(k => ({ label: f.kind_names[k] || k, num: true, html: r => count(r.values[k]) })),
  ], f.rows) + suppressionNote(f.suppression_threshold, f.suppressed);
}
