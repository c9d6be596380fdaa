// 系统管理: accounts (list, add, disable, reset a password) and roles for administrators; the
// audit log, filterable by action and paged, for the auditor. Each tab shows only when the
// account holds its scope.
"use strict";

import { state, getJSON, getPage, postJSON, esc, may, current, showError, table, loading, pager, fmt } from "../core.js";

const ACTIONS = ["", "login", "login.failed", "logout", "audit.read", "person.read", "person.unmask", "export", "upload",
  "task.progress", "user.add", "user.disable", "user.password", "rules.params", "rules.points"];
const ad = { tab: null, audit: { offset: 0, limit: 50, action: "" } };

export async function render(view, params) {
  const generation = current();
  const tabs = [];
  if (may("users")) tabs.push(["users", "用户"], ["roles", "角色"]);
  if (may("audit")) tabs.push(["audit", "审计日志"]);
  const wanted = params.get("tab");
  ad.tab = tabs.some(t => t[0] === wanted) ? wanted : tabs.some(t => t[0] === ad.tab) ? ad.tab : tabs[0][0];
  view.innerHTML = `<div class="page-head"><h2>系统管理</h2></div>
    <div class="tabs">${tabs.map(([k, v]) => `<button type="button" data-tab="${k}">${v}</button>`).join("")}</div>
    <div id="ad-body"></div>`;
  view.querySelectorAll(".tabs button").forEach(b => b.addEventListener("click", () => { ad.tab = b.dataset.tab; draw(generation); }));
  await draw(generation);
}

async function draw(generation) {
  document.querySelectorAll(".tabs button").forEach(b => b.classList.toggle("on", b.dataset.tab === ad.tab));
  const body = document.getElementById("ad-body");
  loading(body);
  try {
    if (ad.tab === "users") await users(generation, body);
    else if (ad.tab === "roles") await roles(generation, body);
    else await audit(generation, body);
  } catch (e) { if (generation === current()) showError(body, e); }
}

// The roles (as renkou.auth.roles grants them), departments and districts of the account
// form, from the server: the page keeps no list of its own.
const choices = () => getJSON("/api/users/choices");

async function users(generation, body) {
  const [list, c] = await Promise.all([getJSON("/api/users?limit=1000"), choices()]);
  if (generation !== current()) return;
  const deptName = Object.fromEntries(c.departments.map(d => [d.code, d.name]));
  body.innerHTML = `<div class="grid main-side">
    <div class="panel"><h3>用户（${list.length}）</h3><div class="scroll" id="ad-users"></div></div>
    <div class="panel"><h3>添加用户</h3>
      <form class="form" id="ad-add" autocomplete="off">
        <label for="ad-name">用户名</label><input id="ad-name" name="username" minlength="2" maxlength="32" required>
        <label for="ad-role">角色</label><select id="ad-role" name="role">${c.roles.map(r => `<option value="${esc(r.role)}">${esc(r.label)}（${esc(r.role)}）</option>`).join("")}</select>
        <label for="ad-dept">部门</label><select id="ad-dept" name="department"><option value="">（部门填报角色必选）</option>${c.departments.map(d => `<option value="${esc(d.code)}">${esc(d.name)}（${esc(d.code)}）${d.feeds.length ? " · 报送数据" : ""}</option>`).join("")}</select>
        <label for="ad-district">区县</label><select id="ad-district" name="district"><option value="">（区级查看角色必选）</option>${c.districts.map(r => `<option value="${esc(r.code)}">${esc(r.name)}（${esc(r.code)}）</option>`).join("")}</select>
        <p class="full footnote" id="ad-role-note"></p>
        <label for="ad-pass">初始口令</label><input id="ad-pass" name="password" type="password" autocomplete="new-password" required>
        <div class="actions"><button type="submit" class="btn">添加</button><span id="ad-add-result" role="status"></span></div>
      </form>
      <p class="footnote">口令须符合口令策略；添加、停用和重置口令均记入审计日志。</p>
      <div id="ad-reset" hidden><h3 id="ad-reset-title">重置口令</h3>
        <form class="form" id="ad-reset-form"><label for="ad-reset-pass">新口令</label><input id="ad-reset-pass" type="password" autocomplete="new-password" required>
          <div class="actions"><button type="submit" class="btn">重置</button><button type="button" class="btn secondary" id="ad-reset-cancel">取消</button><span id="ad-reset-result" role="status"></span></div></form></div>
    </div></div>`;
  document.getElementById("ad-users").innerHTML = table([
    { label: "用户名", html: u => `${esc(u.username)}${u.demo ? ' <span class="demo-tag">示范账户</span>' : ""}` },
    { label: "角色", key: "role_label" },
    { label: "部门", html: u => esc(u.department ? (deptName[u.department] || u.department) : "") }, { label: "区县", html: u => esc(u.district ? (state.areaNames[u.district] || u.district) : "") },
    { label: "状态", html: u => (u.disabled ? '<span class="status s-missed">已停用</span>' : u.locked ? '<span class="status s-warn">已锁定</span>' : '<span class="status s-met">正常</span>') },
    { label: "操作", html: u => `<button type="button" class="btn small secondary" data-reset="${esc(u.username)}">重置口令</button> ${u.disabled ? "" : `<button type="button" class="btn small" data-disable="${esc(u.username)}">停用</button>`}` },
  ], list);
  body.querySelectorAll("[data-disable]").forEach(b => b.addEventListener("click", async () => {
    if (!window.confirm(`停用用户 ${b.dataset.disable}？其会话将立即失效。`)) return;
    try { await postJSON(`/api/users/${encodeURIComponent(b.dataset.disable)}/disable`); await draw(generation); } catch (e) { window.alert(e.message); }
  }));
  body.querySelectorAll("[data-reset]").forEach(b => b.addEventListener("click", () => {
    const box = document.getElementById("ad-reset");
    box.hidden = false; box.dataset.user = b.dataset.reset;
    document.getElementById("ad-reset-title").textContent = `重置口令 · ${b.dataset.reset}`;
    document.getElementById("ad-reset-pass").focus();
  }));
  document.getElementById("ad-reset-cancel").addEventListener("click", () => { document.getElementById("ad-reset").hidden = true; });
  document.getElementById("ad-reset-form").addEventListener("submit", async e => {
    e.preventDefault();
    const box = document.getElementById("ad-reset");
    const out = document.getElementById("ad-reset-result");
    try {
      await postJSON(`/api/users/${encodeURIComponent(box.dataset.user)}/password`, { password: document.getElementById("ad-reset-pass").value });
      out.className = ""; out.textContent = "已重置，原有会话已失效。";
      document.getElementById("ad-reset-pass").value = "";
    } catch (err) { out.className = "error"; out.textContent = err.message; }
  });
  // The chosen role's binding decides which of department and district the form asks for.
  const roleSel = document.getElementById("ad-role");
  const bind = () => {
    const r = c.roles.find(x => x.role === roleSel.value);
    document.getElementById("ad-dept").disabled = r.role !== "department";
    document.getElementById("ad-district").disabled = r.role !== "district";
    document.getElementById("ad-role-note").textContent = `可以：${r.scopes.map(s => s.label).join("、")}。${r.binding ? r.binding + "。" : ""}`;
  };
  roleSel.addEventListener("change", bind); bind();
  document.getElementById("ad-add").addEventListener("submit", async e => {
    e.preventDefault();
    const f = e.target;
    const out = document.getElementById("ad-add-result");
    const body = { username: f.username.value.trim(), role: f.role.value, password: f.password.value,
      department: f.department.disabled ? null : f.department.value || null, district: f.district.disabled ? null : f.district.value || null };
    try {
      await postJSON("/api/users", body);
      await draw(generation);
      document.getElementById("ad-add-result").textContent = `已添加用户 ${body.username}。`;
    } catch (err) { out.className = "error"; out.textContent = err.message; }
  });
}

async function roles(generation, body) {
  const [c, list] = await Promise.all([choices(), getJSON("/api/users?limit=1000")]);
  if (generation !== current()) return;
  const counts = {};
  list.forEach(u => { counts[u.role] = (counts[u.role] || 0) + 1; });
  body.innerHTML = `<div class="panel"><h3>角色</h3><div id="ad-roles">` + table([
    { label: "角色", key: "role" }, { label: "名称", key: "label" },
    { label: "可以做的事", html: r => esc(r.scopes.map(s => s.label).join("、")) },
    { label: "范围", html: r => esc(r.binding || "全辖区") },
    { label: "小单元格抑制", html: r => (r.suppressed ? "是" : "否") },
    { label: "用户数", num: true, html: r => fmt.format(counts[r.role] || 0) },
  ], c.roles) + `</div><p class="footnote">小单元格抑制：该角色看到的人口汇总表中少于阈值人数的单元格及其补充单元格不予显示。</p>
    <h3>部门</h3><div class="scroll" id="ad-depts">` + table([
    { label: "代码", key: "code" }, { label: "名称", key: "name" },
    { label: "报送数据", html: d => esc(d.feeds.join("、")) },
  ], c.departments) + `</div></div>`;
}

async function audit(generation, body) {
  const a = ad.audit;
  body.innerHTML = `<div class="panel"><div class="panel-head"><h3>审计日志（最新在前，哈希链防篡改）</h3>
      <label class="controls">操作类型 <select id="ad-action">${ACTIONS.map(x => `<option value="${esc(x)}">${x ? esc(x) : "全部"}</option>`).join("")}</select></label></div>
    <div id="ad-audit" class="scroll"></div><div class="pager" id="ad-pager"></div>
    <p class="footnote">查看审计日志本身也会记入审计日志。</p></div>`;
  const sel = document.getElementById("ad-action");
  sel.value = a.action;
  sel.addEventListener("change", () => { a.action = sel.value; a.offset = 0; audit(generation, body); });
  const { items, total } = await getPage(`/api/audit?limit=${a.limit}&offset=${a.offset}${a.action ? `&action=${encodeURIComponent(a.action)}` : ""}`);
  if (generation !== current()) return;
  document.getElementById("ad-audit").innerHTML = table([
    { label: "序号", key: "seq", num: true }, { label: "时间（UTC）", key: "at" }, { label: "用户", key: "actor" },
    { label: "角色", key: "role" }, { label: "操作", key: "action" }, { label: "对象", key: "target" },
    { label: "结果", key: "outcome" }, { label: "详情", key: "detail" }, { label: "来源", key: "client" },
    { label: "哈希", html: e => `<span class="mono" title="${esc(e.hash)}">${esc(e.hash.slice(0, 10))}…</span>` },
  ], items, "audit");
  pager(document.getElementById("ad-pager"), total, a.offset, a.limit, off => { a.offset = off; audit(generation, body); });
}
