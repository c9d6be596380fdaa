// 匹配复核 of 数据管理: rows quarantined for their ID number are linked to the store's persons
// by a background job of the server (progress shown); the pairs scored between the
// thresholds wait here for a clerk, each with its proposed person (ID number and name
// masked) and the match weight of every comparison, to accept or reject.
"use strict";

import { getJSON, getPage, postJSON, esc, fmt, current, showError, table, loading, pager, pct } from "../core.js";
import { follow, recentJobs, jobTable } from "../jobs.js";

const lk = { offset: 0, limit: 50 };
const SEX = { male: "男", female: "女" };
const DECIDED = { accepted: "ok-note", rejected: "ok-note", refused: "notice", pending: "notice" };

export async function linkageTab(body, generation) {
  body.innerHTML = `<div class="grid">
    <div class="panel"><h3>运行概率匹配</h3>
      <form class="form" id="lk-form">
        <label for="lk-upper">接受阈值</label><input id="lk-upper" name="upper" type="number" min="0.5" max="0.99999" step="any" value="0.95" required>
        <label for="lk-lower">复核阈值</label><input id="lk-lower" name="lower" type="number" min="0.01" max="0.99999" step="any" value="0.5" required>
        <div class="actions"><button type="submit" class="btn" id="lk-run">开始匹配</button></div>
      </form>
      <p class="footnote">因证件号码问题隔离的记录按姓名、性别、出生日期、区划与残存号码与库内人员匹配：匹配概率不低于接受阈值的记录入库，介于两个阈值之间的进入下方的人工复核。匹配在服务器后台进行，期间页面照常使用。</p>
      <div id="lk-job"></div><div id="lk-result"></div></div>
    <div class="panel"><h3>最近的匹配与复核任务</h3><div id="lk-jobs" class="scroll"></div></div>
  </div>
  <div class="panel"><div class="panel-head"><h3>待复核的匹配（身份证号与姓名已脱敏）</h3></div>
    <div id="lk-decision"></div>
    <div id="lk-rows" class="scroll"></div><div class="pager" id="lk-pager"></div>
    <p class="footnote">匹配权重为各项比较的对数似然比（以 2 为底）：正值支持“是同一人”，负值反对。接受后该记录按候选人员的身份证号重新校验入库；拒绝后记录仍隔离，以后的匹配不再推荐该人员。</p></div>`;
  document.getElementById("lk-form").addEventListener("submit", e => { e.preventDefault(); run(generation, e.target); });
  await Promise.all([rows(generation), jobsList(generation)]);
}

async function jobsList(generation) {
  const el = document.getElementById("lk-jobs");
  try {
    const jobs = await recentJobs("linkage", 10);
    if (generation !== current()) return;
    el.innerHTML = jobTable(jobs);
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function run(generation, form) {
  const button = document.getElementById("lk-run");
  const out = document.getElementById("lk-job");
  const said = document.getElementById("lk-result");
  button.disabled = true;
  said.innerHTML = "";
  try {
    const job = await follow(out, await postJSON("/api/linkage/jobs", {
      threshold: Number(form.upper.value), review_threshold: Number(form.lower.value) }));
    if (!job || generation !== current()) return;
    if (job.state === "done") {
      const r = (await getJSON(`/api/jobs/${encodeURIComponent(job.id)}/result`)).result || {};
      const c = r.counts || {};
      said.innerHTML = `<div class="ok-note" id="lk-summary">接受入库 ${fmt.format(c.accepted || 0)} 行，待复核 ${fmt.format(c.review || 0)} 行，与已有记录重复 ${fmt.format(c.duplicate || 0)} 行，入库时仍被拒绝 ${fmt.format(c.refused || 0)} 行，仍隔离 ${fmt.format(c.quarantined || 0)} 行。</div>` +
        (r.gone ? `<p class="notice">${fmt.format(r.gone)} 个交付文件已不在原处或已被改动，其中的隔离记录本次不能匹配。</p>` : "");
    }
    lk.offset = 0;
    await Promise.all([rows(generation), jobsList(generation)]);
  } catch (e) { if (generation === current()) showError(out, e); }
  finally { button.disabled = false; }
}

function weights(r) {
  return r.weights.map(w => {
    const cls = w.weight > 0.5 ? "s-met" : w.weight < -0.5 ? "s-missed" : "s-none";
    return `<span class="status ${cls}" title="${esc(w.comparison)}">${esc(w.label)} ${w.weight > 0 ? "+" : ""}${w.weight.toFixed(1)}</span>`;
  }).join(" ");
}

function person(c) {
  return `<span class="mono id-masked">${esc(c.id_masked || "—")}</span><br>${esc(c.name_masked || "—")} · ${esc(SEX[c.sex] || c.sex || "—")} · ${esc(c.birth_date || "—")}`;
}

async function rows(generation) {
  const el = document.getElementById("lk-rows");
  loading(el);
  try {
    const { items, total } = await getPage(`/api/linkage/review?limit=${lk.limit}&offset=${lk.offset}`);
    if (generation !== current()) return;
    el.innerHTML = table([
      { label: "编号", num: true, key: "link_id" },
      { label: "隔离记录", html: r => `<span class="mono">${esc(r.feed)}</span><br><span class="muted">${esc(r.file)} 第 ${esc(r.row)} 行${r.record_id ? `，记录 ${esc(r.record_id)}` : ""}</span>` },
      { label: "隔离原因", key: "reason_name" },
      { label: "候选人员", html: r => person(r.candidate) },
      { label: "匹配概率", num: true, html: r => pct(r.match_probability, 2) },
      { label: "各项比较的匹配权重", html: r => weights(r) + (r.margin != null ? `<br><span class="muted">领先次优候选 ${r.margin.toFixed(1)}</span>` : "") },
      { label: "复核", html: r => `<button type="button" class="btn small" data-accept="${esc(r.link_id)}">接受</button> <button type="button" class="btn small secondary" data-reject="${esc(r.link_id)}">拒绝</button>` },
    ], items);
    el.querySelectorAll("[data-accept]").forEach(b => b.addEventListener("click", () => decide(generation, b, b.dataset.accept, "accept")));
    el.querySelectorAll("[data-reject]").forEach(b => b.addEventListener("click", () => decide(generation, b, b.dataset.reject, "reject")));
    pager(document.getElementById("lk-pager"), total, lk.offset, lk.limit, off => { lk.offset = off; rows(generation); });
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function decide(generation, button, id, what) {
  const out = document.getElementById("lk-decision");
  document.querySelectorAll("#lk-rows button").forEach(b => { b.disabled = true; });
  out.innerHTML = `<p class="loading">正在${what === "accept" ? "接受" : "拒绝"}第 ${esc(id)} 号匹配…</p>`;
  try {
    const r = await postJSON(`/api/linkage/review/${encodeURIComponent(id)}/${what}`);
    if (generation !== current()) return;
    out.innerHTML = `<div class="${DECIDED[r.decision] || "notice"}" id="lk-decided" data-decision="${esc(r.decision)}">第 ${esc(r.link_id)} 号：${esc(r.message)}</div><div id="lk-decision-job"></div>`;
    if (r.decision === "pending") await follow(document.getElementById("lk-decision-job"), r.job);
    if (generation !== current()) return;
    await Promise.all([rows(generation), jobsList(generation)]);
  } catch (e) {
    if (generation !== current()) return;
    showError(out, e);
    document.querySelectorAll("#lk-rows button").forEach(b => { b.disabled = false; });
  }
}
