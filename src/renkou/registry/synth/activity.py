"""Activities of the synthetic people (就业、社保、就学、婚姻): employment spells and the
insurance periods that go with them, school enrolments, marriages and divorces."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.registry.synth import people as pp
from renkou.registry.synth.dates import (
    END,
    NAT,
    START,
    Dates,
    from_ymd,
    month_index,
    shift_years,
    uniform_dates,
    ymd,
)
from renkou.registry.synth.targets import INSIDE_MIN, Targets

I64 = npt.NDArray[np.int64]
DAY = np.timedelta64(1, "D")
FAR = np.datetime64("2200-01-01", "D")

STAGES_ZH = ("学前", "小学", "初中", "高中", "中职", "大专", "本科", "研究生")
LEAVE_ZH = ("毕业", "转学", "退学")


def _workplace(home: I64, t: Targets, rng: np.random.Generator) -> I64:
    n = len(home)
    codes = np.array(t.area_codes, dtype=np.int64)
    w = t.area_weights * t.area_work_pull
    other = codes[rng.choice(len(codes), size=n, p=w / w.sum())]
    home_d = np.where(home >= INSIDE_MIN, t.area_of(home), other)
    district = np.where(rng.random(n) < 0.6, home_d, other)
    return pp._pick_street(district, rng.random(n) < 0.85, t, rng)


def _present_until(persons: pd.DataFrame, leave: Dates) -> Dates:
    death = persons["death"].to_numpy().astype("datetime64[D]")
    d = np.where(np.isnat(death), FAR, death)
    lv = np.where(np.isnat(leave), FAR, leave - DAY)
    return np.minimum(d, lv)


def employment_spells(persons: pd.DataFrame, home: I64, arrive: Dates, leave: Dates,
                      t: Targets, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employment registrations (就业登记) and 职工 insurance periods (社保缴费)."""
    n = len(persons)
    male = persons["male"].to_numpy()
    birth = persons["birth"].to_numpy().astype("datetime64[D]")
    work_age = shift_years(birth, rng.integers(18, 24, n)) + rng.integers(0, 365, n) * DAY
    c0 = np.maximum(work_age, np.where(np.isnat(arrive), FAR, arrive))
    c1 = np.minimum(shift_years(birth, np.where(male, 60, 55)), _present_until(persons, leave))
    ok = ~np.isnat(arrive) & (c0 <= c1) & (c1 >= START) & (c0 <= END)
    employed = ok & (rng.random(n) < np.where(male, 0.8, 0.7))
    registered = employed & (rng.random(n) < 0.85)
    lo = np.maximum(c0, START) + 30 * DAY
    hi = np.minimum(c1, END) - DAY
    change = registered & (rng.random(n) < 0.35) & (lo < hi)
    who = np.flatnonzero(employed)
    place = _workplace(home[who], t, rng)
    start, stop = c0[who], c1[who]
    cut = np.full(len(who), NAT)
    ch = change[who]
    cut[ch] = uniform_dates(np.asarray(lo[who][ch], dtype="datetime64[D]"),
                           np.asarray(hi[who][ch], dtype="datetime64[D]"), rng)
    first_end = np.where(ch, cut - DAY, stop)
    spells = [pd.DataFrame({"pid": who, "code": place, "start": start, "end": first_end,
                            "registered": registered[who]})]
    wc = who[ch]
    spells.append(pd.DataFrame({"pid": wc, "code": _workplace(home[wc], t, rng),
                                "start": cut[ch], "end": stop[ch], "registered": True}))
    emp = pd.concat(spells, ignore_index=True)
    end = emp["end"].to_numpy().astype("datetime64[D]")
    emp["end"] = np.where(end > END, NAT, end)
    emp = emp.sort_values(["pid", "start"], kind="stable").reset_index(drop=True)
    e_end = emp["end"].to_numpy().astype("datetime64[D]")
    ins = []
    for scheme in (0, 1):
        ins.append(pd.DataFrame({
            "pid": emp["pid"].to_numpy(), "code": emp["code"].to_numpy() // 1000,
            "scheme": np.int8(scheme), "start_month": month_index(emp["start"].to_numpy().astype("datetime64[D]")),  # noqa: E501
            "end_month": month_index(np.where(np.isnat(e_end), END, e_end))}))
    ins.append(_resident_pension(persons, home, arrive, leave, rng))
    insurance = pd.concat(ins, ignore_index=True).sort_values(
        ["pid", "start_month", "scheme"], kind="stable").reset_index(drop=True)
    return emp, insurance


def _resident_pension(persons: pd.DataFrame, home: I64, arrive: Dates, leave: Dates,
                      rng: np.random.Generator) -> pd.DataFrame:
    """城乡居民养老 periods of a quarter of the people aged 60+ (paid at the home district)."""
    n = len(persons)
    birth = persons["birth"].to_numpy().astype("datetime64[D]")
    lo = np.maximum(np.maximum(shift_years(birth, 60), np.where(np.isnat(arrive), FAR, arrive)),
                    START)
    hi = np.minimum(_present_until(persons, leave), END)
    who = np.flatnonzero((rng.random(n) < 0.25) & (lo <= hi) & (home >= INSIDE_MIN))
    return pd.DataFrame({"pid": who.astype(np.int64), "code": home[who] // 1000,
                         "scheme": np.int8(2), "start_month": month_index(lo[who]),
                         "end_month": month_index(hi[who])})


def school_spells(persons: pd.DataFrame, home: I64, arrive: Dates, leave: Dates,
                  t: Targets, rng: np.random.Generator) -> pd.DataFrame:
    """School enrolments (学籍) overlapping 2015–2024, by the usual entry ages."""
    n = len(persons)
    birth = persons["birth"].to_numpy().astype("datetime64[D]")
    death = persons["death"].to_numpy().astype("datetime64[D]")
    by, bm, bd = ymd(birth)
    y6 = by + 6 + ((bm * 100 + bd) > 831)
    u = rng.random((5, n))
    senior = np.select([u[1] < 0.62, u[1] < 0.92], [3, 4], -1)
    tertiary = np.select([(senior == 3) & (u[2] < 0.55), (senior == 3) & (u[2] < 0.85),
                          (senior == 4) & (u[2] < 0.2)], [6, 5, 5], -1)
    plan = [  # (stage, takes part, start offset from the primary entry year, years)
        (0, u[0] < 0.9, -3, 3), (1, np.ones(n, bool), 0, 6), (2, u[3] < 0.99, 6, 3),
        (3, senior == 3, 9, 3), (4, senior == 4, 9, 3), (5, tertiary == 5, 12, 3),
        (6, tertiary == 6, 12, 4), (7, (tertiary == 6) & (u[4] < 0.2), 16, 3),
    ]
    until = _present_until(persons, leave)
    uni = np.array(t.university_areas, dtype=np.int64)
    out = []
    for stage, takes, off, dur in plan:
        start = from_ymd(y6 + off, np.full(n, 9), np.full(n, 1))
        end = from_ymd(y6 + off + dur, np.full(n, 7), np.full(n, 1))
        keep = (takes & ~np.isnat(arrive) & (start >= np.where(np.isnat(arrive), FAR, arrive))
                & (start <= END) & (end >= START) & (start <= until))
        idx = np.flatnonzero(keep)
        s, e, stop = start[idx], end[idx], until[idx]
        kind = np.zeros(len(idx), dtype=np.int8)
        cut = stop < e
        kind[cut] = np.where(np.isnat(death[idx][cut]) | (death[idx][cut] > stop[cut]), 1, 2)
        e = np.where(cut, stop, e)
        ongoing = e > END
        kind[ongoing] = -1
        e = np.where(ongoing, NAT, e)
        if stage >= 5:
            d = uni[rng.integers(0, len(uni), len(idx))]
            code = pp._pick_street(d, np.ones(len(idx), bool), t, rng)
        else:
            code = home[idx]
        out.append(pd.DataFrame({"pid": idx.astype(np.int64), "stage": np.int8(stage),
                                 "code": code, "start": s, "end": e, "leave_kind": kind}))
    return (pd.concat(out, ignore_index=True).sort_values(["pid", "start"], kind="stable")
            .reset_index(drop=True))


def marriages(persons: pd.DataFrame, home: I64, arrive: Dates, leave: Dates, n: int,
              rng: np.random.Generator) -> pd.DataFrame:
    """Marriage and divorce registrations (婚姻登记), about 5.5 and 2 per 1000 a year."""
    male = persons["male"].to_numpy()
    birth = persons["birth"].to_numpy().astype("datetime64[D]")
    death = persons["death"].to_numpy().astype("datetime64[D]")
    until = _present_until(persons, leave)
    start = np.where(np.isnat(arrive), FAR, arrive)
    married = np.zeros(len(persons), dtype=bool)
    rows: list[pd.DataFrame] = []
    done: list[pd.DataFrame] = []
    divorced: set[int] = set()
    for year in range(2015, 2025):
        k = max(1, round(n * 0.0055))
        mid = np.datetime64(f"{year}-07-01", "D")
        age = (mid - birth).astype(np.int64) / 365.25
        here = (start <= mid) & (until >= mid) & ~married
        men = np.flatnonzero(here & male & (age >= 24) & (age < 38))
        women = np.flatnonzero(here & ~male & (age >= 22) & (age < 35))
        k = min(k, len(men), len(women))
        if k == 0:
            continue
        m = rng.choice(men, size=k, replace=False)
        w = rng.choice(women, size=k, replace=False)
        date = uniform_dates(np.full(k, np.datetime64(f"{year}-01-01", "D")),
                             np.full(k, np.datetime64(f"{year}-12-31", "D")), rng)
        ok = ((start[m] <= date) & (until[m] >= date) & (start[w] <= date) & (until[w] >= date)
              & (birth[m] < date) & (birth[w] < date))
        m, w, date = m[ok], w[ok], date[ok]
        married[m] = married[w] = True
        wed = pd.DataFrame({"man": m, "woman": w, "kind": "结婚", "date": date,
                            "code": home[m] // 1000})
        if done:
            prev = pd.concat(done, ignore_index=True)
            prev = prev[~prev.index.isin(list(divorced))]
            kd = min(len(prev), max(1, round(n * 0.002)))
            pick = rng.choice(len(prev), size=kd, replace=False) if kd else np.array([], int)
            cand = prev.iloc[pick]
            dd = uniform_dates(np.full(kd, np.datetime64(f"{year}-01-01", "D")),
                               np.full(kd, np.datetime64(f"{year}-12-31", "D")), rng)
            cm, cw = cand["man"].to_numpy(), cand["woman"].to_numpy()
            ok = (until[cm] >= dd) & (until[cw] >= dd) & (cand["date"].to_numpy().astype("datetime64[D]") < dd)  # noqa: E501
            divorced.update(cand.index[ok].tolist())
            rows.append(pd.DataFrame({"man": cm[ok], "woman": cw[ok], "kind": "离婚",
                                      "date": dd[ok], "code": cand["code"].to_numpy()[ok]}))
        rows.append(wed)
        done.append(wed)
        done = [pd.concat(done, ignore_index=True)]
    del death
    return (pd.concat(rows, ignore_index=True).sort_values(["date", "man"], kind="stable")
            .reset_index(drop=True))
