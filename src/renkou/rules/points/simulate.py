"""Simulating a change to the points scheme (积分方案调整模拟): who would be admitted instead,
who would be displaced, how the admitted cohort's composition shifts (age group, sex,
education, district, hukou origin province), and what the settled inflow adds up to against
the 户籍 targets.

The change is applied as a new dated version of the scheme taking effect on the as-of date
(:meth:`PointsScheme.with_changes`), so the baseline and the changed scheme are two readings
of one history — the plan's “根据人口调控目标合理调整积分指标和分值”."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.jurisdictions import get_jurisdiction
from renkou.regions import gazetteer
from renkou.rules.points.columns import CATEGORIES, ApplicantTable
from renkou.rules.points.inflow import (
    SettledInflow,
    TargetComparison,
    compare_with_target,
    settled_inflow,
)
from renkou.rules.points.rank import RankResult, rank
from renkou.rules.points.scheme import PointsScheme
from renkou.rules.points.score import score

IntArray = npt.NDArray[np.int64]

AGE_GROUPS: tuple[tuple[int, int], ...] = ((16, 24), (25, 29), (30, 34), (35, 39), (40, 44),
                                           (45, 49), (50, 54), (55, 120))
DIMENSIONS: tuple[str, ...] = ("年龄组", "性别", "受教育程度", "就业居住区", "区域",
                               "户籍来源省份")


@dataclass(frozen=True)
class Simulation:
    """Baseline and changed rankings of one applicant pool (调整前后对比)."""

    changes: dict[str, str | float | int | None]
    changed_scheme: PointsScheme
    baseline: RankResult
    changed: RankResult
    admitted_instead: IntArray  # admitted only under the changed scheme
    displaced: IntArray  # admitted only under the baseline
    baseline_inflow: SettledInflow
    changed_inflow: SettledInflow
    targets: tuple[TargetComparison, ...]

    def composition(self) -> pd.DataFrame:
        """Counts by dimension and category for the baseline admitted, the changed admitted,
        those admitted instead and those displaced."""
        labels = _labels(self.baseline.score.applicants, self.baseline.score.age,
                         self.baseline.score.scheme.scheme)
        sets = {
            "调整前获准 baseline_admitted": np.flatnonzero(self.baseline.admitted),
            "调整后获准 changed_admitted": np.flatnonzero(self.changed.admitted),
            "新增获准 admitted_instead": self.admitted_instead,
            "被挤出 displaced": self.displaced,
        }
        frames = []
        for dim in DIMENSIONS:
            col = labels[dim]
            counts = pd.DataFrame({name: pd.Series(col[idx]).value_counts()
                                   for name, idx in sets.items()}).fillna(0).astype(np.int64)
            counts.index.name = "类别 category"
            counts = counts.reset_index()
            counts.insert(0, "维度 dimension", dim)
            counts["净变化 net_change"] = (counts["调整后获准 changed_admitted"]
                                          - counts["调整前获准 baseline_admitted"])
            frames.append(counts.sort_values("类别 category", kind="stable"))
        return pd.concat(frames, ignore_index=True)

    def people(self, which: str) -> pd.DataFrame:
        """The applicants admitted instead (``which="admitted_instead"``) or displaced, with
        their points and ranks under both schemes and their description."""
        idx = self.admitted_instead if which == "admitted_instead" else self.displaced
        s = self.baseline.score
        labels = _labels(s.applicants, s.age, s.scheme.scheme)
        df = pd.DataFrame({
            "applicant_id": s.applicants.applicant_id[idx],
            "调整前积分 baseline_points": s.total[idx],
            "调整后积分 changed_points": self.changed.score.total[idx],
            "调整前排名 baseline_rank": self.baseline.rank[idx],
            "调整后排名 changed_rank": self.changed.rank[idx],
        })
        for dim in DIMENSIONS:
            df[dim] = labels[dim][idx]
        # Explanations only for these few people, not the whole pool.
        explained = score(s.applicants.take(idx), self.changed_scheme, s.as_of, explain=True)
        df["调整后积分说明 explanation"] = explained.explanation
        return df.sort_values("调整后排名 changed_rank" if which == "admitted_instead"
                              else "调整前排名 baseline_rank").reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        b, c = self.baseline, self.changed
        rows: list[tuple[str, object, object]] = [
            ("示例方案 sample scheme", "是（非官方分值）" if b.score.scheme.scheme.sample else "否",
             ""),
            ("评估日期 as of", b.score.as_of.isoformat(), ""),
            ("调整项 changes", "；".join(f"{k}={v}" for k, v in self.changes.items()) or "无", ""),
            ("申请人数 applicants", len(b.score.applicants), ""),
            ("符合准入条件 eligible", int(b.score.eligible.sum()), int(c.score.eligible.sum())),
            ("名额 quota", _show(b.quota), _show(c.quota)),
            ("分值线 threshold", _show(b.threshold), _show(c.threshold)),
            ("获准人数 admitted", b.n_admitted, c.n_admitted),
            ("最低获准积分 cutoff points", _show(b.cutoff_points), _show(c.cutoff_points)),
            ("末位区分依据 decided by", b.decided_by, c.decided_by),
            ("新增获准 admitted instead", "", int(self.admitted_instead.shape[0])),
            ("被挤出 displaced", "", int(self.displaced.shape[0])),
            ("落户年份 settle years", _years(self.baseline_inflow), _years(self.changed_inflow)),
        ]
        for t in self.targets:
            period = f"{t.target.from_year}–{t.target.to_year}"
            rows.append((f"{period} 累计积分落户 settled", round(t.baseline),
                         round(t.changed)))
            rows.append((f"占目标“{t.target.label}{t.target.value / 1e4:g}万人”比重",
                         f"{t.baseline_share:.1%}", f"{t.changed_share:.1%}"))
            rows.append(("目标依据 source", t.target.source, ""))
        return pd.DataFrame(rows, columns=["项目 item", "调整前 baseline", "调整后 changed"])


def _show(value: object) -> object:
    return "不限" if value is None else value


def _years(inflow: SettledInflow) -> str:
    ys = inflow.settle_years
    return f"{ys[0]}–{ys[-1]}" if ys else "无"


def _labels(a: ApplicantTable, age: IntArray,
            scheme: PointsScheme) -> dict[str, npt.NDArray[np.object_]]:
    """Chinese category labels of every applicant, by composition dimension."""
    groups = np.array([f"{lo}–{hi}岁" if hi < 120 else f"{lo}岁及以上"
                       for lo, hi in AGE_GROUPS], dtype=object)
    lows = np.array([lo for lo, _ in AGE_GROUPS])
    age_group = groups[np.clip(np.searchsorted(lows, age, side="right") - 1, 0, None)]
    edu_labels = {}
    for ind in scheme.indicators:
        if ind.column == "education":
            edu_labels = ind.labels
    edu = np.array([edu_labels.get(k, k) for k in CATEGORIES["education"]], dtype=object)
    gz = gazetteer()
    districts = np.array([gz.get(c).name for c in a.district_codes], dtype=object)
    # The plan's area groups (e.g. 中心城区, 外围五区), the level its goals use.
    group_of = {m: g.name for g in get_jurisdiction(scheme.jurisdiction).groups.values()
                for m in g.members}
    areas = np.array([group_of.get(c, "") for c in a.district_codes], dtype=object)
    provinces = pd.Series(a.origin_province).map(gz.provinces).fillna("").to_numpy(dtype=object)
    return {
        "年龄组": age_group,
        "性别": np.where(a.sex == 0, "男", "女").astype(object),
        "受教育程度": edu[a.categories["education"].astype(np.int64)],
        "就业居住区": districts[a.district.astype(np.int64)],
        "区域": areas[a.district.astype(np.int64)],
        "户籍来源省份": provinces,
    }


def simulate(applicants: ApplicantTable, scheme: PointsScheme, as_of: dt.date,
             changes: dict[str, str | float | int | None], source: str = "",
             base_year: int = 2020, end_year: int = 2035,
             settle_years: tuple[int, ...] | None = None, *,
             pseudonym_key: bytes) -> Simulation:
    """Rank the pool under the scheme in force on ``as_of`` and under the scheme with
    ``changes`` taking effect that day; compare, and turn both admitted cohorts into yearly
    hukou in-migration for ``base_year``–``end_year`` (see :mod:`.inflow`)."""
    changed_scheme = scheme.with_changes(changes, as_of, source)
    base_rank = rank(score(applicants, scheme, as_of, explain=False), pseudonym_key)
    new_rank = rank(score(applicants, changed_scheme, as_of, explain=False), pseudonym_key)
    instead = np.flatnonzero(new_rank.admitted & ~base_rank.admitted)
    displaced = np.flatnonzero(base_rank.admitted & ~new_rank.admitted)
    if settle_years is None:
        target = scheme.targets.get("hukou_net_growth")
        first = target.from_year if target else as_of.year
        settle_years = tuple(range(max(first, base_year), end_year))
    b_in = settled_inflow(base_rank, base_year, end_year, settle_years)
    c_in = settled_inflow(new_rank, base_year, end_year, settle_years)
    targets = tuple(compare_with_target(t, b_in, c_in) for key, t in scheme.targets.items()
                    if key == "hukou_net_growth")
    return Simulation(changes=dict(changes), changed_scheme=changed_scheme, baseline=base_rank,
                      changed=new_rank, admitted_instead=instead, displaced=displaced,
                      baseline_inflow=b_in, changed_inflow=c_in, targets=targets)
