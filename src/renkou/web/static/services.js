// renkou dashboard, 公共服务 and 人口影响评估: coverage of each service by area (a map of the
// jurisdiction, or a bar chart where there is none) with a ranking of shortages, and the
// baseline against the scenario of a shipped example decision. Uses app.js's helpers.
"use strict";

const svcState = { rows: [], names: {}, services: {}, service: null, caliber: "resident",
  query: "", request: 0, chart: null, impactChart: null, jurisdiction: null };

async function postJSON(url, body) {
  const res = await fetch(url, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body) });
  if (!res.ok) {
    let msg = res.statusText;
    try { msg = (await res.json()).message || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return res.json();
}

function coverageText(c) { return c == null ? "—" : (100 * c).toFixed(1) + "%"; }
function amount(v) { return fmt.format(Math.round(v * 10) / 10); }

// The areas' rows of the chosen service, the largest shortage first.
function serviceRows() {
  return svcState.rows.filter(r => r.service === svcState.service)
    .sort((a, b) => b.gap - a.gap);
}

function renderServiceChart(rows, useMap) {
  const name = code => areaNames[code] || svcState.names[code] || code;
  const base = {
    textStyle: { fontFamily: "RenkouSans, Microsoft YaHei, sans-serif" },
    tooltip: { trigger: "item", formatter: s => {
      const r = s.data && s.data.row;
      return r ? `${esc(name(r.region))}<br>覆盖率：${coverageText(r.coverage)}<br>需求 ${amount(r.demand)}，供给 ${amount(r.supply)}，缺口 ${amount(r.gap)}` : esc(s.name);
    } },
  };
  const pctOf = r => (r.coverage == null ? null : Math.round(1000 * Math.min(r.coverage, 2)) / 10);
  if (useMap) {
    svcState.chart.setOption(Object.assign(base, {
      visualMap: { min: 0, max: 100, left: 10, bottom: 10, text: ["覆盖率 100%+", "0%"], calculable: true,
        inRange: { color: ["#b91c1c", "#fbbf24", "#16a34a"] } },
      series: [{ type: "map", map: svcState.jurisdiction.key, roam: true, nameProperty: "name",
        label: { show: true, fontSize: 10 }, labelLayout: { hideOverlap: true },
        data: rows.map(r => ({ name: name(r.region), value: pctOf(r), row: r })) }],
    }), true);
    return;
  }
  const bars = rows.slice().sort((a, b) => (a.coverage ?? 0) - (b.coverage ?? 0)).reverse();
  svcState.chart.setOption(Object.assign(base, {
    grid: { left: 10, right: 60, top: 10, bottom: 30, containLabel: true },
    xAxis: { type: "value", name: "覆盖率 %", axisLabel: { formatter: v => `${v}%` } },
    yAxis: { type: "category", data: bars.map(r => name(r.region)), axisTick: { show: false } },
    series: [{ type: "bar", data: bars.map(r => ({ value: pctOf(r), row: r,
      itemStyle: { color: r.coverage != null && r.coverage >= 1 ? "#16a34a" : "#b91c1c" } })),
      label: { show: true, position: "right", formatter: s => coverageText(s.data.row.coverage) } }],
  }), true);
}

function renderServiceTable(rows) {
  const name = code => areaNames[code] || svcState.names[code] || code;
  const short = rows.filter(r => r.gap > 0);
  const total = short.reduce((s, r) => s + r.gap, 0);
  document.getElementById("services-summary").textContent = short.length
    ? `${short.length} 个地区存在缺口，合计 ${amount(total)}。`
    : "各地区供给均已达到标准。";
  document.getElementById("services-table").innerHTML = `<table class="assess"><thead><tr><th>排名</th><th>地区</th><th>服务人口</th><th>标准</th><th>需求</th><th>供给</th><th>缺口</th><th>覆盖率</th></tr></thead><tbody>` +
    short.map((r, i) => `<tr><td>${i + 1}</td><td>${esc(name(r.region))}</td><td class="num">${fmt.format(r.population)}</td><td class="num">${r.norm}</td><td class="num">${amount(r.demand)}</td><td class="num">${amount(r.supply)}</td><td class="num">${amount(r.gap)}</td><td class="num">${coverageText(r.coverage)}</td></tr>`).join("") +
    "</tbody></table>";
}

function renderServices(useMap) {
  const rows = serviceRows();
  document.getElementById("services-title").textContent =
    `公共服务 · ${svcState.services[svcState.service] || ""} · 覆盖率与缺口`;
  renderServiceChart(rows, useMap);
  renderServiceTable(rows);
}

async function loadServices(useMap) {
  const request = ++svcState.request;
  const el = document.getElementById("services-summary");
  el.textContent = "正在计算…";
  try {
    const g = await getJSON(`/api/services/gaps?caliber=${svcState.caliber}${svcState.query}`);
    if (request !== svcState.request) return;  // a later choice wins
    svcState.rows = g.rows; svcState.names = g.area_names; svcState.services = g.services;
    const present = Object.keys(g.services).filter(k => g.rows.some(r => r.service === k));
    const sel = document.getElementById("service");
    if (!present.includes(svcState.service)) svcState.service = present[0] || null;
    sel.innerHTML = present.map(k => `<option value="${esc(k)}">${esc(g.services[k])}</option>`).join("");
    if (svcState.service) sel.value = svcState.service;
    renderServices(useMap);
  } catch (e) {
    if (request === svcState.request) el.textContent = `数据加载失败：${e.message}`;
  }
}

// own: the area the account sees; narrowed: a district account of a city (its 街镇, no map).
async function initServices(j, own, narrowed, mapUrl) {
  svcState.jurisdiction = j;
  svcState.query = narrowed ? `&region=${encodeURIComponent(own)}&level=street` : "";
  document.getElementById("services-panel").hidden = false;
  if (!svcState.chart) svcState.chart = echarts.init(document.getElementById("services-chart"));
  const useMap = Boolean(mapUrl);
  document.getElementById("service").onchange = e => { svcState.service = e.target.value; renderServices(useMap); };
  document.getElementById("service-caliber").onchange = e => { svcState.caliber = e.target.value; loadServices(useMap); };
  window.addEventListener("resize", () => svcState.chart.resize());
  await loadServices(useMap);
  // The assessment covers the whole jurisdiction: for accounts that see all of it.
  if (!narrowed) await initImpact(j);
}

// ---- 人口影响评估 ------------------------------------------------------------------------

async function initImpact(j) {
  const examples = await getJSON("/api/impact/examples");
  if (!examples.length) return;
  document.getElementById("impact-panel").hidden = false;
  const sel = document.getElementById("impact-example");
  sel.innerHTML = examples.map(e => `<option value="${esc(e.key)}">${esc(e.name)}</option>`).join("");
  const describe = () => {
    const e = examples.find(x => x.key === sel.value);
    document.getElementById("impact-description").textContent = e ? e.description : "";
  };
  sel.onchange = describe; describe();
  document.getElementById("impact-run").onclick = () => runImpact(j, sel.value);
  if (!svcState.impactChart) svcState.impactChart = echarts.init(document.getElementById("impact-chart"));
  window.addEventListener("resize", () => svcState.impactChart.resize());
}

async function runImpact(j, key) {
  const out = document.getElementById("impact-result");
  out.innerHTML = `<p class="loading">正在运行基线与情景预测…</p>`;
  try {
    const a = await postJSON("/api/impact/assess", { example: key, indicators: ["population"] });
    const rows = a.rows.filter(r => r.region === a.jurisdiction && r.indicator === "population")
      .sort((x, y) => x.year - y.year);
    svcState.impactChart.setOption({
      textStyle: { fontFamily: "RenkouSans, Microsoft YaHei, sans-serif" },
      tooltip: { trigger: "axis", valueFormatter: v => fmt.format(Math.round(v)) + " 人" },
      legend: { data: ["基线", "情景"], top: 0 },
      grid: { left: 10, right: 30, top: 30, bottom: 30, containLabel: true },
      xAxis: { type: "category", data: rows.map(r => String(r.year)) },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: v => fmt.format(v) } },
      series: [
        { name: "基线", type: "line", data: rows.map(r => r.baseline), itemStyle: { color: "#6b7280" } },
        { name: "情景", type: "line", data: rows.map(r => r.scenario), itemStyle: { color: "#a61b1b" } },
      ],
    }, true);
    const last = rows[rows.length - 1];
    const high = a.risks.filter(r => r.grade >= 3);
    out.innerHTML = `<p>${esc(a.name)}：${esc(j.name)}${last ? `${last.year}年常住人口 基线 ${fmt.format(Math.round(last.baseline))}，情景 ${fmt.format(Math.round(last.scenario))}（${last.difference >= 0 ? "+" : ""}${fmt.format(Math.round(last.difference))}）` : ""}。</p>` +
      (a.obligations.length ? `<ul class="scale-notes">${a.obligations.map(o => `<li>${esc(o.name)}：${esc(areaNames[o.region] || o.region)} 须配建 ${amount(o.capacity)} ${esc(o.unit)}（${esc(o.citation)}）</li>`).join("")}</ul>` : "") +
      (high.length ? `<p class="footnote">较高风险：${high.map(r => `${esc(areaNames[r.region] || r.region)} ${esc(r.indicator)}（${esc(r.grade_name)}）`).join("，")}</p>` : "") +
      (a.scale_note ? `<p class="footnote">${esc(a.scale_note)}</p>` : "");
  } catch (e) {
    out.innerHTML = `<p class="error">评估失败：${esc(e.message)}</p>`;
  }
}
