// Projection jobs of the 预测 page: start a projection on the server (base date, caliber,
// level, end year, variant — the plan's targets among them —, the hukou split, stochastic
// trajectories), follow its progress or cancel it, draw its fan chart (the variant's path,
// the 80 % and 95 % intervals of the stochastic projection, the hukou and non-hukou
// residents of a split run), and compare the total paths of finished jobs as scenarios.
// Roles that read population but run no projections (a district account) get the finished
// jobs' results for their own area instead (area_projection.js).
"use strict";

import { state, getJSON, postJSON, esc, num, fmt, may, chart, chartBase, current, showError, options } from "../core.js";
import { follow, recentJobs, jobTable } from "../jobs.js";
import { drawPoints, fanNote, fanTitle, splitTable } from "../fan.js";
import { areaProjectionPanel } from "./area_projection.js";

const VARIANTS = { medium: "中方案", low: "低方案", high: "高方案", "constant-fertility": "生育率不变方案", "zero-migration": "零迁移方案", plan: "规划目标方案" };
const pj = { fan: null, area: "", chosen: new Set() };

export async function projectionsPanel(el, generation) {
  if (!may("projections")) {
    if (may("population")) await areaProjectionPanel(el, generation);
    return;
  }
  const meta = state.meta;
  const baseYear = Number(String(meta.default_as_of).slice(0, 4));
  el.innerHTML = `<div class="grid">
    <div class="panel"><h3>发起人口预测（后台任务）</h3>
      <form class="form" id="pj-form">
        <label for="pj-asof">基期</label><select id="pj-asof">${meta.as_of_choices.map(d => `<option value="${d}">${d}</option>`).join("")}</select>
        <label for="pj-caliber">口径</label><select id="pj-caliber"><option value="resident">常住人口</option><option value="hukou">户籍人口</option></select>
        <label for="pj-level">地区层级</label><select id="pj-level"><option value="district">区县</option><option value="street">街镇</option></select>
        <label for="pj-to">预测终年</label><input id="pj-to" type="number" min="${baseYear + 1}" max="${baseYear + 100}" value="${Math.max(2035, baseYear + 5)}" required>
        <label for="pj-variant">方案</label><select id="pj-variant" title="规划目标方案：按规划的总和生育率、预期寿命和常住人口目标调整中方案">${Object.entries(VARIANTS).map(([k, v]) => `<option value="${k}">${v}</option>`).join("")}</select>
        <label for="pj-split">户籍</label><label class="check"><input type="checkbox" id="pj-split"> 分户籍、非户籍常住人口联动预测（含落户）</label>
        <label for="pj-traj">随机轨迹数</label><input id="pj-traj" type="number" min="10" max="2000" step="10" value="100" title="为空则不做随机预测（无区间）">
        <div class="actions"><button type="submit" class="btn" id="pj-run">开始预测</button></div>
      </form>
      <div id="pj-job"></div></div>
    <div class="panel"><div class="panel-head"><h3>预测任务</h3><button type="button" class="btn small secondary" id="pj-compare" disabled>比较所选情景</button></div>
      <p class="muted">勾选两个或更多已完成的任务进行情景比较。</p><div id="pj-jobs" class="scroll"></div></div>
  </div>
  <div class="panel" id="pj-fan-panel" hidden><div class="panel-head"><h3 id="pj-fan-title">扇形图</h3>
      <label class="controls">地区 <select id="pj-area"></select></label></div>
    <div id="pj-fan" class="chart"></div><p class="footnote" id="pj-fan-note"></p><div id="pj-split-table"></div><div id="pj-said"></div></div>
  <div class="panel" id="pj-cmp-panel" hidden><h3 id="pj-cmp-title">情景比较</h3><div id="pj-cmp" class="chart short"></div></div>`;
  document.getElementById("pj-asof").value = meta.default_as_of;
  if (state.j.area_level === "street") document.getElementById("pj-level").value = "street";
  // The split divides residents: only with the resident caliber.
  const caliber = document.getElementById("pj-caliber"), split = document.getElementById("pj-split");
  caliber.addEventListener("change", () => { split.disabled = caliber.value !== "resident"; if (split.disabled) split.checked = false; });
  document.getElementById("pj-form").addEventListener("submit", e => { e.preventDefault(); start(generation); });
  document.getElementById("pj-compare").addEventListener("click", () => compare(generation));
  document.getElementById("pj-area").addEventListener("change", e => { pj.area = e.target.value; drawFan(); });
  pj.chosen = new Set();
  await jobs(generation);
}

async function jobs(generation) {
  const el = document.getElementById("pj-jobs");
  try {
    const list = await recentJobs("projection");
    if (generation !== current()) return;
    el.innerHTML = jobTable(list, [
      { label: "比较", html: j => (j.state === "done" ? `<input type="checkbox" data-pick="${esc(j.id)}"${pj.chosen.has(j.id) ? " checked" : ""} aria-label="选择比较">` : "") },
      { label: "结果", html: j => (j.state === "done" ? `<button type="button" class="btn small secondary" data-fan="${esc(j.id)}">扇形图</button> <a href="${esc(j.download_url)}" download>下载</a>` : "") },
    ]);
    el.querySelectorAll("[data-fan]").forEach(b => b.addEventListener("click", () => fan(generation, b.dataset.fan)));
    el.querySelectorAll("[data-pick]").forEach(b => b.addEventListener("change", () => {
      if (b.checked) pj.chosen.add(b.dataset.pick); else pj.chosen.delete(b.dataset.pick);
      document.getElementById("pj-compare").disabled = pj.chosen.size < 2;
    }));
    document.getElementById("pj-compare").disabled = pj.chosen.size < 2;
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function start(generation) {
  const button = document.getElementById("pj-run");
  const out = document.getElementById("pj-job");
  const traj = document.getElementById("pj-traj").value;
  const body = { as_of: document.getElementById("pj-asof").value, to: Number(document.getElementById("pj-to").value),
    caliber: document.getElementById("pj-caliber").value, level: document.getElementById("pj-level").value,
    variant: document.getElementById("pj-variant").value, trajectories: traj ? Number(traj) : null,
    split: document.getElementById("pj-split").checked ? "hukou" : null };
  // A fixed seed keeps the page's stochastic runs reproducible; a deterministic run takes none.
  if (traj) body.seed = 1;
  button.disabled = true;
  out.innerHTML = `<p class="loading">正在提交…</p>`;
  try {
    const job = await postJSON("/api/projections", body);
    if (generation !== current()) return;
    jobs(generation);
    const last = await follow(out, job);
    if (!last) return;
    await jobs(generation);
    if (last.state === "done") await fan(generation, last.id);
  } catch (e) { if (generation === current()) showError(out, e); }
  finally { button.disabled = false; }
}

async function fan(generation, id) {
  const panel = document.getElementById("pj-fan-panel");
  panel.hidden = false;
  try {
    const [f, r] = await Promise.all([getJSON(`/api/projections/${encodeURIComponent(id)}/fan`),
      getJSON(`/api/jobs/${encodeURIComponent(id)}/result`)]);
    if (generation !== current()) return;
    pj.fan = f; pj.area = "";
    // What the run assumed or left out (the plan's targets used, truncated emigration …).
    const said = [...(r.result.notes || []), ...(r.result.warnings || [])];
    document.getElementById("pj-said").innerHTML = said.map(w => `<p class="footnote">${esc(w)}</p>`).join("");
    document.getElementById("pj-area").innerHTML = `<option value="">${esc(state.j.name)}（全辖区）</option>` + options(f.areas, a => a.code, a => a.name);
    drawFan();
    panel.scrollIntoView({ block: "nearest" });
  } catch (e) { if (generation === current()) showError(document.getElementById("pj-fan-note"), e); }
}

function drawFan() {
  const f = pj.fan;
  const area = f.areas.find(a => a.code === pj.area);
  const points = area ? area.points : f.total;
  const where = area ? area.name : state.j.name;
  document.getElementById("pj-fan-title").textContent = fanTitle(f, where);
  drawPoints(document.getElementById("pj-fan"), f, points);
  document.getElementById("pj-fan-note").textContent = fanNote(f, points) + (f.total_band && !area && f.stochastic ? f.total_band : "");
  document.getElementById("pj-split-table").innerHTML = f.split ? splitTable(points) : "";
}

async function compare(generation) {
  const panel = document.getElementById("pj-cmp-panel");
  panel.hidden = false;
  try {
    const q = [...pj.chosen].map(id => `jobs=${encodeURIComponent(id)}`).join("&");
    const cmp = await getJSON(`/api/projections/compare?${q}`);
    if (generation !== current()) return;
    document.getElementById("pj-cmp-title").textContent = `情景比较 · ${cmp.area_name}`;
    const el = document.getElementById("pj-cmp");
    const c = window.echarts.getInstanceByDom(el) || chart(el);
    c.setOption(Object.assign(chartBase(), {
      tooltip: { trigger: "axis", valueFormatter: v => num(v) },
      legend: { top: 0, type: "scroll" },
      grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
      xAxis: { type: "category", data: cmp.years.map(String) },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: v => fmt.format(v) } },
      series: cmp.series.map(s => {
        const byYear = new Map(s.points.map(p => [p.year, p.value]));
        return { name: `${s.label}（${s.job_id}）`, type: "line", data: cmp.years.map(y => byYear.get(y) ?? null) };
      }),
    }), true);
    panel.scrollIntoView({ block: "nearest" });
  } catch (e) { if (generation === current()) showError(document.getElementById("pj-cmp-panel"), e); }
}

