// 报告: generate an evaluation report (mid-term or final, Word or HTML) or the annual
// population report, and download the reports generated before (each download is audited).
"use strict";

import { state, getJSON, postJSON, esc, current, showError, table, loading, progressBar, fmt } from "../core.js";
import { readablePlans, pickPlan, planOptions, planYears } from "../plans.js";

export async function render(view) {
  const generation = current();
  const plans = await readablePlans();
  const plan = pickPlan(plans, null);
  const year = plan ? plan.default_year : Number(String(state.meta.default_as_of).slice(0, 4));
  view.innerHTML = `<div class="page-head"><h2>报告</h2></div>
    <div class="grid">
      <div class="panel"><h3>生成报告</h3>
        <form class="form" id="rp-form">
          <label for="rp-kind">类型</label><select id="rp-kind" name="kind"><option value="evaluation">规划实施评估报告</option><option value="annual">年度人口发展形势分析与预警报告</option></select>
          <label for="rp-plan">规划</label><select id="rp-plan" name="plan">${planOptions(plans)}</select>
          <label for="rp-year">年份</label><select id="rp-year" name="year"></select>
          <label for="rp-stage">阶段</label><select id="rp-stage" name="stage"><option value="midterm">中期评估</option><option value="final">总结评估</option></select>
          <label for="rp-traj">随机预测条数</label><input id="rp-traj" name="trajectories" type="number" min="10" max="200" step="10" value="100">
          <label for="rp-format">格式</label><select id="rp-format" name="format"><option value="docx">Word（.docx）</option><option value="html">网页（.html）</option></select>
          <div class="actions"><button type="submit" class="btn" id="rp-run">生成</button></div>
        </form>
        <div id="rp-progress"></div>
      </div>
      <div class="panel"><h3>已生成的报告</h3><div id="rp-list" class="scroll"></div></div>
    </div>`;
  const f = document.getElementById("rp-form");
  const years = () => {
    const p = plans.find(x => x.code === f.plan.value);
    const ys = p ? planYears(p) : [year];
    f.year.innerHTML = ys.map(y => `<option value="${y}">${y}年</option>`).join("");
    f.year.value = String(p ? p.default_year : year);
  };
  const kind = () => {
    const annual = f.kind.value === "annual";
    // The annual report is Word only and covers the registry's year, not a plan stage.
    f.stage.disabled = annual; f.plan.disabled = annual;
    if (annual) f.format.value = "docx";
    f.format.querySelector('option[value="html"]').disabled = annual;
  };
  if (plan) f.plan.value = plan.code;
  years(); kind();
  f.plan.addEventListener("change", years);
  f.kind.addEventListener("change", kind);
  f.addEventListener("submit", e => { e.preventDefault(); generate(generation, f); });
  await list(generation);
}

async function generate(generation, f) {
  const el = document.getElementById("rp-progress");
  const button = document.getElementById("rp-run");
  const body = { kind: f.kind.value, year: Number(f.year.value), format: f.format.value, trajectories: Number(f.trajectories.value) };
  if (body.kind === "evaluation") { body.plan = f.plan.value; body.stage = f.stage.value; }
  button.disabled = true;
  el.innerHTML = progressBar(null, "正在生成报告（含指标评估与随机人口预测，通常数秒至一两分钟）…");
  try {
    const r = await postJSON("/api/reports", body);
    if (generation !== current()) return;
    el.innerHTML = `<p class="ok-note" id="rp-done">已生成：<a href="${esc(r.download_url)}" download="${esc(r.filename)}">${esc(r.filename)}</a>（${fmt.format(Math.round(r.size / 1024))} KB）</p>`;
    await list(generation);
  } catch (e) { if (generation === current()) showError(el, e); }
  finally { button.disabled = false; }
}

async function list(generation) {
  const el = document.getElementById("rp-list");
  loading(el);
  try {
    const reports = await getJSON("/api/reports?limit=200");
    if (generation !== current()) return;
    el.innerHTML = table([
      { label: "生成时间（UTC）", html: r => esc(String(r.created_at).replace("T", " ").slice(0, 19)) }, { label: "类型", key: "kind_name" },
      { label: "年份", key: "year" }, { label: "格式", key: "format" },
      { label: "生成人", key: "created_by" },
      { label: "文件", html: r => `<a href="${esc(r.download_url)}" download="${esc(r.filename)}">${esc(r.filename)}</a>` },
    ], reports);
  } catch (e) { if (generation === current()) showError(el, e); }
}
