// 政策测算 · 按名单逐人评估: a people table (CSV or XLSX) uploaded and evaluated person by person
// under the chosen scheme and the parameters changed on the page (POST …/evaluate-file);
// each row's eligibility and amounts, and the rows refused with their row, column and reason.
"use strict";

import { esc, send, current, showError, table, autoTable, progressBar, fmt } from "../core.js";

// `ctx`: { scheme() → the chosen scheme (with its columns), asOf() → date, params() → changed }.
export function filePanel(el, generation, ctx) {
  el.innerHTML = `<div class="panel-head"><h3>按名单逐人评估（上传人员表）</h3></div>
    <form class="form" id="pf-form">
      <label for="pf-file">人员表</label><input id="pf-file" name="file" type="file" accept=".csv,.xlsx" required>
      <div class="actions"><button type="submit" class="btn" id="pf-submit">上传并评估</button><span class="muted" id="pf-scheme"></span></div>
    </form>
    <details id="pf-columns"><summary>人员表的列</summary><div class="scroll" id="pf-columns-table"></div></details>
    <p class="footnote">CSV（UTF-8）或 XLSX，首行为列名，不超过 20 MB；按上方所选方案、时点和修改的参数评估，有错误的行单独列出（行号含表头）。名单不入库。</p>
    <div id="pf-out"></div>`;
  const describe = () => {
    const s = ctx.scheme();
    document.getElementById("pf-scheme").textContent = s ? `方案：${s.title}` : "";
    document.getElementById("pf-columns-table").innerHTML = s ? table([
      { label: "列名", html: c => `<span class="mono">${esc(c.name)}</span>` },
      { label: "必填", html: c => (c.required ? "是" : "") },
      { label: "说明", html: c => esc(c.description) + (c.values.length ? `<span class="muted">（${esc(c.values.join("、"))}）</span>` : "") },
    ], s.columns) : "";
  };
  describe();
  document.getElementById("pf-form").addEventListener("submit", e => { e.preventDefault(); evaluate(generation, ctx); });
  return describe;
}

async function evaluate(generation, ctx) {
  const out = document.getElementById("pf-out");
  const button = document.getElementById("pf-submit");
  const file = document.getElementById("pf-file").files[0];
  if (!file) return;
  const data = new FormData();
  data.append("file", file, file.name);
  data.append("as_of", ctx.asOf());
  data.append("params", JSON.stringify(ctx.params()));
  button.disabled = true;
  out.innerHTML = progressBar(null, `正在评估 ${file.name}…`);
  try {
    const r = await send("POST", `/api/rules/schemes/${encodeURIComponent(ctx.scheme().key)}/evaluate-file`, data);
    if (generation !== current()) return;
    out.innerHTML = `<div class="cards" id="pf-cards"><div class="card"><div class="k">读取</div><div class="v">${fmt.format(r.n_input)} 人</div></div>
      <div class="card"><div class="k">已评估</div><div class="v">${fmt.format(r.n_evaluated)} 人</div></div>
      <div class="card"><div class="k">有错误的行</div><div class="v">${fmt.format(r.errors.length)}</div></div></div>`
      + (r.errors.length ? `<h4>有错误的行</h4><div class="scroll" id="pf-errors">${table([
        { label: "行", num: true, key: "row" }, { label: "列", html: x => `<span class="mono">${esc(x.column)}</span>` }, { label: "原因", key: "message" },
      ], r.errors)}</div>` : "")
      + `<h4>评估结果（${r.as_of}）</h4><div class="scroll" id="pf-rows">${autoTable(r.rows)}</div>`;
  } catch (e) { if (generation === current()) showError(out, e); }
  finally { button.disabled = false; }
}
