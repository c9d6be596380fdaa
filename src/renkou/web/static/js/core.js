// Shared helpers of the page modules: the JSON API (with the session cookie and the CSRF
// token on state-changing requests), escaping and number formats, charts that are disposed
// when the view changes, tables, the jurisdiction's map and polling of background jobs.
// Every request goes to this server: the page fetches nothing from outside.
"use strict";

export const state = { me: null, meta: null, j: null, own: null, narrowed: false, areaNames: {}, mapKey: null };
export const fmt = new Intl.NumberFormat("zh-CN");
export const FONT = "RenkouSans, Microsoft YaHei, sans-serif";
// Suppressed cells (统计披露控制) come from the API as null and are shown as "*".
export const SUPPRESSED = "*";

export function esc(text) {
  return String(text == null ? "" : text).replace(/[&<>"']/g,
    c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function may(scope) { return Boolean(state.me && state.me.scopes.includes(scope)); }

export function pct(x, digits = 1) { return x == null || !isFinite(x) ? "—" : (100 * x).toFixed(digits) + "%"; }
export function num(v, digits = 0) {
  if (v == null || (typeof v === "number" && !isFinite(v))) return "—";
  const f = 10 ** digits;
  return fmt.format(Math.round(v * f) / f);
}
// A count cell: "*" with its reason for a suppressed one.
export function count(v) {
  return v == null ? `<span class="suppressed" title="统计披露控制：已抑制">${SUPPRESSED}</span>` : fmt.format(v);
}

export function csrfToken() {
  const c = document.cookie.split("; ").find(x => x.startsWith("renkou_csrf="));
  return c ? decodeURIComponent(c.slice("renkou_csrf=".length)) : "";
}

// Raised for a non-2xx answer; carries the problem's Chinese message.
export class ApiError extends Error {
  constructor(status, message, problem) { super(message); this.status = status; this.problem = problem; }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

async function check(res) {
  if (res.ok) return res;
  let problem = null;
  let msg = res.statusText || `HTTP ${res.status}`;
  try {
    problem = await res.json();
    msg = problem.message || problem.detail || problem.title || msg;
    if (typeof msg !== "string") msg = JSON.stringify(msg);
  } catch (e) { /* not JSON */ }
  if (res.status === 401) onUnauthorized("会话已过期，请重新登录。");
  if (res.status === 403 && !problem) msg = "无权访问";
  throw new ApiError(res.status, msg, problem);
}

export async function getJSON(url) {
  const res = await check(await fetch(url, { credentials: "same-origin" }));
  return res.json();
}

// A page of a list route: the items and the full count (X-Total-Count).
export async function getPage(url) {
  const res = await check(await fetch(url, { credentials: "same-origin" }));
  const total = Number(res.headers.get("X-Total-Count"));
  const items = await res.json();
  return { items, total: Number.isFinite(total) && res.headers.has("X-Total-Count") ? total : items.length };
}

export async function send(method, url, body) {
  const headers = { "X-CSRF-Token": csrfToken() };
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  const res = await check(await fetch(url, { method, credentials: "same-origin", headers, body: payload }));
  if (res.status === 204) return null;
  const type = res.headers.get("Content-Type") || "";
  return type.includes("json") ? res.json() : res.text();
}
export const postJSON = (url, body) => send("POST", url, body === undefined ? {} : body);

export function qs(params) {
  const p = new URLSearchParams();
  Object.entries(params).forEach(([k, v]) => {
    if (v == null || v === "") return;
    (Array.isArray(v) ? v : [v]).forEach(x => p.append(k, String(x)));
  });
  const s = p.toString();
  return s ? "?" + s : "";
}

// ---- view lifecycle: charts and timers of the current view end with it ----------------------

const live = { charts: [], timers: [], generation: 0 };

export function chart(el) {
  const c = echarts.init(typeof el === "string" ? document.getElementById(el) : el);
  live.charts.push(c);
  return c;
}

export function every(ms, f) { const t = setInterval(f, ms); live.timers.push(t); return t; }

// Called by the router before a view is drawn; returns the view's generation, which a
// late answer compares against current() so that it does not draw into a later view.
export function resetView() {
  live.charts.forEach(c => c.dispose());
  live.timers.forEach(t => clearInterval(t));
  live.charts = []; live.timers = [];
  return ++live.generation;
}
export function current() { return live.generation; }

window.addEventListener("resize", () => live.charts.forEach(c => c.resize()));

// ---- small pieces of markup ----------------------------------------------------------------

export function showError(el, err) {
  el.innerHTML = `<p class="error" role="alert">${esc(err && err.message ? err.message : err)}</p>`;
}

export function loading(el, text = "正在加载…") { el.innerHTML = `<p class="loading">${esc(text)}</p>`; }

// columns: [{key, label, num?, html?(row) }]; rows: objects.
// One chosen file of the form ``${prefix}-file`` posted to ``url``; ``done(answer, file, el)``
// draws the answer into ``${prefix}-report`` (its HTML) and redraws what depends on it.
export async function uploadOne(generation, prefix, url, done) {
  const input = document.getElementById(`${prefix}-file`);
  const button = document.getElementById(`${prefix}-submit`);
  const el = document.getElementById(`${prefix}-report`);
  const file = input.files[0];
  if (!file) return;
  const data = new FormData();
  data.append("file", file, file.name);
  button.disabled = true;
  el.innerHTML = `<p class="loading">正在导入 ${esc(file.name)}…</p>`;
  try {
    const answer = await send("POST", url, data);
    if (generation !== current()) return;
    await done(answer, file, el);
  } catch (e) { if (generation === current()) showError(el, e); }
  finally { button.disabled = false; }
}

export function table(columns, rows, cls = "grid-table") {
  const head = columns.map(c => `<th${c.num ? ' class="num"' : ""}>${esc(c.label)}</th>`).join("");
  const body = rows.map(r => "<tr>" + columns.map(c => {
    const v = c.html ? c.html(r) : esc(r[c.key]);
    return `<td${c.num ? ' class="num"' : ""}>${v}</td>`;
  }).join("") + "</tr>").join("");
  return `<table class="${cls}"><thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${columns.length}" class="empty">无记录</td></tr>`}</tbody></table>`;
}

// Pager under a list: «上一页 / 下一页» with the counts.
export function pager(el, total, offset, limit, go) {
  const last = offset + limit >= total;
  el.innerHTML = `<span>共 ${fmt.format(total)} 条，第 ${total ? offset + 1 : 0}–${Math.min(offset + limit, total)} 条</span>
    <button type="button" class="btn small" data-p="prev" ${offset === 0 ? "disabled" : ""}>上一页</button>
    <button type="button" class="btn small" data-p="next" ${last ? "disabled" : ""}>下一页</button>`;
  el.querySelector('[data-p="prev"]').addEventListener("click", () => go(Math.max(0, offset - limit)));
  el.querySelector('[data-p="next"]').addEventListener("click", () => go(offset + limit));
}

export function options(list, value, label) {
  return list.map(x => `<option value="${esc(value(x))}">${esc(label(x))}</option>`).join("");
}

export function suppressionNote(k, n) {
  return n ? `<p class="scope-note">${SUPPRESSED} 统计披露控制：少于 ${k} 人的单元格，以及为防止由合计推算而一并隐藏的单元格，不予显示（共 ${n} 个，以 ${SUPPRESSED} 标示）。</p>` : "";
}

// A progress bar for a background job (value 0–1, or null while unknown).
export function progressBar(value, text) {
  const w = value == null ? 100 : Math.max(0, Math.min(1, value)) * 100;
  return `<div class="progress${value == null ? " busy" : ""}" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${Math.round(w)}"><div class="bar" style="width:${w}%"></div></div><p class="progress-text">${esc(text || "")}</p>`;
}

// ---- the jurisdiction's map ------------------------------------------------------------------

// Registers the jurisdiction's shapes once (names joined by division code); false when the
// account sees only its district's 街镇 (no shapes for them) or none ship.
export async function ensureMap() {
  if (state.narrowed || !state.j.map_url) return false;
  if (state.mapKey) return true;
  const geo = await getJSON(state.j.map_url);
  geo.features.forEach(f => { if (state.areaNames[f.id]) f.properties.name = state.areaNames[f.id]; });
  echarts.registerMap(state.j.key, geo);
  state.mapKey = state.j.key;
  return true;
}

export function areaName(code) { return state.areaNames[code] || code; }

// ---- background jobs -----------------------------------------------------------------------

// Polls a job's state until it ends; calls onState(job) each time. Stops when the view
// changes. Resolves with the last state.
export function pollJob(url, onState, ms = 700) {
  const generation = current();
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (generation !== current()) { resolve(null); return; }
      try {
        const job = await getJSON(url);
        onState(job);
        if (["done", "succeeded", "finished", "failed", "error", "cancelled", "canceled"].includes(job.status || job.state)) { resolve(job); return; }
      } catch (e) { reject(e); return; }
      setTimeout(tick, ms);
    };
    tick();
  });
}

export function chartBase() { return { textStyle: { fontFamily: FONT }, animation: false }; }

// A table of objects whose columns the answer decides: one column per key of the first row
// (labels from `labels` where given), numbers right-aligned. With `suppressed`, null in a
// column of numbers is a cell hidden by disclosure control, shown as "*".
export function autoTable(rows, labels = {}, { suppressed = false } = {}) {
  if (!rows || !rows.length) return table([{ label: "—", key: "x" }], []);
  const keys = Object.keys(rows[0]);
  const plain = k => k === "year" || k.endsWith("_year");  // years without a thousands comma
  // A column of numbers may be all hidden: then it holds nothing but null.
  const numeric = k => rows.some(r => typeof r[k] === "number")
    || (suppressed && rows.every(r => r[k] == null || typeof r[k] === "number"));
  return table(keys.map(k => ({ label: labels[k] || k, num: numeric(k),
    html: r => (typeof r[k] === "number" ? (plain(k) ? String(r[k]) : num(r[k], Number.isInteger(r[k]) ? 0 : 2))
      : r[k] == null ? (suppressed && numeric(k) ? count(null) : "—") : esc(typeof r[k] === "object" ? JSON.stringify(r[k]) : r[k])) })), rows);
}
