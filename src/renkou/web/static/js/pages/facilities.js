// 公共服务 · 设施清单: the stored facility inventory (one district's for a district account),
// and for the roles that keep the jurisdiction's tables the template and the import of a
// filled one with its row-level report (quarantined rows and their reasons).
"use strict";

import { state, getPage, esc, fmt, num, may, current, showError, table, pager, loading, uploadOne } from "../core.js";

const fc = { offset: 0, limit: 50, type: "" };

// Types as the template's drop-down names them (the norms count their capacity as supply).
const TYPES = [["childcare", "托育机构"], ["kindergarten", "幼儿园"], ["compulsory", "义务教育学校"],
  ["elderly_beds", "养老机构"], ["nursing_beds", "护理型床位"], ["community_facility", "社区综合服务设施"],
  ["community_health", "社区卫生服务中心"], ["elderly_day_care", "日间照料中心"]];

// The jurisdiction's tables are kept by the roles that upload, not by a department account.
export function keepsTables() { return may("uploads") && state.me.role !== "department"; }

// onImported: what else the page redraws after an import (the supply in its gaps).
export async function facilitiesPanel(el, generation, onImported = () => {}) {
  const keeper = keepsTables();
  el.innerHTML = `<div class="panel-head"><h3>设施清单</h3>
      <form class="inline" id="fc-filter">
        <label>设施类型 <select id="fc-type"><option value="">全部</option>${TYPES.map(([k, n]) => `<option value="${k}">${esc(n)}</option>`).join("")}</select></label>
        ${keeper ? `<a class="btn small secondary" id="fc-template" href="/api/services/facilities/template" download title="设施类型下拉选择，含填写说明">下载设施清单模板</a>` : ""}
      </form></div>
    ${keeper ? `<form class="inline" id="fc-upload">
        <label>已填写的设施清单（.xlsx） <input type="file" id="fc-file" name="file" accept=".xlsx" required></label>
        <button type="submit" class="btn small" id="fc-submit">导入</button>
      </form>
      <div id="fc-report"></div>` : ""}
    <div id="fc-rows" class="scroll"></div><div class="pager" id="fc-pager"></div>
    <p class="footnote">同一街镇同类同名的设施以最近一次导入为准；供给按启用、停用日期计入缺口计算。</p>`;
  document.getElementById("fc-type").value = fc.type;
  document.getElementById("fc-type").addEventListener("change", e => { fc.type = e.target.value; fc.offset = 0; rows(generation); });
  if (keeper) document.getElementById("fc-upload").addEventListener("submit", e => { e.preventDefault(); upload(generation, onImported); });
  await rows(generation);
}

async function rows(generation) {
  const el = document.getElementById("fc-rows");
  if (!el) return;
  loading(el);
  try {
    const q = new URLSearchParams({ limit: String(fc.limit), offset: String(fc.offset) });
    if (fc.type) q.set("type", fc.type);
    const { items, total } = await getPage(`/api/services/facilities?${q}`);
    if (generation !== current()) return;
    el.innerHTML = table([
      { label: "街镇", html: r => `${r.street_name !== r.street ? esc(r.street_name) + " " : ""}<span class="muted mono">${esc(r.street)}</span>` },
      { label: "类型", key: "type_name" }, { label: "名称", key: "name" },
      { label: "容量", num: true, html: r => `${num(r.capacity, Number.isInteger(r.capacity) ? 0 : 1)} ${esc(r.unit)}` },
      { label: "启用", key: "opened" }, { label: "停用", html: r => esc(r.closed || "—") },
      { label: "来源", html: r => `${esc(r.source_file)} 第 ${esc(r.source_row)} 行` },
    ], items);
    pager(document.getElementById("fc-pager"), total, fc.offset, fc.limit, off => { fc.offset = off; rows(generation); });
  } catch (e) { if (generation === current()) showError(el, e); }
}

function upload(generation, onImported) {
  return uploadOne(generation, "fc", "/api/services/facilities", async (r, _file, el) => {
    el.innerHTML = `<div class="${r.rejected.length ? "notice" : "ok-note"}" id="fc-verdict">${esc(r.file)}：入库 ${fmt.format(r.accepted)} 行，隔离 ${fmt.format(r.rejected.length)} 行。</div>` +
      (r.rejected.length ? `<h3>隔离的行</h3>` + table([{ label: "文件", key: "file" }, { label: "行", num: true, key: "row" },
        { label: "列", key: "column" }, { label: "原因", key: "reason" }], r.rejected) : "");
    fc.offset = 0;
    await Promise.all([rows(generation), onImported()]);
  });
}
