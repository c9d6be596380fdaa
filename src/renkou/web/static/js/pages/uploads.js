// Uploads and the quarantine browser of 数据管理: a batch of department feed files becomes an
// ingest job on the server (progress shown), whose result is the validation report; a filled
// reporting template is imported at once with its report; quarantined rows are browsed
// with their reasons and masked ID numbers.
"use strict";

import { state, getJSON, getPage, send, esc, fmt, current, showError, table, loading, pager, options } from "../core.js";
import { follow, recentJobs, jobTable } from "../jobs.js";
import { readablePlans, planOptions } from "../plans.js";

export async function uploadRoutes() {
  let spec;
  try { spec = await getJSON("/api/openapi.json"); } catch (e) { return {}; }
  const paths = Object.keys(spec.paths);
  const may = state.me.scopes.includes("uploads");
  return { uploads: may && paths.includes("/api/uploads/feeds"), quarantine: may && paths.includes("/api/quarantine") };
}

export async function uploadsTab(body, generation) {
  const [feeds, plans] = await Promise.all([getJSON("/api/uploads/feeds"), readablePlans()]);
  if (generation !== current()) return;
  body.innerHTML = `<div class="grid">
    <div class="panel"><h3>上传部门数据</h3>
      <form class="form" id="up-form">
        <label for="up-files">数据文件</label><input id="up-files" name="files" type="file" multiple required accept=".csv,.xlsx,.parquet">
        <div class="actions"><button type="submit" class="btn" id="up-submit">上传并导入</button></div>
      </form>
      <p class="footnote">文件名以接口名开头（如 police_hukou_2024.csv）；CSV（UTF-8 或 GB18030）、XLSX、Parquet。一个批次全部导入或全不导入；导入在后台进行，期间页面照常使用。</p>
      <div id="up-job"></div></div>
    <div class="panel"><h3>导入填报模板</h3>
      <form class="form" id="tp-form">
        <label for="tp-file">填报模板</label><input id="tp-file" name="file" type="file" accept=".xlsx" required>
        <label for="tp-plan">规划</label><select id="tp-plan" name="plan"><option value="">（按模板中记录的规划）</option>${planOptions(plans)}</select>
        <div class="actions"><button type="submit" class="btn" id="tp-submit">导入</button></div>
      </form>
      <div id="tp-report"></div></div>
  </div>
  <div class="panel" id="up-report-panel" hidden><h3 id="up-report-title">校验报告</h3><div id="up-report"></div></div>
  <div class="grid">
    <div class="panel"><h3>最近的导入任务</h3><div id="up-jobs" class="scroll"></div></div>
    <div class="panel"><h3>可上传的数据接口（${feeds.length}）</h3><div class="scroll">${table([
      { label: "接口名", html: f => `<span class="mono">${esc(f.feed)}</span>` }, { label: "名称", key: "title" },
      { label: "部门", key: "department" }, { label: "列", html: f => `<span class="muted">${esc(f.columns.join("，"))}</span>` },
    ], feeds)}</div></div>
  </div>`;
  document.getElementById("up-form").addEventListener("submit", e => { e.preventDefault(); upload(generation, e.target); });
  document.getElementById("tp-form").addEventListener("submit", e => { e.preventDefault(); template(generation, e.target); });
  await jobsList(generation);
}

async function jobsList(generation) {
  const el = document.getElementById("up-jobs");
  try {
    const jobs = await recentJobs("ingest");
    if (generation !== current()) return;
    el.innerHTML = jobTable(jobs, [{ label: "报告", html: j => (j.has_result ? `<button type="button" class="btn small secondary" data-report="${esc(j.id)}">查看</button>` : "") }]);
    el.querySelectorAll("[data-report]").forEach(b => b.addEventListener("click", () => showReport(generation, b.dataset.report)));
  } catch (e) { showError(el, e); }
}

async function upload(generation, form) {
  const button = document.getElementById("up-submit");
  const out = document.getElementById("up-job");
  const data = new FormData();
  Array.from(form.files.files).forEach(f => data.append("files", f, f.name));
  button.disabled = true;
  out.innerHTML = `<p class="loading">正在上传 ${form.files.files.length} 个文件…</p>`;
  try {
    const r = await send("POST", "/api/uploads/feeds", data);
    if (generation !== current()) return;
    const job = await follow(out, r.job);
    if (!job) return;
    await Promise.all([showReport(generation, job.id), jobsList(generation)]);
  } catch (e) { if (generation === current()) showError(out, e); }
  finally { button.disabled = false; }
}

const KV = (label, v) => `<div class="card"><div class="k">${esc(label)}</div><div class="v">${v}</div></div>`;

async function showReport(generation, id) {
  const panel = document.getElementById("up-report-panel");
  const el = document.getElementById("up-report");
  panel.hidden = false;
  loading(el);
  try {
    const res = await getJSON(`/api/jobs/${encodeURIComponent(id)}/result`);
    if (generation !== current()) return;
    const r = res.result;
    document.getElementById("up-report-title").textContent = `校验报告 · 任务 ${id}${r && r.batch_id ? ` · 批次 ${r.batch_id}` : ""}`;
    if (!r) { el.innerHTML = `<p class="error">${esc(res.error || "没有校验报告")}</p>`; return; }
    const verdict = r.refused
      ? `<div class="notice" role="alert"><strong>本批次未接收（未写入任何数据）：</strong>${esc(r.summary)}</div>`
      : r.written ? `<div class="ok-note">已导入批次 ${esc(r.batch_id)}。${esc(r.summary || "")}</div>`
        : `<div class="notice">${esc(r.summary || "没有新数据写入")}</div>`;
    el.innerHTML = verdict + `<div class="cards">${KV("读取行数", fmt.format(r.rows_read))}${KV("接收", fmt.format(r.accepted))}${KV("隔离", fmt.format(r.quarantined))}</div>` +
      (r.problems.length ? `<h3>问题（文件、列、说明）</h3>${table([{ label: "文件", key: "file" }, { label: "列", key: "column" }, { label: "问题", key: "problem" }], r.problems)}` : "") +
      (r.files.length ? `<h3>各文件</h3>${table([
        { label: "文件", key: "file" }, { label: "接口", key: "feed" },
        { label: "读取", num: true, html: f => fmt.format(f.rows_read) }, { label: "接收", num: true, html: f => fmt.format(f.accepted) },
        { label: "隔离", num: true, html: f => fmt.format(f.quarantined) },
        { label: "说明", html: f => esc(f.skipped ? "已导入过（内容相同），跳过" : f.note || f.error || f.by_reason.map(x => `${x.reason_name} ${x.rows}`).join("，")) },
      ], r.files)}` : "") +
      (r.by_reason.length ? `<h3>隔离原因</h3>${table([{ label: "原因", key: "reason_name" }, { label: "代码", html: x => `<span class="mono">${esc(x.reason)}</span>` }, { label: "行数", num: true, key: "rows" }], r.by_reason)}` : "") +
      (r.ignored.length ? `<p class="notice">文件名不以任何接口名开头，未导入：${esc(r.ignored.join("、"))}</p>` : "") +
      r.notices.map(n => `<p class="footnote">${esc(n)}</p>`).join("") +
      (r.batch_id && r.quarantined ? `<p><a href="#/data?tab=quarantine&batch=${esc(r.batch_id)}">在隔离数据中查看本批次的 ${fmt.format(r.quarantined)} 行 →</a></p>` : "") +
      `<p class="footnote"><a href="/api/jobs/${encodeURIComponent(id)}/download" download>下载校验报告（JSON）</a></p>`;
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function template(generation, form) {
  const button = document.getElementById("tp-submit");
  const el = document.getElementById("tp-report");
  const data = new FormData();
  data.append("file", form.file.files[0], form.file.files[0].name);
  if (form.plan.value) data.append("plan", form.plan.value);
  button.disabled = true;
  el.innerHTML = `<p class="loading">正在导入…</p>`;
  try {
    const r = await send("POST", "/api/uploads/templates", data);
    if (generation !== current()) return;
    el.innerHTML = `<div class="${r.rejected.length ? "notice" : "ok-note"}">${esc(r.file)}：接收 ${fmt.format(r.accepted)} 行，空白 ${fmt.format(r.blank)} 行，隔离 ${fmt.format(r.rejected.length)} 行（规划 ${esc(r.plan)}${r.year ? `，${r.year}年` : ""}）。</div>` +
      (r.rejected.length ? table([{ label: "文件", key: "file" }, { label: "行", num: true, key: "row" }, { label: "列", key: "column" }, { label: "原因", key: "reason" }], r.rejected) : "");
  } catch (e) { if (generation === current()) showError(el, e); }
  finally { button.disabled = false; }
}

const qs = { offset: 0, limit: 50, batch: "", feed: "", reason: "" };

export async function quarantineTab(body, generation, params) {
  if (params.get("batch")) { qs.batch = params.get("batch"); qs.offset = 0; }
  let feeds = [];
  try { feeds = await getJSON("/api/uploads/feeds"); } catch (e) { feeds = []; }
  if (generation !== current()) return;
  body.innerHTML = `<div class="panel"><div class="panel-head"><h3>隔离数据（身份证号已脱敏）</h3>
      <form class="inline" id="qr-filter">
        <label>批次 <input type="number" min="1" id="qr-batch" value="${esc(qs.batch)}"></label>
        <label>接口 <select id="qr-feed"><option value="">全部</option>${options(feeds, f => f.feed, f => `${f.title}（${f.feed}）`)}</select></label>
        <label>原因 <input id="qr-reason" value="${esc(qs.reason)}" placeholder="如 bad_id" size="12"></label>
        <button type="submit" class="btn small">筛选</button>
      </form></div>
    <div id="qr-rows" class="scroll"></div><div class="pager" id="qr-pager"></div></div>`;
  document.getElementById("qr-feed").value = qs.feed;
  document.getElementById("qr-filter").addEventListener("submit", e => {
    e.preventDefault();
    qs.batch = document.getElementById("qr-batch").value; qs.feed = document.getElementById("qr-feed").value;
    qs.reason = document.getElementById("qr-reason").value.trim(); qs.offset = 0;
    rows(generation);
  });
  await rows(generation);
}

async function rows(generation) {
  const el = document.getElementById("qr-rows");
  loading(el);
  try {
    const q = new URLSearchParams({ limit: String(qs.limit), offset: String(qs.offset) });
    if (qs.batch) q.set("batch", qs.batch);
    if (qs.feed) q.set("feed", qs.feed);
    if (qs.reason) q.set("reason", qs.reason);
    const { items, total } = await getPage(`/api/quarantine?${q}`);
    if (generation !== current()) return;
    el.innerHTML = table([
      { label: "批次", num: true, key: "batch_id" }, { label: "接口", html: r => `<span class="mono">${esc(r.feed)}</span>` },
      { label: "文件", key: "file" }, { label: "行", num: true, key: "row" },
      { label: "原因", html: r => `${esc(r.reason_name)} <span class="muted mono">${esc(r.reason)}</span>` },
      { label: "字段", html: r => esc(r.field || "") },
      { label: "身份证号（脱敏）", html: r => `<span class="mono id-masked">${esc(r.id_masked || "—")}</span>` },
    ], items);
    pager(document.getElementById("qr-pager"), total, qs.offset, qs.limit, off => { qs.offset = off; rows(generation); });
  } catch (e) { if (generation === current()) showError(el, e); }
}
