// renkou dashboard: the served store's jurisdiction, pyramid, area map (or bar chart) and plan
// assessment, all from the JSON API. No outside addresses.
"use strict";

const state = { caliber: "resident", asOf: null, region: null, meta: null, me: null, areaQuery: "", mapUrl: null };
const fmt = new Intl.NumberFormat("zh-CN");
// Made once the page is shown (a chart in a hidden element has no size).
let pyramidChart = null;
let areaChart = null;
let areaNames = {};

function csrfToken() {
  const c = document.cookie.split("; ").find(x => x.startsWith("renkou_csrf="));
  return c ? decodeURIComponent(c.slice("renkou_csrf=".length)) : "";
}

async function getJSON(url) {
  const res = await fetch(url, { credentials: "same-origin" });
  if (res.status === 401 && url.startsWith("/api/")) {
    showLogin("会话已过期，请重新登录。");
    throw new Error("请先登录");
  }
  if (!res.ok) {
    let msg = res.statusText;
    try { msg = (await res.json()).message || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return res.json();
}

function showError(el, err) {
  el.innerHTML = `<p class="error">数据加载失败：${esc(err.message)}</p>`;
}

function pct(x) { return (100 * x).toFixed(2) + "%"; }

// Suppressed cells (统计披露控制) come as null and are shown as "*".
const SUPPRESSED = "*";

function renderCards(p) {
  // Group sums come from the server, computed from every cell (a suppressed group is null).
  const g = p.groups;
  const total = p.total || 1;
  const ratio = (a, b, f) => (a == null || b == null ? SUPPRESSED : f(a, b));
  const cards = [
    [`${p.region_name}${p.caliber_name}`, fmt.format(p.total) + " 人"],
    ["0–14岁占比", ratio(g["0-14"], total, (a, b) => pct(a / b))],
    ["60岁及以上占比", ratio(g["60+"], total, (a, b) => pct(a / b))],
    ["65岁及以上占比", ratio(g["65+"], total, (a, b) => pct(a / b))],
    ["老年抚养比（65+/15–64）", ratio(g["65+"], g["15-64"], (a, b) => (100 * a / (b || 1)).toFixed(2) + "%")],
    ["性别比（女=100）", ratio(g.male, g.female, (a, b) => (100 * a / (b || 1)).toFixed(2))],
  ];
  document.getElementById("cards").innerHTML = cards
    .map(([k, v]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${v}</div></div>`).join("");
}

// Says which cells are suppressed and why, under the charts (or nothing when none are).
function renderSuppression(p, a) {
  const k = p.suppression_threshold || a.suppression_threshold;
  const n = (p.suppressed || 0) + (a.suppressed || 0);
  const el = document.getElementById("suppression-note");
  el.hidden = !n;
  el.textContent = n ? `${SUPPRESSED} 统计披露控制：少于 ${k} 人的单元格，以及为防止由合计推算而一并隐藏的单元格，不予显示（本页共 ${n} 个，以 ${SUPPRESSED} 标示）。` : "";
}

function renderPyramid(p) {
  document.getElementById("pyramid-title").textContent =
    `人口金字塔 · ${p.region_name} · ${p.caliber_name} · ${p.as_of}`;
  const ages = p.ages.map((a, i) => (i === p.ages.length - 1 ? `${a}+` : String(a)));
  pyramidChart.setOption({
    textStyle: { fontFamily: "RenkouSans, Microsoft YaHei, sans-serif" },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
      formatter: ps => `${ps[0].axisValue}岁<br>` + ps.map(s => `${s.seriesName}：${s.value == null ? SUPPRESSED + "（已抑制）" : fmt.format(Math.abs(s.value))}`).join("<br>") },
    legend: { data: ["男", "女"], top: 0 },
    grid: { left: 50, right: 30, top: 30, bottom: 30 },
    xAxis: { type: "value", axisLabel: { formatter: v => fmt.format(Math.abs(v)) } },
    yAxis: { type: "category", data: ages, axisTick: { show: false }, axisLabel: { interval: 9 } },
    series: [
      { name: "男", type: "bar", stack: "p", barCategoryGap: 0, data: p.male.map(v => (v == null ? null : -v)), itemStyle: { color: "#3b82f6" } },
      { name: "女", type: "bar", stack: "p", barCategoryGap: 0, data: p.female, itemStyle: { color: "#ef4444" } },
    ],
  }, true);
}

// What the areas are called: 街镇 of a district deployment, else 区 or 区县.
function areaWord(j) {
  if (j.area_level === "street" || state.areaQuery) return "各街镇";
  return Object.values(areaNames).every(n => n.endsWith("区")) ? "各区" : "各区县";
}

function renderAreas(a) {
  const j = state.meta.jurisdiction;
  document.getElementById("map-title").textContent =
    `${areaWord(j)}${a.caliber_name} · ${a.as_of}（合计 ${fmt.format(a.total)} 人）`;
  const values = a.areas.map(x => x.value).filter(v => v != null);
  const base = {
    textStyle: { fontFamily: "RenkouSans, Microsoft YaHei, sans-serif" },
    tooltip: { trigger: "item", formatter: s => `${s.name}<br>${a.caliber_name}：${s.data && s.data.value == null ? SUPPRESSED + "（已抑制）" : fmt.format(s.value || 0) + " 人"}` },
  };
  if (state.mapUrl) {
    areaChart.setOption(Object.assign(base, {
      visualMap: { min: Math.min(...values), max: Math.max(...values), left: 10, bottom: 10, text: ["多", "少"],
        calculable: true, inRange: { color: ["#fff5eb", "#fdae6b", "#e6550d", "#7f2704"] } },
      // Small central areas crowd each other: a label that would overlap is hidden (hover
      // or zoom shows it).
      series: [{ type: "map", map: j.key, roam: true, nameProperty: "name",
        label: { show: true, fontSize: 10 }, labelLayout: { hideOverlap: true },
        data: a.areas.map(x => ({ name: x.name, value: x.value, code: x.code })) }],
    }), true);
    return;
  }
  // No shapes for these areas: a bar chart, first area at the top.
  const rows = a.areas.slice().reverse();
  areaChart.setOption(Object.assign(base, {
    grid: { left: 10, right: 60, top: 10, bottom: 30, containLabel: true },
    xAxis: { type: "value", axisLabel: { formatter: v => fmt.format(v) } },
    yAxis: { type: "category", data: rows.map(x => x.name), axisTick: { show: false } },
    series: [{ type: "bar", data: rows.map(x => ({ value: x.value, code: x.code })),
      itemStyle: { color: "#e6550d" }, label: { show: true, position: "right", formatter: s => (s.data.value == null ? SUPPRESSED : fmt.format(s.value)) } }],
  }), true);
}

const STATUS_CLASS = { "已达标": "s-met", "进度正常": "s-ontrack", "进度滞后（预警）": "s-warn", "未达标": "s-missed" };
// The plan and year assessed; ?plan=<code>&year=<year> in the address picks them (so a view
// can be bookmarked or shared), otherwise the jurisdiction's own plan in its default year.
const planState = { plans: [], code: null, year: null, request: 0 };

function esc(text) {
  return String(text == null ? "" : text).replace(/[&<>"']/g,
    c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function planYears(p) {
  const years = [];
  for (let y = p.start_year; y <= p.end_year; y++) years.push(y);
  return years;
}

function fillYears(p, wanted) {
  const sel = document.getElementById("plan-year");
  const years = planYears(p);
  // Years after the default one lie beyond the data the population views show (the registry
  // has no later year-end); they stay selectable, marked, because a plan is read to its end.
  sel.innerHTML = years.map(y => `<option value="${y}">${y}年${y > p.default_year ? "（晚于库内数据）" : ""}</option>`).join("");
  planState.year = years.includes(wanted) ? wanted : p.default_year;
  sel.value = String(planState.year);
}

function rememberInAddress() {
  const url = new URL(window.location.href);
  url.searchParams.set("plan", planState.code);
  url.searchParams.set("year", String(planState.year));
  window.history.replaceState(null, "", url.pathname + url.search);
}

async function initPlans() {
  const all = await getJSON("/api/plans");
  const plans = state.me.district ? all.filter(p => p.area_code.startsWith(state.me.district)) : all;
  if (!plans.length) return;
  planState.plans = plans;
  const params = new URLSearchParams(window.location.search);
  const wanted = plans.find(p => p.code === params.get("plan")) ||
    plans.find(p => p.own) || plans[0];
  const planSel = document.getElementById("plan");
  // The period after the name unless the name already says it (…（2016—2030年）).
  const period = p => (p.name.includes(String(p.start_year)) ? "" : `（${p.start_year}—${p.end_year}年）`);
  planSel.innerHTML = plans.map(p => `<option value="${esc(p.code)}">${esc(p.name)}${period(p)}</option>`).join("");
  planState.code = wanted.code; planSel.value = wanted.code;
  fillYears(wanted, Number(params.get("year")));
  planSel.onchange = () => {
    const p = planState.plans.find(x => x.code === planSel.value);
    planState.code = p.code; fillYears(p, planState.year); loadAssessment();
  };
  document.getElementById("plan-year").onchange = e => { planState.year = Number(e.target.value); loadAssessment(); };
  document.getElementById("assessment-panel").hidden = false;
  await loadAssessment();
}

function renderAssessment(a) {
  document.getElementById("assessment-title").textContent = `规划指标监测 · ${a.plan_name} · ${a.year}年`;
  const num = v => (v == null ? "—" : fmt.format(Math.round(v * 100) / 100));
  const prob = v => (v == null ? "—" : Math.round(v * 100) + "%");
  const summary = Object.entries(a.counts).map(([k, v]) => `${esc(k)} ${v} 项`).join("，");
  // The store holds nobody of the plan's area (another jurisdiction's plan): say so once,
  // plainly, before the table of 数据不足.
  let notice = a.uncovered
    ? `<div class="notice" role="alert"><strong>数据未覆盖规划地区：</strong>${esc(a.uncovered)}。计算类指标记为“数据不足”，只评估部门填报的指标，不做人口预测。</div>`
    : "";
  const p = planState.plans.find(x => x.code === a.plan);
  if (p && a.year > p.default_year) {
    notice += `<div class="notice"><strong>评估年份晚于库内数据：</strong>人口基础信息库的数据截至${p.default_year}年末，${a.year}年的计算类指标按库内现有记录计算，不反映该年实际，仅供参考。</div>`;
  }
  const rows = a.rows.map(r => `<tr><td>${esc(r.code)}</td><td>${esc(r.name)}</td><td>${esc(r.target_text)}</td>
      <td class="num">${num(r.value)}${r.demo ? ' <span class="demo-tag" title="部门填报值为示范数据">示范数据</span>' : ""}</td><td>${esc(r.unit)}</td>
      <td><span class="status ${STATUS_CLASS[r.status] || "s-none"}">${esc(r.status)}</span></td>
      <td class="num" title="${esc(r.projection_method)}">${num(r.projected)}${r.projection_kind === "trend" && r.projected != null ? "*" : ""}</td><td class="num">${prob(r.probability)}</td>
      <td>${esc(r.note)}</td></tr>`).join("");
  const trend = a.rows.some(r => r.projection_kind === "trend" && r.projected != null)
    ? `<p class="footnote">* 按指标自身历年数值线性趋势外推，非人口预测（鼠标悬停查看方法）。其余预测值来自人口预测（中方案），达标概率来自随机模拟。</p>` : "";
  // How totals were scaled (resident and hukou factors with their basis), from the API.
  const notes = (a.scale_notes || []).length
    ? `<ul class="scale-notes">${a.scale_notes.map(n => `<li>${esc(n)}。</li>`).join("")}</ul>` : "";
  document.getElementById("assessment").innerHTML = notice + `<p>${summary}</p>` +
    `<table class="assess"><thead><tr><th>编号</th><th>指标</th><th>规划目标</th><th>监测值</th><th>单位</th><th>状态</th><th>目标年预测</th><th>达标概率</th><th>说明</th></tr></thead><tbody>${rows}</tbody></table>` +
    notes + trend;
}

async function loadAssessment() {
  const request = ++planState.request;
  const p = planState.plans.find(x => x.code === planState.code);
  rememberInAddress();
  document.getElementById("assessment-title").textContent = `规划指标监测 · ${p ? p.name : ""} · ${planState.year}年`;
  document.getElementById("assessment").innerHTML = `<p class="loading">正在评估（含人口预测，首次约需数秒）…</p>`;
  try {
    const a = await getJSON(`/api/plans/${encodeURIComponent(planState.code)}/assessment?year=${planState.year}`);
    if (request === planState.request) renderAssessment(a);  // a later choice wins
  } catch (e) {
    if (request === planState.request) {
      document.getElementById("assessment").innerHTML = `<p class="error">评估失败：${esc(e.message)}</p>`;
    }
  }
}

async function refresh() {
  const q = `caliber=${state.caliber}&as_of=${state.asOf}`;
  try {
    const [p, a] = await Promise.all([
      getJSON(`/api/population/pyramid?${q}&region=${state.region}`),
      getJSON(`/api/population/areas?${q}${state.areaQuery}`),
    ]);
    renderCards(p); renderPyramid(p); renderAreas(a); renderSuppression(p, a);
  } catch (e) { showError(document.getElementById("cards"), e); }
}

function may(scope) { return state.me && state.me.scopes.includes(scope); }

// A district account sees its own district and the 街镇 in it; the others the jurisdiction.
function ownArea(j) { return state.me.district || j.code; }

async function init() {
  const meta = await getJSON("/api/meta");
  state.meta = meta;
  const j = meta.jurisdiction;
  document.getElementById("title").textContent = `${j.name}人口发展监测`;
  document.title = `${j.name}人口发展规划监测 · renkou`;
  document.getElementById("demo-badge").hidden = !meta.synthetic;
  document.getElementById("demo-note").hidden = !meta.synthetic;
  if (may("audit")) await loadAudit();
  if (!may("population")) {
    // Roles without population counts: no pyramid, map or cards.
    ["controls", "cards", "pyramid-panel", "map-panel"].forEach(id => { document.getElementById(id).hidden = true; });
    if (may("plans")) await initPlans();
    return;
  }
  const own = ownArea(j);
  const narrowed = own !== j.code;
  const regions = await getJSON(narrowed ? `/api/regions?parent=${encodeURIComponent(own)}` : "/api/regions");
  regions.forEach(r => { areaNames[r.code] = r.name; });
  state.areaQuery = narrowed ? `&parent=${encodeURIComponent(own)}&level=street` : "";
  // A district account's 街镇 have no shapes: a bar chart.
  state.mapUrl = narrowed ? null : j.map_url;
  document.getElementById("map-note").hidden = !state.mapUrl;
  if (state.mapUrl) {
    const geo = await getJSON(j.map_url);
    // Join the shapes to the areas by division code: the page shows the jurisdiction's names.
    geo.features.forEach(f => { if (areaNames[f.id]) f.properties.name = areaNames[f.id]; });
    echarts.registerMap(j.key, geo);
  }
  const asof = document.getElementById("asof");
  asof.innerHTML = meta.as_of_choices.map(d => `<option value="${d}">${d}</option>`).join("");
  state.asOf = meta.default_as_of; asof.value = state.asOf;
  const regionSel = document.getElementById("region");
  const ownName = narrowed ? (await getJSON(`/api/regions/${encodeURIComponent(own)}`)).name : j.name;
  regionSel.innerHTML = `<option value="${esc(own)}">${esc(ownName)}</option>` +
    regions.map(r => `<option value="${esc(r.code)}">${esc(r.name)}</option>`).join("");
  state.region = own;
  asof.onchange = () => { state.asOf = asof.value; refresh(); };
  regionSel.onchange = () => { state.region = regionSel.value; refresh(); };
  document.querySelectorAll("#caliber button").forEach(b => b.onclick = () => {
    document.querySelectorAll("#caliber button").forEach(x => x.classList.toggle("on", x === b));
    state.caliber = b.dataset.caliber; refresh();
  });
  areaChart.on("click", s => { const code = s.data && s.data.code; if (code) { regionSel.value = code; state.region = code; refresh(); } });
  window.addEventListener("resize", () => { pyramidChart.resize(); areaChart.resize(); });
  await refresh();
  // The assessment panel stays hidden when no plan data is loaded.
  if (may("plans")) initPlans().catch(() => {});
  // 公共服务 and impact panels (services.js): on the jurisdiction's map unless narrowed.
  if (may("services")) initServices(j, own, narrowed, state.mapUrl).catch(() => {});
}


async function loadAudit() {
  const rows = await getJSON("/api/audit?limit=100");
  document.getElementById("audit-panel").hidden = false;
  document.getElementById("audit").innerHTML = `<table class="audit"><thead><tr><th>序号</th><th>时间（UTC）</th><th>用户</th><th>角色</th><th>操作</th><th>对象</th><th>结果</th><th>详情</th><th>来源</th></tr></thead><tbody>` +
    rows.map(e => `<tr><td>${e.seq}</td><td>${esc(e.at)}</td><td>${esc(e.actor)}</td><td>${esc(e.role)}</td><td>${esc(e.action)}</td><td>${esc(e.target)}</td><td>${esc(e.outcome)}</td><td>${esc(e.detail)}</td><td>${esc(e.client)}</td></tr>`).join("") +
    "</tbody></table>";
}

function showLogin(message) {
  document.getElementById("app").hidden = true;
  document.getElementById("who").hidden = true;
  document.getElementById("login").hidden = false;
  const err = document.getElementById("login-error");
  err.textContent = message || "";
  err.hidden = !message;
  document.getElementById("login-user").focus();
}

async function showApp() {
  const me = state.me;
  document.getElementById("login").hidden = true;
  document.getElementById("app").hidden = false;
  document.getElementById("who-name").textContent = `${me.username}（${me.role_label}${me.district ? " · " + me.district : ""}${me.department ? " · " + me.department : ""}）`;
  document.getElementById("who").hidden = false;
  if (!pyramidChart) {
    pyramidChart = echarts.init(document.getElementById("pyramid"));
    areaChart = echarts.init(document.getElementById("map"));
  }
  try { await init(); } catch (e) { showError(document.getElementById("cards"), e); }
}

async function login(event) {
  event.preventDefault();
  const body = JSON.stringify({ username: document.getElementById("login-user").value,
    password: document.getElementById("login-pass").value });
  const res = await fetch("/api/auth/login", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body });
  document.getElementById("login-pass").value = "";
  if (!res.ok) {
    let msg = "登录失败";
    try { msg = (await res.json()).message || msg; } catch (e) { /* not JSON */ }
    showLogin(msg);
    return;
  }
  await start();
}

async function logout() {
  await fetch("/api/auth/logout", { method: "POST", credentials: "same-origin",
    headers: { "X-CSRF-Token": csrfToken() } });
  window.location.reload();
}

async function start() {
  const res = await fetch("/api/auth/me", { credentials: "same-origin" });
  if (!res.ok) { showLogin(); return; }
  state.me = await res.json();
  await showApp();
}

document.getElementById("login-form").addEventListener("submit", login);
document.getElementById("logout").addEventListener("click", logout);
start().catch(e => showLogin(e.message));
