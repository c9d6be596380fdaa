// 人口结构, the demographer's toolbox: a year's rates by area (births, deaths, fertility,
// mortality; small counts marked "*" for roles below statistician) and the age-data
// quality of the page's date (Whipple, Myers, sex-ratio and UN scores).
"use strict";

import { getJSON, esc, num, count, current, showError, table, loading, may, suppressionNote, SUPPRESSED } from "../core.js";

const RATE_COLUMNS = [
  ["population_end", "年末人口", 0], ["births", "出生人数", 0], ["deaths", "死亡人数", 0],
  ["cbr", "出生率（‰）", 2], ["cdr", "死亡率（‰）", 2], ["natural_growth_rate", "自然增长率（‰）", 2],
  ["tfr", "总和生育率", 2], ["srb", "出生人口性别比", 1], ["imr", "婴儿死亡率（‰）", 1]];
const QUALITY_COLUMNS = [["whipple", "惠普尔指数"], ["myers", "迈尔斯指数"], ["sex_ratio_score", "性别比分"], ["un_joint_score", "联合国年龄性别准确度指数"]];

export function demographyPanel() {
  if (!may("demography")) return "";
  return `<div class="grid" id="st-demog">
    <div class="panel wide"><div class="panel-head"><h3 id="st-rates-title">分地区生育与死亡</h3>
      <label class="controls">年份 <input id="st-rates-year" type="number" min="1950" max="2100" size="6"></label></div>
      <div id="st-rates" class="scroll"></div><div id="st-rates-note"></div>
      <p class="footnote">年平均人口为上年末与本年末人口的平均；总和生育率为 15–49 岁分年龄生育率之和。</p></div>
    <div class="panel wide"><h3 id="st-quality-title">年龄数据质量</h3><div id="st-quality" class="scroll"></div>
      <p class="footnote">惠普尔指数 100 表示年龄尾数无偏好，越高表示申报年龄越集中于 0 和 5；迈尔斯指数 0 为无偏好。</p></div>
  </div>`;
}

// One row per area from the long answer: its value of each indicator or measure.
function wide(rows, key) {
  const by = new Map();
  rows.filter(r => r.sex == null && r.age == null).forEach(r => {
    if (!by.has(r.region)) by.set(r.region, { region: r.region, region_name: r.region_name });
    by.get(r.region)[r[key]] = r.value;
    if (r.rating) by.get(r.region).rating = r.rating;
  });
  return [...by.values()];
}

export async function demography(generation, asOf) {
  if (!may("demography")) return;
  const yearBox = document.getElementById("st-rates-year");
  yearBox.addEventListener("change", () => rates(generation, yearBox.value));
  await Promise.all([rates(generation, ""), quality(generation, asOf)]);
}

// The page's date changed: the quality of the new date.
export async function qualityOn(generation, asOf) {
  if (may("demography")) await quality(generation, asOf);
}

async function rates(generation, year) {
  const el = document.getElementById("st-rates");
  loading(el);
  try {
    const r = await getJSON(`/api/demography/rates${year ? `?year=${encodeURIComponent(year)}` : ""}`);
    if (generation !== current()) return;
    document.getElementById("st-rates-year").value = r.year;
    document.getElementById("st-rates-title").textContent = `分地区生育与死亡（${r.year}年）`;
    el.innerHTML = table([{ label: "地区", key: "region_name" },
      ...RATE_COLUMNS.map(([k, label, digits]) => ({ label, num: true,
        html: row => (!(k in row) ? "—" : row[k] === null ? count(null) : digits ? num(row[k], digits) : count(row[k])) }))],
      wide(r.rows, "indicator"));
    document.getElementById("st-rates-note").innerHTML = r.suppressed
      ? `${suppressionNote(r.suppression_threshold, r.suppressed)}<p class="scope-note">${SUPPRESSED} 亦用于由被抑制人数推算的比率，以及分母少于 ${r.suppression_threshold} 人的比率。</p>` : "";
  } catch (e) { if (generation === current()) showError(el, e); }
}

async function quality(generation, asOf) {
  const el = document.getElementById("st-quality");
  loading(el);
  try {
    const q = await getJSON(`/api/demography/quality${asOf ? `?as_of=${encodeURIComponent(asOf)}` : ""}`);
    if (generation !== current()) return;
    document.getElementById("st-quality-title").textContent = `年龄数据质量（${q.as_of}）`;
    el.innerHTML = table([{ label: "地区", key: "region_name" },
      ...QUALITY_COLUMNS.map(([k, label]) => ({ label, num: true, html: row => num(row[k], 1) })),
      { label: "惠普尔评价", html: row => esc(row.rating || "—") }], wide(q.rows, "measure"));
  } catch (e) { if (generation === current()) showError(el, e); }
}
