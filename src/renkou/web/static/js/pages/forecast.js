// 预测: population projections run as background jobs on the server (progress, cancel,
// fan chart of the total and the variants side by side), and scenario comparison — a major
// decision (a shipped example or a decision file) against the baseline projection.
"use strict";

import { state, getJSON, postJSON, esc, num, fmt, may, chart, chartBase, current, showError, table, progressBar, areaName } from "../core.js";
import { projectionsPanel } from "./projections.js";

const INDICATORS = { population: "总人口", pop_0_2: "0–2岁", pop_3_5: "3–5岁", pop_6_14: "6–14岁", pop_15_59: "15–59岁",
  pop_15_64: "15–64岁", pop_60p: "60岁及以上", pop_65p: "65岁及以上", pop_80p: "80岁及以上", births: "出生", deaths: "死亡",
  dependency_total: "总抚养比", dependency_old: "老年抚养比" };

export async function render(view) {
  const generation = current();
  view.innerHTML = `<div class="page-head"><h2>预测</h2></div>
    <div id="fc-projections"></div>
    <div class="panel" id="fc-impact-panel" hidden>
      <div class="panel-head"><h3>情景比较 · 重大决策人口影响评估</h3>
        <form class="inline" id="fc-impact-form">
          <label>决策 <select id="fc-example"></select></label>
          <button type="submit" class="btn" id="fc-impact-run">评估</button>
          <button type="button" class="btn secondary" id="fc-impact-report" hidden>生成 Word 报告</button>
        </form></div>
      <p class="footnote" id="fc-description"></p>
      <details id="fc-custom"><summary>自定义决策文件（YAML）</summary>
        <textarea id="fc-yaml" rows="8" spellcheck="false" class="mono" placeholder="name: …&#10;horizon: 2035&#10;shocks:&#10;  - kind: arrivals …"></textarea></details>
      <div id="fc-impact-progress"></div>
      <div id="fc-impact-file"></div>
      <div id="fc-impact-out" hidden>
        <div class="controls"><label>指标 <select id="fc-indicator"></select></label><label>地区 <select id="fc-region"></select></label></div>
        <div class="grid"><div id="fc-impact-chart" class="chart short"></div><div id="fc-impact-summary"></div></div>
        <div class="grid"><div><h3>风险等级（较高者）</h3><div id="fc-risks" class="scroll"></div></div><div><h3>配建义务</h3><div id="fc-obligations"></div></div></div>
      </div>
    </div>`;
  const jobs = [projectionsPanel(document.getElementById("fc-projections"), generation)];
  if (may("services") && !state.narrowed) jobs.push(impact(generation));
  else if (may("services")) {
    const p = document.getElementById("fc-impact-panel");
    p.hidden = false;
    p.innerHTML = `<h3>情景比较</h3><p class="muted">影响评估覆盖全辖区，区级账户请联系规划管理部门。</p>`;
  }
  await Promise.all(jobs);
}

// Service keys of the indicators (demand_<service>, gap_<service>) named as the norms name them.
const serviceNames = {};

async function impact(generation) {
  const [examples, norms] = await Promise.all([getJSON("/api/impact/examples"), getJSON("/api/services/norms").catch(() => ({ norms: [] }))]);
  norms.norms.forEach(n => { serviceNames[n.service] = n.name; });
  if (generation !== current()) return;
  document.getElementById("fc-impact-panel").hidden = false;
  const sel = document.getElementById("fc-example");
  sel.innerHTML = examples.map(e => `<option value="${esc(e.key)}">${esc(e.name)}（至${e.horizon}年）</option>`).join("") + `<option value="">自定义决策文件…</option>`;
  const describe = () => {
    const e = examples.find(x => x.key === sel.value);
    document.getElementById("fc-description").textContent = e ? e.description : "在下方填写决策文件（YAML）。";
    document.getElementById("fc-custom").open = !e;
  };
  sel.addEventListener("change", describe); describe();
  document.getElementById("fc-impact-form").addEventListener("submit", e => { e.preventDefault(); run(generation, sel.value); });
  const reportButton = document.getElementById("fc-impact-report");
  reportButton.hidden = !may("reports");
  reportButton.addEventListener("click", () => report(generation, sel.value));
}

function decisionBody(key) {
  return key ? { example: key } : { decision: document.getElementById("fc-yaml").value };
}

// The Word report of the decision (as renkou impact assess --out), kept with the other
// reports on the 报告 page.
async function report(generation, key) {
  const out = document.getElementById("fc-impact-file");
  const button = document.getElementById("fc-impact-report");
  button.disabled = true;
  out.innerHTML = progressBar(null, "正在评估并生成 Word 报告…");
  try {
    const r = await postJSON("/api/impact/report", decisionBody(key));
    if (generation !== current()) return;
    out.innerHTML = `<p class="ok-note" id="fc-impact-done">已生成：<a href="${esc(r.download_url)}" download="${esc(r.filename)}">${esc(r.filename)}</a>（${fmt.format(Math.round(r.size / 1024))} KB，亦列于“报告”页）</p>`;
  } catch (e) { if (generation === current()) showError(out, e); }
  finally { button.disabled = false; }
}

async function run(generation, key) {
  const prog = document.getElementById("fc-impact-progress");
  const button = document.getElementById("fc-impact-run");
  button.disabled = true;
  prog.innerHTML = progressBar(null, "正在运行基线与情景预测（约需十余秒）…");
  try {
    const a = await postJSON("/api/impact/assess", decisionBody(key));
    if (generation !== current()) return;
    prog.innerHTML = (a.warnings || []).map(w => `<p class="notice">${esc(w)}</p>`).join("");
    show(a);
  } catch (e) { if (generation === current()) showError(prog, e); }
  finally { button.disabled = false; }
}

function indicatorName(k) {
  if (INDICATORS[k]) return INDICATORS[k];
  if (k.startsWith("demand_")) return `需求：${serviceNames[k.slice(7)] || k.slice(7)}`;
  if (k.startsWith("gap_")) return `缺口：${serviceNames[k.slice(4)] || k.slice(4)}`;
  return k;
}

function show(a) {
  document.getElementById("fc-impact-out").hidden = false;
  const indicators = [...new Set(a.rows.map(r => r.indicator))];
  const regions = [...new Set(a.rows.map(r => r.region))].sort((x, y) => (x === a.jurisdiction ? -1 : y === a.jurisdiction ? 1 : x.localeCompare(y)));
  const isel = document.getElementById("fc-indicator");
  const rsel = document.getElementById("fc-region");
  isel.innerHTML = indicators.map(k => `<option value="${esc(k)}">${esc(indicatorName(k))}</option>`).join("");
  rsel.innerHTML = regions.map(c => `<option value="${esc(c)}">${esc(c === a.jurisdiction ? state.j.name + "（全辖区）" : areaName(c))}</option>`).join("");
  isel.value = indicators.includes("population") ? "population" : indicators[0];
  const c = window.echarts.getInstanceByDom(document.getElementById("fc-impact-chart")) || chart("fc-impact-chart");
  const draw = () => {
    const rows = a.rows.filter(r => r.region === rsel.value && r.indicator === isel.value).sort((x, y) => x.year - y.year);
    c.setOption(Object.assign(chartBase(), {
      tooltip: { trigger: "axis", valueFormatter: v => num(v, 1) },
      legend: { data: ["基线", "情景", "差值"], top: 0 },
      grid: { left: 10, right: 10, top: 30, bottom: 20, containLabel: true },
      xAxis: { type: "category", data: rows.map(r => String(r.year)) },
      yAxis: [{ type: "value", scale: true, axisLabel: { formatter: v => fmt.format(v) } }, { type: "value", name: "差值", axisLabel: { formatter: v => fmt.format(v) } }],
      series: [
        { name: "基线", type: "line", data: rows.map(r => r.baseline), itemStyle: { color: "#6b7280" } },
        { name: "情景", type: "line", data: rows.map(r => r.scenario), itemStyle: { color: "#a61b1b" } },
        { name: "差值", type: "bar", yAxisIndex: 1, data: rows.map(r => r.difference), itemStyle: { color: "rgba(166,27,27,.25)" } },
      ],
    }), true);
    const last = rows[rows.length - 1];
    document.getElementById("fc-impact-summary").innerHTML = last ? `<p><strong>${esc(a.name)}</strong></p>
      <dl class="kv"><dt>指标</dt><dd>${esc(indicatorName(isel.value))} · ${esc(rsel.options[rsel.selectedIndex].text)}</dd>
      <dt>${last.year}年基线</dt><dd>${num(last.baseline, 1)}</dd><dt>${last.year}年情景</dt><dd>${num(last.scenario, 1)}</dd>
      <dt>差值</dt><dd><strong>${last.difference >= 0 ? "+" : ""}${num(last.difference, 1)}</strong></dd></dl>
      ${a.scale_note ? `<p class="footnote">${esc(a.scale_note)}</p>` : ""}` : `<p class="muted">此地区无此指标。</p>`;
  };
  isel.onchange = draw; rsel.onchange = draw; draw();
  const risks = a.risks.filter(r => r.grade >= 2).sort((x, y) => y.grade - x.grade);
  document.getElementById("fc-risks").innerHTML = table([
    { label: "地区", html: r => esc(r.region === a.jurisdiction ? state.j.name : areaName(r.region)) },
    { label: "指标", html: r => esc(indicatorName(r.indicator)) }, { label: "年份", key: "year" },
    { label: "变化", num: true, html: r => (r.value == null ? "—" : num(100 * r.value, 1) + "%") },
    { label: "等级", html: r => `<span class="level ${r.grade >= 4 ? "red" : r.grade === 3 ? "orange" : "yellow"}">${esc(r.grade_name)}</span>` },
  ], risks);
  document.getElementById("fc-obligations").innerHTML = a.obligations.length ? table([
    { label: "服务", key: "name" }, { label: "地区", html: o => esc(areaName(o.region)) },
    { label: "新增人口", num: true, html: o => num(o.persons) }, { label: "须配建", num: true, html: o => `${num(o.capacity, 1)} ${esc(o.unit)}` },
    { label: "依据", key: "citation" },
  ], a.obligations) : `<p class="muted">无新建小区配建义务。</p>`;
}

