// 数据管理: upload a department's feed or reporting template (ingested by the server's job
// runner), its validation report, the quarantine browser (ID numbers masked), the record
// linkage's clerical review (linkage.js), and the data quality of the feeds by batch.
"use strict";

import { getJSON, esc, num, may, current, showError, table, loading, pct, fmt } from "../core.js";
import { uploadsTab, quarantineTab, uploadRoutes } from "./uploads.js";
import { linkageTab } from "./linkage.js";

const dm = { tab: null };

export async function render(view, params) {
  const generation = current();
  const routes = await uploadRoutes();
  if (generation !== current()) return;
  const tabs = [];
  if (routes.uploads) tabs.push(["uploads", "上传与校验"]);
  if (routes.quarantine) tabs.push(["quarantine", "隔离数据"]);
  if (may("linkage")) tabs.push(["linkage", "匹配复核"]);
  if (may("quality")) tabs.push(["quality", "数据质量"]);
  if (!tabs.length) { view.innerHTML = `<p class="muted">当前角色在此页没有可用的功能。</p>`; return; }
  const wanted = params.get("tab");
  dm.tab = tabs.some(t => t[0] === wanted) ? wanted : tabs.some(t => t[0] === dm.tab) ? dm.tab : tabs[0][0];
  view.innerHTML = `<div class="page-head"><h2>数据管理</h2></div>
    <div class="tabs">${tabs.map(([k, v]) => `<button type="button" data-tab="${k}">${v}</button>`).join("")}</div>
    <div id="dm-body"></div>`;
  view.querySelectorAll(".tabs button").forEach(b => b.addEventListener("click", () => { dm.tab = b.dataset.tab; draw(generation, params, routes); }));
  await draw(generation, params, routes);
}

async function draw(generation, params, routes) {
  document.querySelectorAll(".tabs button").forEach(b => b.classList.toggle("on", b.dataset.tab === dm.tab));
  const body = document.getElementById("dm-body");
  loading(body);
  try {
    if (dm.tab === "uploads") await uploadsTab(body, generation, params, routes);
    else if (dm.tab === "quarantine") await quarantineTab(body, generation, params, routes);
    else if (dm.tab === "linkage") await linkageTab(body, generation);
    else await quality(generation, body);
  } catch (e) { if (generation === current()) showError(body, e); }
}

async function quality(generation, body) {
  const q = await getJSON("/api/registry/quality");
  if (generation !== current()) return;
  body.innerHTML = `
    <div class="cards">
      <div class="card"><div class="k">导入批次</div><div class="v">${fmt.format(q.batches)}</div></div>
      <div class="card"><div class="k">读入行数</div><div class="v">${fmt.format(q.rows_read)}</div></div>
      <div class="card"><div class="k">接收</div><div class="v">${fmt.format(q.accepted)}</div></div>
      <div class="card"><div class="k">隔离</div><div class="v">${fmt.format(q.quarantined)}</div><div class="t">${pct(q.quarantined_share, 2)}</div></div>
    </div>
    <div class="grid">
      <div class="panel"><h3>各数据源</h3>${table([
        { label: "数据源", key: "feed" }, { label: "读入", num: true, html: r => fmt.format(r.rows_read) },
        { label: "接收", num: true, html: r => fmt.format(r.accepted) }, { label: "隔离", num: true, html: r => fmt.format(r.quarantined) },
        { label: "隔离比例", num: true, html: r => pct(r.share, 2) }], q.feeds)}</div>
      <div class="panel"><h3>隔离原因</h3><div class="scroll">${table([
        { label: "数据源", key: "feed" }, { label: "原因", key: "reason_name" }, { label: "行数", num: true, html: r => fmt.format(r.value) }], q.reasons)}</div></div>
      <div class="panel"><h3>完整性</h3>${table([
        { label: "项目", key: "measure" }, { label: "有值", num: true, html: r => fmt.format(r.value) },
        { label: "总数", num: true, html: r => fmt.format(r.total) }, { label: "比例", num: true, html: r => pct(r.share, 1) }], q.completeness)}</div>
      <div class="panel"><h3>来源冲突的取舍</h3>${table([
        { label: "事实", key: "fact" }, { label: "采用", key: "chosen_source" }, { label: "舍弃", key: "other_source" },
        { label: "行数", num: true, html: r => fmt.format(r.value) }], q.decisions)}</div>
      <div class="panel wide"><h3>导入批次</h3><div class="scroll">${table([
        { label: "批次", num: true, key: "batch_id" }, { label: "开始", key: "started_at" }, { label: "结束", html: r => esc(r.finished_at || "进行中") },
        { label: "文件", num: true, key: "files" }, { label: "读入", num: true, html: r => fmt.format(r.rows_read) },
        { label: "接收", num: true, html: r => fmt.format(r.accepted) }, { label: "隔离", num: true, html: r => num(r.quarantined) }], q.batch_list.slice().reverse())}</div></div>
    </div>`;
}
