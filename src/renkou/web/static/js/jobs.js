// Background jobs (后台任务) on the page: follow one job's progress with a bar and a cancel
// button until it ends, and list the recent jobs of a kind.
"use strict";

import { getJSON, getPage, postJSON, esc, current, progressBar, table, pct } from "./core.js";

const ENDED = ["done", "failed", "cancelled"];
export const STATE_CLASS = { queued: "s-none", running: "s-ontrack", done: "s-met", failed: "s-missed", cancelled: "s-warn" };

export function jobState(job) { return `<span class="status ${STATE_CLASS[job.state] || "s-none"}">${esc(job.state_name || job.state)}</span>`; }

// Draws the job's progress into `el` until it ends; resolves with its last state (null if
// the view changed first).
export function follow(el, job, ms = 600) {
  const generation = current();
  const draw = j => {
    const running = !ENDED.includes(j.state);
    el.innerHTML = `<div class="job" data-job="${esc(j.id)}" data-state="${esc(j.state)}">
      <div class="panel-head"><span><strong>${esc(j.title)}</strong> ${jobState(j)}</span>
        ${running ? `<button type="button" class="btn small secondary" data-cancel>取消</button>` : ""}</div>
      ${progressBar(j.state === "queued" ? null : j.progress, `${pct(j.progress, 0)} · ${j.message || j.state_name}`)}
      ${j.error ? `<p class="error">${esc(j.error)}</p>` : ""}</div>`;
    const cancel = el.querySelector("[data-cancel]");
    if (cancel) cancel.addEventListener("click", async () => {
      cancel.disabled = true;
      try { draw(await postJSON(`/api/jobs/${encodeURIComponent(j.id)}/cancel`)); } catch (e) { window.alert(e.message); }
    });
  };
  draw(job);
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (generation !== current()) { resolve(null); return; }
      try {
        const j = await getJSON(`/api/jobs/${encodeURIComponent(job.id)}`);
        if (generation !== current()) { resolve(null); return; }
        draw(j);
        if (ENDED.includes(j.state)) { resolve(j); return; }
      } catch (e) { reject(e); return; }
      setTimeout(tick, ms);
    };
    if (ENDED.includes(job.state)) resolve(job); else setTimeout(tick, ms);
  });
}

export async function recentJobs(kind, limit = 20) {
  return (await getPage(`/api/jobs?kind=${kind}&limit=${limit}`)).items;
}

export function jobTable(jobs, extra = []) {
  return table([
    { label: "任务", key: "title" }, { label: "状态", html: jobState },
    { label: "进度", num: true, html: j => pct(j.progress, 0) },
    { label: "发起人", key: "started_by" }, { label: "创建时间", html: j => esc(String(j.created_at).replace("T", " ").slice(0, 19)) },
    ...extra,
  ], jobs);
}
