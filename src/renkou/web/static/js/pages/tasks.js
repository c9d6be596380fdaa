// 任务分工: the plan's tasks by department (or section) on a board, the list with the latest
// progress, a task's history and its progress form, and the list of tasks needing attention.
"use strict";

import { state, getJSON, getPage, postJSON, esc, num, may, chart, chartBase, current, showError, table, loading } from "../core.js";
import { readablePlans, pickPlan, planOptions, statusTag } from "../plans.js";

const tk = { plan: null, tab: "board", by: "department", task: null };
const STATUSES = ["未启动", "推进中", "已完成", "滞后"];

export async function render(view, params) {
  const generation = current();
  const plans = (await readablePlans()).filter(p => p.tasks > 0);
  if (!plans.length) { view.innerHTML = `<p class="muted">没有含重点任务的规划。</p>`; return; }
  const plan = pickPlan(plans, params.get("plan") || tk.plan);
  tk.plan = plan.code;
  tk.tab = ["board", "list", "overdue"].includes(params.get("tab")) ? params.get("tab") : tk.tab;
  tk.task = params.get("task") || null;
  view.innerHTML = `
    <div class="page-head"><h2>任务分工</h2>
      <div class="controls"><label>规划 <select id="tk-plan">${planOptions(plans)}</select></label>
      ${state.me.department ? `<span class="muted">本部门：${esc(state.me.department)}</span>` : ""}</div></div>
    <div class="tabs" role="tablist">
      <button type="button" data-tab="board">进展看板</button><button type="button" data-tab="list">任务清单与填报</button><button type="button" data-tab="overdue">督办清单</button>
    </div>
    <div id="tk-body"></div>`;
  document.getElementById("tk-plan").value = plan.code;
  document.getElementById("tk-plan").addEventListener("change", e => { tk.plan = e.target.value; draw(generation); });
  view.querySelectorAll(".tabs button").forEach(b => b.addEventListener("click", () => { tk.tab = b.dataset.tab; tk.task = null; draw(generation); }));
  await draw(generation);
}

const plan = () => `plan=${encodeURIComponent(tk.plan)}`;

async function draw(generation) {
  document.querySelectorAll(".tabs button").forEach(b => b.classList.toggle("on", b.dataset.tab === tk.tab));
  const body = document.getElementById("tk-body");
  loading(body);
  try {
    if (tk.tab === "board") await board(generation, body);
    else if (tk.tab === "list") await list(generation, body, "/api/tasks");
    else await list(generation, body, "/api/tasks/overdue");
  } catch (e) { if (generation === current()) showError(body, e); }
}

async function board(generation, body) {
  const groups = await getJSON(`/api/tasks/board?${plan()}&by=${tk.by}&limit=1000`);
  if (generation !== current()) return;
  body.innerHTML = `
    <div class="panel"><div class="panel-head"><h3>按${tk.by === "department" ? "部门" : "章节"}汇总</h3>
      <span class="toggle" id="tk-by"><button type="button" data-by="department">按部门</button><button type="button" data-by="section">按章节</button></span></div>
      <div id="tk-board-chart" class="chart short"></div><div id="tk-board-table"></div></div>`;
  body.querySelectorAll("#tk-by button").forEach(b => {
    b.classList.toggle("on", b.dataset.by === tk.by);
    b.addEventListener("click", () => { tk.by = b.dataset.by; draw(generation); });
  });
  const c = chart("tk-board-chart");
  const names = groups.map(g => g.name);
  const series = [["completed", "已完成", "#16a34a"], ["in_progress", "推进中", "#3b82f6"], ["not_started", "未启动", "#fbbf24"], ["lagging", "滞后", "#b91c1c"], ["unreported", "未报告", "#9ca3af"]];
  c.setOption(Object.assign(chartBase(), {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 10, right: 20, top: 30, bottom: 10, containLabel: true },
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 8 ? 30 : 0, fontSize: 11 } },
    yAxis: { type: "value", name: "任务数", minInterval: 1 },
    series: series.map(([k, n, color]) => ({ type: "bar", name: n, stack: "t", data: groups.map(g => g[k]), itemStyle: { color } })),
  }), true);
  document.getElementById("tk-board-table").innerHTML = table([
    { label: tk.by === "department" ? "部门" : "章节", key: "name" },
    { label: "任务", num: true, key: "tasks" }, { label: "已完成", num: true, key: "completed" },
    { label: "推进中", num: true, key: "in_progress" }, { label: "未启动", num: true, key: "not_started" },
    { label: "滞后", num: true, key: "lagging" }, { label: "未报告", num: true, key: "unreported" },
    { label: "平均进度", num: true, html: g => num(g.mean_percent, 1) + "%" }, { label: "需督办", num: true, key: "flagged" },
  ], groups);
}

async function list(generation, body, url) {
  tk.url = url;
  const { items, total } = await getPage(`${url}?${plan()}&limit=1000`);
  if (generation !== current()) return;
  const overdue = url.endsWith("overdue");
  body.innerHTML = `<div class="grid">
    <div class="panel"><h3>${overdue ? `督办清单（${total} 项：标记滞后、近一季度未报告或从未报告）` : `重点任务（${total} 项）`}</h3>
      <p class="muted">点击任务查看进展记录${may("progress") ? "并填报进展" : ""}。</p><div class="scroll" id="tk-list"></div></div>
    <div class="panel" id="tk-task"><p class="muted">未选择任务。</p></div></div>`;
  const el = document.getElementById("tk-list");
  el.innerHTML = table([
    { label: "序", num: true, html: t => esc(t.number ?? "") },
    { label: "任务", html: t => `<div class="task-title">${esc(t.title)}</div><div class="muted">${esc(t.section)}</div>` },
    { label: "责任部门", html: t => esc(t.department_names[0] || "") + (t.department_names.length > 1 ? `<span class="muted"> 等 ${t.department_names.length} 个</span>` : "") },
    { label: "状态", html: t => statusTag(t.status) },
    { label: "进度", num: true, html: t => num(t.percent, 0) + "%" },
    { label: "最近报告", html: t => esc(t.last_report || "—") },
    { label: "提示", html: t => t.flags.map(f => `<span class="flag">${esc(f)}</span>`).join("") },
  ], items);
  const trs = el.querySelectorAll("tbody tr");
  items.forEach((t, i) => {
    trs[i].classList.add("clickable");
    trs[i].dataset.code = t.code;
    trs[i].addEventListener("click", () => { trs.forEach(x => x.classList.toggle("sel", x === trs[i])); task(generation, t); });
  });
  const chosen = items.find(t => t.code === tk.task);
  if (chosen) { trs[items.indexOf(chosen)].classList.add("sel"); await task(generation, chosen); }
}

async function task(generation, t) {
  tk.task = t.code;
  const el = document.getElementById("tk-task");
  el.innerHTML = `<h3>${esc(t.title)}</h3>
    <dl class="kv"><dt>编号</dt><dd>${esc(t.code)}</dd><dt>章节</dt><dd>${esc(t.section)}</dd>
      <dt>责任部门</dt><dd>${esc(t.department_names.join("、"))}</dd><dt>当前状态</dt><dd>${statusTag(t.status)} ${num(t.percent, 0)}%</dd></dl>
    <div id="tk-form-box"></div>
    <h3>进展记录</h3><div id="tk-history" class="scroll"></div>`;
  if (may("progress")) progressForm(generation, t);
  const hist = document.getElementById("tk-history");
  try {
    const records = await getJSON(`/api/tasks/${encodeURIComponent(t.code)}/progress?${plan()}&limit=1000`);
    if (generation !== current() || tk.task !== t.code) return;
    hist.innerHTML = table([
      { label: "报告日期", key: "report_date" }, { label: "状态", html: r => statusTag(r.status) },
      { label: "进度", num: true, html: r => num(r.percent, 0) + "%" },
      { label: "进展情况", html: r => esc(r.narrative) + (r.evidence ? `<div class="muted">佐证：${esc(r.evidence)}</div>` : "") },
      { label: "填报单位", key: "department_name" }, { label: "填报人", key: "reporter" },
    ], records.slice().reverse());
  } catch (e) { showError(hist, e); }
}

function progressForm(generation, t) {
  const box = document.getElementById("tk-form-box");
  const own = state.me.department;
  const ownName = t.department_names[t.departments.indexOf(own)] || own;
  // A department account reports for itself; others choose when the task has several.
  const deptField = own ? `<span>${esc(ownName)}</span>` : t.departments.length > 1
    ? `<select name="department" required>${t.departments.map((d, i) => `<option value="${esc(d)}">${esc(t.department_names[i] || d)}</option>`).join("")}</select>`
    : `<span>${esc(t.department_names[0] || "—")}</span>`;
  const today = new Date().toISOString().slice(0, 10);
  box.innerHTML = `<h3>填报进展</h3>
    <form class="form" id="tk-form">
      <label for="tk-status">状态</label><select id="tk-status" name="status">${STATUSES.map(s => `<option${s === (t.status === "未报告" ? "推进中" : t.status) ? " selected" : ""}>${s}</option>`).join("")}</select>
      <label for="tk-percent">进度（%）</label><input id="tk-percent" name="percent" type="number" min="0" max="100" step="1" value="${Math.round(t.percent)}" required>
      <label for="tk-narrative">进展情况</label><textarea id="tk-narrative" name="narrative" rows="3" maxlength="2000" required></textarea>
      <label for="tk-evidence">佐证材料</label><input id="tk-evidence" name="evidence" maxlength="500" placeholder="文号、链接或台账编号">
      <label for="tk-date">报告日期</label><input id="tk-date" name="report_date" type="date" value="${today}" max="${today}">
      <span>填报单位</span>${deptField}
      <div class="actions"><button type="submit" class="btn" id="tk-submit">提交</button><span id="tk-result" role="status"></span></div>
    </form>`;
  document.getElementById("tk-form").addEventListener("submit", async e => {
    e.preventDefault();
    const f = e.target;
    const body = { status: f.status.value, percent: Number(f.percent.value), narrative: f.narrative.value.trim(),
      evidence: f.evidence.value.trim(), report_date: f.report_date.value || null };
    if (f.department) body.department = f.department.value;
    const out = document.getElementById("tk-result");
    document.getElementById("tk-submit").disabled = true;
    try {
      const rec = await postJSON(`/api/tasks/${encodeURIComponent(t.code)}/progress?${plan()}`, body);
      // The list and the task redrawn from the server, the new report on top.
      if (generation !== current()) return;
      await list(generation, document.getElementById("tk-body"), tk.url);
      const box = generation === current() && (document.getElementById("tk-form-box") || document.getElementById("tk-task"));
      if (box) box.insertAdjacentHTML("afterbegin", `<p class="ok-note" id="tk-saved">已提交：${esc(rec.report_date)} ${esc(rec.status)} ${num(rec.percent, 0)}%，已记入审计日志。</p>`);
    } catch (err) {
      out.className = "error"; out.textContent = err.message;
      document.getElementById("tk-submit").disabled = false;
    }
  });
}
