// 指标监测 · 功能区范围: the function zones the store defines (their 街镇 and the basis of
// their extent) and the plan indicators of zones — computed from the registry once every zone
// they name is defined, else still reported by departments; for the roles that keep the
// jurisdiction's tables, the zone file's template and its import.
"use strict";

import { getJSON, esc, current, showError, table, loading, uploadOne } from "../core.js";
import { keepsTables } from "./facilities.js";

// onImported: what else the page redraws after an import (the assessment of zone indicators).
export async function zonesPanel(el, generation, onImported = () => {}) {
  const keeper = keepsTables();
  el.innerHTML = `<div class="panel-head"><h3>功能区范围</h3>
      ${keeper ? `<a class="btn small secondary" id="zn-template" href="/api/zones/template" download title="规划所列功能区，可选街镇以注释列出">下载功能区范围模板</a>` : ""}</div>
    ${keeper ? `<form class="inline" id="zn-upload">
        <label>功能区范围文件（.yaml） <input type="file" id="zn-file" name="file" accept=".yaml,.yml" required></label>
        <button type="submit" class="btn small" id="zn-submit">导入（替换现有范围）</button>
      </form><div id="zn-report"></div>` : ""}
    <div id="zn-body"></div>`;
  if (keeper) document.getElementById("zn-upload").addEventListener("submit", e => { e.preventDefault(); upload(generation, onImported); });
  const body = document.getElementById("zn-body");
  loading(body);
  try {
    const z = await getJSON("/api/zones");
    if (generation !== current()) return;
    draw(z);
  } catch (e) { if (generation === current()) showError(body, e); }
}

function draw(z) {
  document.getElementById("zn-body").innerHTML =
    (z.zones.length ? table([
      { label: "功能区", html: r => `${esc(r.name)}${r.example ? ` <span class="muted">（示例）</span>` : ""}` },
      { label: "所含街镇", html: r => esc(r.streets.map(s => `${s.name}（${s.code}）`).join("、")) },
      { label: "范围依据", key: "source" },
      { label: "文件", html: r => esc(`${r.file}${r.imported_at ? `，${r.imported_at}导入` : ""}`) },
    ], z.zones) : `<p class="muted">库中尚未定义功能区范围。</p>`) +
    (z.indicators.length ? `<h3>以功能区为范围的指标</h3>` + table([
      { label: "规划", key: "plan" }, { label: "编号", key: "code" }, { label: "指标", key: "name" },
      { label: "功能区", html: r => esc(r.zones.join("、")) },
      { label: "来源", html: r => (r.computed ? "由库计算" : `部门填报（缺少范围：${esc(r.missing.join("、"))}）`) },
    ], z.indicators) : "");
}

function upload(generation, onImported) {
  return uploadOne(generation, "zn", "/api/zones", async (z, file, el) => {
    el.innerHTML = `<div class="ok-note" id="zn-verdict">${esc(file.name)}：已导入 ${z.zones.length} 个功能区，替换原有范围。</div>`;
    draw(z);
    await onImported();
  });
}
