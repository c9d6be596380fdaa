// 总览: the account's area in key figures, the plan's indicators against their targets and
// the warnings, the tasks needing attention; the auditor sees the latest audit entries.
"use strict";

import { state, getJSON, getPage, esc, may, pct, num, fmt, SUPPRESSED, table, showError, current, suppressionNote } from "../core.js";
import { readablePlans, pickPlan, planLabel, statusTag } from "../plans.js";

// 红色预警、橙色预警、黄色预警 → the tag's colour.
function levelClass(level) { return level.startsWith("红") ? "red" : level.startsWith("橙") ? "orange" : level.startsWith("黄") ? "yellow" : "blue"; }

export async function render(view) {
  const generation = current();
  const j = state.j;
  view.innerHTML = `
    <div class="page-head"><h2>总览 · ${esc(state.ownName)}</h2>
      <span class="muted">数据截至 ${esc(state.meta.data_through || state.meta.default_as_of)}</span></div>
    <section class="cards" id="ov-cards"></section>
    <div id="ov-suppression"></div>
    <div class="grid" id="ov-grid">
      <div class="panel" id="ov-targets-panel" hidden><h3 id="ov-targets-title">关键指标与规划目标</h3><div id="ov-targets" class="scroll"></div></div>
      <div class="panel" id="ov-warnings-panel" hidden><h3>预警</h3><div id="ov-warnings" class="scroll"></div></div>
      <div class="panel" id="ov-tasks-panel" hidden><h3>任务督办</h3><div id="ov-tasks"></div></div>
      <div class="panel wide" id="ov-audit-panel" hidden><h3>最近的审计日志</h3><div id="ov-audit"></div></div>
    </div>`;
  const jobs = [];
  if (may("population")) jobs.push(cards(generation));
  else {
    document.getElementById("ov-cards").innerHTML =
      `<div class="card"><div class="k">辖区</div><div class="v">${esc(j.name)}</div><div class="t">${esc(j.code)}</div></div>
       <div class="card"><div class="k">数据截至</div><div class="v">${esc(state.meta.data_through || state.meta.default_as_of)}</div></div>
       <div class="card"><div class="k">角色</div><div class="v">${esc(state.me.role_label)}</div></div>`;
  }
  if (may("plans")) jobs.push(targets(generation));
  if (may("tasks")) jobs.push(taskSummary(generation));
  if (may("audit")) jobs.push(audit(generation));
  await Promise.all(jobs);
}

async function cards(generation) {
  const el = document.getElementById("ov-cards");
  try {
    const p = await getJSON(`/api/population/pyramid?caliber=resident&region=${encodeURIComponent(state.own)}`);
    if (generation !== current()) return;
    const g = p.groups;
    const ratio = (a, b, f) => (a == null || b == null ? SUPPRESSED : f(a, b));
    const items = [
      [`${p.region_name}${p.caliber_name}`, fmt.format(p.total) + " 人", p.as_of],
      ["0–14岁占比", ratio(g["0-14"], p.total, (a, b) => pct(a / b, 2))],
      ["60岁及以上占比", ratio(g["60+"], p.total, (a, b) => pct(a / b, 2))],
      ["65岁及以上占比", ratio(g["65+"], p.total, (a, b) => pct(a / b, 2))],
      ["老年抚养比（65+/15–64）", ratio(g["65+"], g["15-64"], (a, b) => pct(a / (b || 1), 2))],
      ["性别比（女=100）", ratio(g.male, g.female, (a, b) => (100 * a / (b || 1)).toFixed(2))],
    ];
    el.innerHTML = items.map(([k, v, t]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div>${t ? `<div class="t">${esc(t)}</div>` : ""}</div>`).join("");
    document.getElementById("ov-suppression").innerHTML = suppressionNote(p.suppression_threshold, p.suppressed);
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function targets(generation) {
  const panel = document.getElementById("ov-targets-panel");
  const el = document.getElementById("ov-targets");
  panel.hidden = false;
  el.innerHTML = `<p class="loading">正在评估规划指标（含人口预测，首次约需数秒）…</p>`;
  try {
    const plans = await readablePlans();
    const plan = pickPlan(plans, null);
    if (!plan) { el.innerHTML = `<p class="muted">没有可查看的规划。</p>`; return; }
    const a = await getJSON(`/api/plans/${encodeURIComponent(plan.code)}/assessment`);
    if (generation !== current()) return;
    document.getElementById("ov-targets-title").textContent = `关键指标与规划目标 · ${planLabel(plan)} · ${a.year}年`;
    const summary = Object.entries(a.counts).map(([k, v]) => `${statusTag(k)} ${v} 项`).join(" ");
    const rows = a.rows.filter(r => r.value != null || r.status !== "数据不足");
    el.innerHTML = `<p>${summary}</p>` + table([
      { label: "指标", html: r => `${esc(r.name)} <span class="muted">${esc(r.code)}</span>` },
      { label: "监测值", num: true, html: r => `${num(r.value, 2)} ${esc(r.unit)}${r.demo ? ' <span class="demo-tag">示范数据</span>' : ""}` },
      { label: "规划目标", key: "target_text" },
      { label: "状态", html: r => statusTag(r.status) },
    ], rows, "grid-table") + `<p class="footnote"><a href="#/indicators?plan=${encodeURIComponent(plan.code)}">指标监测 → 全部指标、下钻与轨迹</a></p>`;
    await warnings(generation, plan, a);
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function warnings(generation, plan, assessment) {
  const panel = document.getElementById("ov-warnings-panel");
  const el = document.getElementById("ov-warnings");
  panel.hidden = false;
  let rows;
  try {
    const w = await getJSON(`/api/warnings?plan=${encodeURIComponent(plan.code)}`);
    rows = w.rows;
    if (generation !== current()) return;
    el.innerHTML = rows.length ? table([
      { label: "序", key: "rank", num: true },
      { label: "指标", html: r => `${esc(r.name)} <span class="muted">${esc(r.indicator_code)}</span>` },
      { label: "等级", html: r => `<span class="level ${levelClass(r.level)}">${esc(r.level)}</span>` },
      { label: "原因", html: r => esc((r.reasons || []).join("；")) },
      { label: "建议", key: "suggestion" },
    ], rows) : `<p class="ok-note">没有需要预警的指标。</p>`;
  } catch (e) {
    // Warnings unavailable: the assessment's lagging and missed rows, said so.
    if (generation !== current()) return;
    el.insertAdjacentHTML("beforebegin", `<p class="footnote">预警清单暂不可用（${esc(e.message)}），下列为滞后或未达标的指标。</p>`);
    rows = assessment.rows.filter(r => r.status === "进度滞后（预警）" || r.status === "未达标");
    el.innerHTML = rows.length ? table([
      { label: "指标", html: r => `${esc(r.name)} <span class="muted">${esc(r.code)}</span>` },
      { label: "状态", html: r => statusTag(r.status) },
      { label: "说明", key: "note" },
    ], rows) : `<p class="ok-note">没有滞后或未达标的指标。</p>`;
  }
}

async function taskSummary(generation) {
  const panel = document.getElementById("ov-tasks-panel");
  const el = document.getElementById("ov-tasks");
  panel.hidden = false;
  try {
    const { items, total } = await getPage("/api/tasks/overdue?limit=8");
    if (generation !== current()) return;
    el.innerHTML = `<p>需督办的任务 <strong>${fmt.format(total)}</strong> 项（滞后、近一季度未报告或从未报告）。</p>` + table([
      { label: "任务", html: r => `${esc(r.title)}` },
      { label: "状态", html: r => statusTag(r.status) },
      { label: "提示", html: r => r.flags.map(f => `<span class="flag">${esc(f)}</span>`).join("") },
    ], items) + `<p class="footnote"><a href="#/tasks">任务分工 → 看板与进展填报</a></p>`;
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function audit(generation) {
  const panel = document.getElementById("ov-audit-panel");
  const el = document.getElementById("ov-audit");
  panel.hidden = false;
  try {
    const { items, total } = await getPage("/api/audit?limit=10");
    if (generation !== current()) return;
    el.innerHTML = `<p>审计日志共 ${fmt.format(total)} 条；最近 10 条：</p>` + table([
      { label: "序号", key: "seq", num: true }, { label: "时间（UTC）", key: "at" },
      { label: "用户", key: "actor" }, { label: "操作", key: "action" }, { label: "对象", key: "target" },
      { label: "结果", key: "outcome" },
    ], items, "audit") + `<p class="footnote"><a href="#/admin?tab=audit">系统管理 → 审计日志</a></p>`;
  } catch (e) { if (generation === current()) showError(el, e); }
}
