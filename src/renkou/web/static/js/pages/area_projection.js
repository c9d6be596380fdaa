// 预测 for an account that reads population figures but runs no projections (a district
// account): the finished projection jobs of the planning office, each read for the
// account's own district — its path, intervals and hukou split — and, for a job projected
// by 街镇, the paths of its 街镇. The API answers only for the account's own area.
"use strict";

import { state, getJSON, esc, current, showError, options, table, areaName, count, suppressionNote } from "../core.js";
import { cell, drawPoints, fanNote, fanTitle, splitTable } from "../fan.js";

export async function areaProjectionPanel(el, generation) {
  const own = state.me.district;
  if (!own) return;
  el.innerHTML = `<div class="panel" id="ap-panel"><div class="panel-head"><h3>本区人口预测</h3>
      <label class="controls">预测任务 <select id="ap-job"></select></label></div>
    <p class="muted">规划管理、统计分析部门完成的预测任务中本区（${esc(areaName(own))}）的结果；如需其他方案，请联系规划管理部门发起预测。</p>
    <div id="ap-out"></div></div>`;
  const out = document.getElementById("ap-out");
  let jobs;
  try { jobs = await getJSON("/api/projections/finished"); } catch (e) { if (generation === current()) showError(out, e); return; }
  if (generation !== current()) return;
  const sel = document.getElementById("ap-job");
  if (!jobs.length) { sel.disabled = true; out.innerHTML = `<p class="empty">尚无已完成的预测任务。</p>`; return; }
  sel.innerHTML = options(jobs, j => j.job_id, j => `${j.title} · ${String(j.finished_at).slice(0, 10)}`);
  sel.addEventListener("change", () => show(generation, own, sel.value));
  await show(generation, own, sel.value);
}

async function show(generation, own, id) {
  const out = document.getElementById("ap-out");
  out.innerHTML = `<h4 id="ap-title"></h4><div id="ap-fan" class="chart"></div><p class="footnote" id="ap-note"></p>
    <div id="ap-split"></div><div id="ap-streets"></div><div id="ap-suppressed"></div>`;
  try {
    const a = await getJSON(`/api/projections/${encodeURIComponent(id)}/areas/${encodeURIComponent(own)}`);
    if (generation !== current()) return;
    document.getElementById("ap-title").textContent = fanTitle(a, a.name);
    drawPoints(document.getElementById("ap-fan"), a, a.points);
    document.getElementById("ap-note").textContent = fanNote(a, a.points);
    document.getElementById("ap-split").innerHTML = a.split ? splitTable(a.points) : "";
    document.getElementById("ap-streets").innerHTML = a.areas.length ? streetTable(a)
      : `<p class="footnote">该任务按区县预测，没有街镇结果。</p>`;
    // The base year is the registry's count: its small cells are hidden like any table's.
    document.getElementById("ap-suppressed").innerHTML = suppressionNote(a.suppression_threshold, a.suppressed);
  } catch (e) { if (generation === current()) showError(out, e); }
}

// The 街镇 of a street-level job: base and end year, change, and (split) the hukou share.
function streetTable(a) {
  const first = p => p.points[0], last = p => p.points[p.points.length - 1];
  const cols = [
    { label: "街镇", key: "name" },
    { label: `${a.base_year}年`, num: true, html: s => cell(first(s).value) },
    { label: `${a.end_year}年`, num: true, html: s => cell(last(s).value) },
    // A change from a hidden base year would give the base year away.
    { label: "变化", num: true, html: s => (first(s).value == null ? count(null) : cell(last(s).value - first(s).value)) },
  ];
  if (a.split) cols.push({ label: `${a.base_year}年户籍常住`, num: true, html: s => cell(first(s).hukou) },
    { label: `${a.base_year}年非户籍常住`, num: true, html: s => cell(first(s).nonhukou) },
    { label: `${a.end_year}年户籍常住`, num: true, html: s => cell(last(s).hukou) },
    { label: `${a.end_year}年非户籍常住`, num: true, html: s => cell(last(s).nonhukou) });
  return `<h4>各街镇</h4><div class="scroll">${table(cols, a.areas)}</div>`;
}
