// renkou page: login, the navigation of the pages the account's role may use (from the
// scopes the server gives it, renkou.auth.roles), and a small hash router (#/page?k=v) that
// draws one page module at a time into #view. Plain ES modules, no build step.
"use strict";

import { state, getJSON, esc, may, resetView, current, showError, csrfToken, setUnauthorizedHandler, loading } from "./js/core.js";
import * as overview from "./js/pages/overview.js";
import * as structure from "./js/pages/structure.js";
import * as forecast from "./js/pages/forecast.js";
import * as indicators from "./js/pages/indicators.js";
import * as tasks from "./js/pages/tasks.js";
import * as policy from "./js/pages/policy.js";
import * as services from "./services.js";
import * as data from "./js/pages/data.js";
import * as reports from "./js/pages/reports.js";
import * as admin from "./js/pages/admin.js";

// A page is offered when the account holds any of its scopes.
export const PAGES = [
  { id: "overview", label: "总览", scopes: ["meta"], module: overview },
  { id: "structure", label: "人口结构", scopes: ["population"], module: structure },
  { id: "forecast", label: "预测", scopes: ["projections", "services"], module: forecast },
  { id: "indicators", label: "指标监测", scopes: ["plans"], module: indicators },
  { id: "tasks", label: "任务分工", scopes: ["tasks"], module: tasks },
  { id: "policy", label: "政策测算", scopes: ["rules"], module: policy },
  { id: "services", label: "公共服务", scopes: ["services"], module: services },
  { id: "data", label: "数据管理", scopes: ["uploads", "quality"], module: data },
  { id: "reports", label: "报告", scopes: ["reports"], module: reports },
  { id: "admin", label: "系统管理", scopes: ["users", "audit"], module: admin },
];

export function allowedPages() { return PAGES.filter(p => p.scopes.some(may)); }

function parseHash() {
  const h = window.location.hash.replace(/^#\/?/, "");
  const [id, query] = h.split("?");
  return { id: id || "overview", params: new URLSearchParams(query || "") };
}

async function route() {
  if (!state.me || !state.meta) return;
  const { id, params } = parseHash();
  const allowed = allowedPages();
  const page = allowed.find(p => p.id === id);
  const view = document.getElementById("view");
  document.querySelectorAll("#nav a").forEach(a => a.classList.toggle("on", a.dataset.page === id));
  const generation = resetView();
  if (!page) {
    view.innerHTML = `<p class="error" role="alert">当前角色无权使用此页面。</p>`;
    return;
  }
  document.title = `${page.label} · ${state.j.name}人口发展规划监测 · renkou`;
  view.dataset.page = page.id;
  loading(view);
  try {
    await page.module.render(view, params);
  } catch (e) {
    if (generation === current()) showError(view, e);
  }
}

function drawNav() {
  document.getElementById("nav").innerHTML = allowedPages()
    .map(p => `<a href="#/${p.id}" data-page="${p.id}">${esc(p.label)}</a>`).join("");
}

function showLogin(message) {
  state.me = null;
  document.getElementById("app").hidden = true;
  document.getElementById("who").hidden = true;
  document.getElementById("login").hidden = false;
  const err = document.getElementById("login-error");
  err.textContent = message || "";
  err.hidden = !message;
  document.getElementById("login-user").focus();
}
setUnauthorizedHandler(showLogin);

async function loadContext() {
  const meta = await getJSON("/api/meta");
  state.meta = meta;
  state.j = meta.jurisdiction;
  const j = state.j;
  // A district account sees its own district and the 街镇 in it; the others the jurisdiction.
  state.own = state.me.district || j.code;
  state.narrowed = state.own !== j.code;
  const regions = await getJSON(state.narrowed ? `/api/regions?parent=${encodeURIComponent(state.own)}&limit=1000` : "/api/regions?limit=1000");
  state.regions = regions;
  regions.forEach(r => { state.areaNames[r.code] = r.name; });
  state.ownName = state.narrowed ? (await getJSON(`/api/regions/${encodeURIComponent(state.own)}`)).name : j.name;
  state.areaNames[state.own] = state.ownName;
  document.getElementById("title").textContent = `${j.name}人口发展监测`;
  document.getElementById("demo-badge").hidden = !meta.synthetic;
  document.getElementById("demo-note").hidden = !meta.synthetic;
  document.getElementById("map-note").hidden = !j.map_url;
}

async function showApp() {
  const me = state.me;
  document.getElementById("login").hidden = true;
  document.getElementById("app").hidden = false;
  await loadContext();
  document.getElementById("who-name").textContent = `${me.username}（${me.role_label}${me.district ? " · " + state.ownName : ""}${me.department ? " · " + me.department : ""}）`;
  document.getElementById("who").hidden = false;
  drawNav();
  if (!allowedPages().some(p => p.id === parseHash().id)) window.location.hash = "#/overview";
  await route();
}

async function login(event) {
  event.preventDefault();
  const body = JSON.stringify({ username: document.getElementById("login-user").value,
    password: document.getElementById("login-pass").value });
  const res = await fetch("/api/auth/login", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body });
  document.getElementById("login-pass").value = "";
  if (!res.ok) {
    let msg = "登录失败";
    try { msg = (await res.json()).message || msg; } catch (e) { /* not JSON */ }
    showLogin(msg);
    return;
  }
  await start();
}

async function logout() {
  await fetch("/api/auth/logout", { method: "POST", credentials: "same-origin",
    headers: { "X-CSRF-Token": csrfToken() } });
  window.location.hash = "";
  window.location.reload();
}

async function start() {
  const res = await fetch("/api/auth/me", { credentials: "same-origin" });
  if (!res.ok) { showLogin(); return; }
  state.me = await res.json();
  await showApp();
}

// For the browser tests and the console: what the page knows.
window.renkou = { state, PAGES, allowedPages };

window.addEventListener("hashchange", () => { route(); });
document.getElementById("login-form").addEventListener("submit", login);
document.getElementById("logout").addEventListener("click", logout);
start().catch(e => showLogin(e.message));
