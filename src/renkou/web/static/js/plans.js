// The plans an account may read (a district account: its own district's) and the one
// shown first (?plan= in the address, else the jurisdiction's own plan).
"use strict";

import { state, getJSON, esc } from "./core.js";

let cached = null;

export async function readablePlans() {
  if (!cached) {
    const all = await getJSON("/api/plans?limit=1000");
    cached = state.me.district ? all.filter(p => p.area_code.startsWith(state.me.district)) : all;
  }
  return cached;
}

export function forgetPlans() { cached = null; }

export function pickPlan(plans, wanted) {
  return plans.find(p => p.code === wanted) || plans.find(p => p.own) || plans[0] || null;
}

export function planLabel(p) {
  return p.name.includes(String(p.start_year)) ? p.name : `${p.name}（${p.start_year}—${p.end_year}年）`;
}

export function planOptions(plans) {
  return plans.map(p => `<option value="${esc(p.code)}">${esc(planLabel(p))}</option>`).join("");
}

export function planYears(p) {
  const years = [];
  for (let y = p.start_year; y <= p.end_year; y++) years.push(y);
  return years;
}

export const STATUS_CLASS = { "已达标": "s-met", "进度正常": "s-ontrack", "进度滞后（预警）": "s-warn", "未达标": "s-missed",
  "已完成": "s-met", "推进中": "s-ontrack", "滞后": "s-missed", "未启动": "s-warn", "未报告": "s-none" };

export function statusTag(s) { return `<span class="status ${STATUS_CLASS[s] || "s-none"}">${esc(s)}</span>`; }
