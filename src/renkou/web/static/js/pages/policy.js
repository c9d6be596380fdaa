// 政策测算: subsidy schemes (caseloads and costs on the registry's date, budgets over years,
// with parameters changed on the page) and the points-settlement simulation.
"use strict";

import { filePanel } from "./policy_file.js";
import { state, getJSON, postJSON, esc, num, fmt, pct, chart, chartBase, current, showError, loading, autoTable, table, progressBar, suppressionNote } from "../core.js";

const LABELS = { district: "区县代码", region: "地区", region_name: "地区", name: "名称", caseload: "对象数", cost: "经费", annual_cost: "年经费",
  year: "年份", group: "分组", persons: "人数", share: "占比", label: "目标", value: "值", baseline: "基线", changed: "调整后",
  baseline_share: "基线占比", changed_share: "调整后占比", settled_baseline: "基线落户", settled_changed: "调整后落户",
  from_year: "起", to_year: "止", total: "合计", as_of: "时点", district_name: "区县", component: "项目",
  annual_cost_total: "年经费合计（元）", annual_cost_city: "市级负担（元）", annual_cost_district: "区级负担（元）",
  annual_cost_unallocated: "未分担（元）", monthly_cost_total: "月经费（元）", cost_total: "经费合计（元）", scheme: "方案" };
// Rows of areas or groups with nothing in them are left out of the long tables; a row with a
// suppressed cell (null) stays, marked, so that its absence does not read as zero.
const someone = rows => rows.filter(r => Object.entries(r).some(([k, v]) => (v === null || (typeof v === "number" && v !== 0)) && !(k === "year" || k.endsWith("_year"))));
// Caseloads count persons: tables with cells hidden by disclosure control.
const hiddenTable = rows => autoTable(rows, LABELS, { suppressed: true });
const po = { tab: "subsidy", scheme: null };

export async function render(view, params) {
  const generation = current();
  po.tab = params.get("tab") === "points" ? "points" : po.tab;
  view.innerHTML = `<div class="page-head"><h2>政策测算</h2></div>
    <div class="tabs"><button type="button" data-tab="subsidy">补贴对象与经费</button><button type="button" data-tab="points">积分落户模拟</button></div>
    <div id="po-body"></div>`;
  view.querySelectorAll(".tabs button").forEach(b => b.addEventListener("click", () => { po.tab = b.dataset.tab; draw(generation); }));
  await draw(generation);
}

async function draw(generation) {
  document.querySelectorAll(".tabs button").forEach(b => b.classList.toggle("on", b.dataset.tab === po.tab));
  const body = document.getElementById("po-body");
  loading(body);
  try {
    if (po.tab === "subsidy") await subsidy(generation, body);
    else await points(generation, body);
  } catch (e) { if (generation === current()) showError(body, e); }
}

// The scheme's parameters as inputs; returns a function reading the changed ones.
function paramForm(el, params) {
  el.innerHTML = table([
    { label: "参数", html: p => `${esc(p.description || p.name)}<div class="muted mono">${esc(p.name)}</div>` },
    { label: "取值", html: p => `<input class="param" data-name="${esc(p.name)}" data-orig="${esc(p.value)}" value="${esc(p.value)}" size="10"> ${esc(p.unit || "")}` },
    { label: "施行自", html: p => esc(p.effective_from || "") },
    { label: "依据", html: p => esc(p.source || "") },
  ], params);
  return () => {
    const changed = {};
    el.querySelectorAll("input.param").forEach(i => {
      if (i.value !== i.dataset.orig) changed[i.dataset.name] = isNaN(Number(i.value)) || i.value.trim() === "" ? i.value : Number(i.value);
    });
    return changed;
  };
}

async function subsidy(generation, body) {
  const schemes = (await getJSON("/api/rules/schemes")).filter(s => s.key !== "points");
  if (generation !== current()) return;
  if (!schemes.length) { body.innerHTML = `<p class="muted">没有可测算的政策方案。</p>`; return; }
  if (!schemes.some(s => s.key === po.scheme)) po.scheme = schemes[0].key;
  const asOf = state.meta.default_as_of;
  const y = Number(String(asOf).slice(0, 4));
  body.innerHTML = `<div class="grid">
    <div class="panel"><div class="panel-head"><h3>方案与参数</h3>
        <label class="controls">方案 <select id="po-scheme">${schemes.map(s => `<option value="${esc(s.key)}">${esc(s.title)}</option>`).join("")}</select></label></div>
      <div id="po-params" class="scroll"></div>
      <form class="inline" id="po-run">
        <label>时点 <input type="date" id="po-asof" value="${esc(asOf)}"></label>
        <button type="submit" class="btn" data-what="caseload">测算对象与经费</button>
        <label>预算 <input type="number" id="po-from" value="${y + 1}" min="2000" max="2100"> 至 <input type="number" id="po-to" value="${y + 5}" min="2000" max="2100"> 年</label>
        <button type="button" class="btn secondary" id="po-budget">测算多年预算</button>
      </form>
      <p class="footnote">修改参数后测算，结果与默认参数对比；使用修改的参数会记入审计日志。</p></div>
    <div class="panel"><h3 id="po-result-title">测算结果</h3><div id="po-result"><p class="muted">选择方案并测算。</p></div></div>
  </div><div class="panel" id="po-detail" hidden><h3 id="po-detail-title"></h3><div id="po-chart" class="chart short"></div><div id="po-detail-table" class="scroll"></div></div>
  <div class="panel" id="po-file"></div>`;
  const sel = document.getElementById("po-scheme");
  sel.value = po.scheme;
  let changed = () => ({});
  const loadParams = async () => {
    const el = document.getElementById("po-params");
    loading(el);
    try { changed = paramForm(el, await getJSON(`/api/rules/schemes/${encodeURIComponent(po.scheme)}/params?as_of=${document.getElementById("po-asof").value}`)); }
    catch (e) { showError(el, e); }
  };
  const describe = filePanel(document.getElementById("po-file"), generation, {
    scheme: () => schemes.find(s => s.key === po.scheme), asOf: () => document.getElementById("po-asof").value,
    params: () => changed() });
  sel.addEventListener("change", () => { po.scheme = sel.value; loadParams(); describe(); });
  document.getElementById("po-run").addEventListener("submit", e => { e.preventDefault(); caseload(generation, changed()); });
  document.getElementById("po-budget").addEventListener("click", () => budget(generation, changed()));
  await loadParams();
}

async function caseload(generation, params) {
  const el = document.getElementById("po-result");
  el.innerHTML = progressBar(null, "正在按规则测算对象…");
  try {
    const c = await postJSON(`/api/rules/schemes/${encodeURIComponent(po.scheme)}/caseload`, { as_of: document.getElementById("po-asof").value, params, seed: 1 });
    if (generation !== current()) return;
    document.getElementById("po-result-title").textContent = `测算结果 · ${c.as_of}`;
    el.innerHTML = `<div class="cards"><div class="card"><div class="k">符合条件的对象</div><div class="v">${num(c.total_caseload)} 人</div></div>
      <div class="card"><div class="k">年经费</div><div class="v">${num(c.annual_cost / 10000, 1)} 万元</div></div></div>` +
      (Object.keys(params).length ? `<p class="footnote">已使用修改的参数：${esc(JSON.stringify(params))}</p>` : "") +
      `<h3>分组（有对象的）</h3><div class="scroll" id="po-groups">${hiddenTable(someone(c.groups))}</div>` + suppressionNote(c.suppression_threshold, c.suppressed);
    const d = document.getElementById("po-detail");
    d.hidden = false;
    document.getElementById("po-detail-title").textContent = "分区对象与经费";
    document.getElementById("po-chart").hidden = true;
    document.getElementById("po-detail-table").innerHTML = hiddenTable(someone(c.costs)) + `<p class="footnote">未列出的区县无符合条件的对象。</p>` + suppressionNote(c.suppression_threshold, c.suppressed);
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function budget(generation, params) {
  const el = document.getElementById("po-result");
  el.innerHTML = progressBar(null, "正在按人口预测测算多年预算…");
  try {
    const b = await postJSON(`/api/rules/schemes/${encodeURIComponent(po.scheme)}/budget`, {
      from_year: Number(document.getElementById("po-from").value), to_year: Number(document.getElementById("po-to").value),
      params, seed: 1, compare: Object.keys(params).length > 0 });
    if (generation !== current()) return;
    document.getElementById("po-result-title").textContent = `多年预算 · ${b.from_year}—${b.to_year}年`;
    el.innerHTML = `<div class="scroll">${autoTable(b.by_year, LABELS)}</div>` + (b.comparison ? `<h3>与默认参数对比</h3>${hiddenTable(b.comparison)}` : "");
    const d = document.getElementById("po-detail");
    d.hidden = false;
    document.getElementById("po-detail-title").textContent = "分年预算与分区";
    const chartEl = document.getElementById("po-chart");
    chartEl.hidden = false;
    const numeric = b.by_year.length ? Object.keys(b.by_year[0]).filter(k => k !== "year" && typeof b.by_year[0][k] === "number") : [];
    const c = window.echarts.getInstanceByDom(chartEl) || chart(chartEl);
    c.setOption(Object.assign(chartBase(), {
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
      xAxis: { type: "category", data: b.by_year.map(r => String(r.year)) },
      yAxis: numeric.map((k, i) => ({ type: "value", show: i < 2, position: i ? "right" : "left", axisLabel: { formatter: v => fmt.format(v) } })).slice(0, 2),
      series: numeric.slice(0, 4).map((k, i) => ({ type: i ? "line" : "bar", name: LABELS[k] || k, yAxisIndex: Math.min(i, 1), data: b.by_year.map(r => r[k]) })),
    }), true);
    document.getElementById("po-detail-table").innerHTML = hiddenTable(someone(b.by_district)) + `<p class="footnote">未列出的区县无符合条件的对象。</p>` + suppressionNote(b.suppression_threshold, b.suppressed);
  } catch (e) { if (generation === current()) showError(el, e); }
}

// The shipped sample change (rules/data/points/changes): a larger Binhai bonus and a higher
// cap on insurance years, quota unchanged.
const SAMPLE_CHANGES = "district_bonus.cap: 30\ndistrict_bonus.points.binhai: 30\nsocial_insurance.cap: 60";

function parseChanges(text) {
  const changes = {};
  const problems = [];
  text.split("\n").forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith("#")) return;
    const m = t.match(/^([\w.]+)\s*[:=]\s*(.+)$/);
    if (!m) { problems.push(`第 ${i + 1} 行应写成 指标.属性: 值`); return; }
    const v = m[2].trim();
    changes[m[1]] = v !== "" && !isNaN(Number(v)) ? Number(v) : v;
  });
  return { changes, problems };
}

async function points(generation, body) {
  const y = Number(String(state.meta.default_as_of).slice(0, 4));
  body.innerHTML = `<div class="grid">
    <div class="panel"><h3>积分规则调整（示例方案 tianjin-sample）</h3>
      <form class="form" id="pt-run">
        <label for="pt-changes">调整项</label><textarea id="pt-changes" rows="5" class="mono" spellcheck="false">${esc(SAMPLE_CHANGES)}</textarea>
        <label for="pt-quota">年度名额</label><input type="number" id="pt-quota" min="0" step="100" value="2000" placeholder="不变">
        <label for="pt-from">落户年份</label><span><input type="number" id="pt-from" value="${y + 1}" min="2000" max="2100"> 至 <input type="number" id="pt-to" value="${y + 5}" min="2000" max="2100"></span>
        <label for="pt-n">模拟申请人</label><input type="number" id="pt-n" value="5000" min="100" max="200000" step="100">
        <div class="actions"><button type="submit" class="btn" id="pt-submit">模拟</button></div>
      </form>
      <p class="footnote">每行一项：指标.属性: 值（如 district_bonus.points.binhai: 30、social_insurance.cap: 60），或 quota、threshold、max_age 等准入规则。申请人为按方案假设生成的模拟申请人；模拟记入审计日志。</p></div>
    <div class="panel"><h3>模拟结果</h3><div id="pt-result"><p class="muted">调整规则后模拟。</p></div></div></div>
    <div class="panel" id="pt-more" hidden><h3>落户人数与构成</h3><div class="grid"><div id="pt-chart" class="chart short"></div><div id="pt-comp" class="scroll"></div></div></div>`;
  document.getElementById("pt-run").addEventListener("submit", async e => {
    e.preventDefault();
    const el = document.getElementById("pt-result");
    const { changes, problems } = parseChanges(document.getElementById("pt-changes").value);
    if (problems.length) { showError(el, problems.join("；")); return; }
    const quota = document.getElementById("pt-quota").value;
    if (quota) changes.quota = Number(quota);
    if (!Object.keys(changes).length) { showError(el, "请至少填写一项调整"); return; }
    el.innerHTML = progressBar(null, "正在模拟…");
    const req = { changes, settle_from: Number(document.getElementById("pt-from").value), settle_to: Number(document.getElementById("pt-to").value),
      sample: { n: Number(document.getElementById("pt-n").value), seed: 1 } };
    try {
      const s = await postJSON("/api/rules/points/simulate", req);
      if (generation !== current()) return;
      el.innerHTML = `<div class="cards"><div class="card"><div class="k">模拟申请人</div><div class="v">${num(s.applicants)}</div></div>
        <div class="card"><div class="k">调整后新进入名额</div><div class="v">${num(s.admitted_instead)}</div></div>
        <div class="card"><div class="k">被挤出名额</div><div class="v">${num(s.displaced)}</div></div></div>
        <h3>与规划目标对比</h3>${table([
          { label: "目标", key: "label" }, { label: "期间", html: t => `${t.from_year}—${t.to_year}` },
          { label: "目标值", num: true, html: t => num(t.value) }, { label: "基线", num: true, html: t => num(t.baseline) },
          { label: "调整后", num: true, html: t => num(t.changed) },
          { label: "基线占比", num: true, html: t => pct(t.baseline_share) }, { label: "调整后占比", num: true, html: t => pct(t.changed_share) },
        ], s.targets)}<h3>概况</h3><div class="scroll">${autoTable(s.summary, LABELS)}</div>`;
      document.getElementById("pt-more").hidden = false;
      const c = window.echarts.getInstanceByDom(document.getElementById("pt-chart")) || chart("pt-chart");
      c.setOption(Object.assign(chartBase(), {
        tooltip: { trigger: "axis" }, legend: { top: 0 },
        grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
        xAxis: { type: "category", data: s.inflow.map(r => String(r.year)) }, yAxis: { type: "value" },
        series: [{ type: "bar", name: "基线落户", data: s.inflow.map(r => r.settled_baseline), itemStyle: { color: "#9ca3af" } },
          { type: "bar", name: "调整后落户", data: s.inflow.map(r => r.settled_changed), itemStyle: { color: "#a61b1b" } }],
      }), true);
      document.getElementById("pt-comp").innerHTML = autoTable(s.composition, LABELS);
    } catch (err) { if (generation === current()) showError(el, err); }
  });
}
