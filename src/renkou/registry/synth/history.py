"""True 2015–2024 histories of the synthetic city (人口事件史).

Method (see docs/methods.md, "Synthetic city"): the resident population on the census day
2020-11-01 is drawn first with the census structure; events are then generated *backwards*
(people who died or left between 2015-01-01 and the census, hukou moves before the census,
the births of today's young children) and *forwards* (deaths, births by age-specific
fertility, departures, arrivals, hukou and residence moves up to 2024-12-31)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.registry.synth import cohorts as extra
from renkou.registry.synth import people as pp
from renkou.registry.synth.activity import employment_spells, marriages, school_spells
from renkou.registry.synth.city import SyntheticCity
from renkou.registry.synth.dates import (
    CENSUS,
    END,
    NAT,
    START,
    Dates,
    completed_age,
    shift_months,
    shift_years,
    uniform_dates,
)
from renkou.registry.synth.spells import (
    DAY,
    I64,
    Cohort,
    deaths_between,
    hukou_frame,
    hukou_since,
    origin_for,
    residence_frame,
)
from renkou.registry.synth.targets import INSIDE_MIN, Targets, targets


def _census_population(n: int, rng: np.random.Generator, t: Targets,
                       first_pid: int) -> tuple[Cohort, pp.Placement, I64]:
    age, male = pp.draw_age_sex(n, rng, t)
    birth = pp.birth_dates_for_age(age, np.full(n, CENSUS), rng)
    pl = pp.draw_placement(age, np.full(n, CENSUS), t, rng)
    since = np.where(np.isnat(pl.since), NAT, np.maximum(pl.since, birth))
    cat, resident, hukou, residence = (pl.category.copy(), pl.resident.copy(), pl.hukou.copy(),
                                       pl.residence.copy())
    # Children born since 2015 live with their mother (chosen by her age at the birth).
    kids = np.flatnonzero(birth >= START)
    women = np.flatnonzero(~male & (age >= 15) & (age <= 60))
    wy = birth[women].astype("datetime64[Y]").astype(np.int64)
    order = np.argsort(wy, kind="stable")
    wy_sorted = wy[order]
    asfr = t.asfr[15:50] / t.asfr[15:50].sum()
    mother = np.full(len(kids), -1, dtype=np.int64)
    ky = birth[kids].astype("datetime64[Y]").astype(np.int64)
    for _ in range(10):
        todo = mother < 0
        if not todo.any():
            break
        m_age = 15 + rng.choice(35, size=int(todo.sum()), p=asfr)
        target = ky[todo] - m_age
        lo = np.searchsorted(wy_sorted, target, "left")
        hi = np.searchsorted(wy_sorted, target, "right")
        ok = hi > lo
        pick = lo + np.floor(rng.random(len(lo)) * np.maximum(hi - lo, 1)).astype(np.int64)
        chosen = np.where(ok, women[order[np.minimum(pick, len(order) - 1)]], -1)
        mother[np.flatnonzero(todo)] = chosen
    has = mother >= 0
    kids, mother = kids[has], mother[has]
    for arr in (cat, resident, hukou, residence):
        arr[kids] = arr[mother]
    since[kids] = np.where(np.isnat(since[mother]), NAT, np.maximum(since[mother], birth[kids]))
    cutoff = shift_months(np.array([CENSUS]), -6)[0]
    fresh_float = (cat == pp.FLOATING) & (since > cutoff)  # NaT compares False
    hukou[fresh_float] = residence[fresh_float]
    cat[fresh_float] = pp.SAME
    since[fresh_float] = NAT
    resident[fresh_float] = residence[fresh_float]
    away_fresh = np.isin(cat, (pp.SEP_SAME_DISTRICT, pp.SEP_OTHER_DISTRICT)) & (since > cutoff)
    resident[away_fresh] = hukou[away_fresh]
    pl = pp.Placement(resident, hukou, residence, cat, since)
    origin = origin_for(hukou, t, rng)
    origin[kids] = np.where(hukou[kids] >= INSIDE_MIN, hukou[kids] // 1000, hukou[kids])
    outside = np.where(hukou < INSIDE_MIN, hukou, 0)
    pid = first_pid + np.arange(n, dtype=np.int64)
    co = Cohort("p0", male, birth, np.full(n, NAT), origin, outside, residence,
                 np.full(n, NAT), np.full(n, NAT))
    births = np.column_stack([pid[kids], pid[mother]]) if len(kids) else np.zeros((0, 2), np.int64)
    return co, pl, births


def _p0_spells(co: Cohort, pl: pp.Placement, pid: I64, t: Targets,
               rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hukou spells (with moves before the census) and residence spells of the census people."""
    n = len(pid)
    tj = pl.hukou >= INSIDE_MIN
    age15 = completed_age(co.birth, START)
    r = rng.random(n)
    born_here = tj & (co.birth >= START)
    moved = tj & ~born_here & (age15 >= 23) & (r < 0.06)
    came = tj & ~born_here & (age15 >= 23) & (r >= 0.06) & (r < 0.08)
    base = tj & ~born_here & ~moved & ~came
    since = hukou_since(co.birth, co.origin, pl.hukou, rng)
    parts = [hukou_frame(pid[born_here], pl.hukou[born_here], co.birth[born_here], "birth"),
             hukou_frame(pid[base], pl.hukou[base], since[base], "register")]
    idx = np.flatnonzero(moved)
    old = pp.other_street_mixed(pl.hukou[idx], 0.5, t, rng)
    t2 = uniform_dates(np.full(len(idx), START + 30 * DAY), np.full(len(idx), CENSUS - DAY), rng)
    t1 = t2 - rng.integers(0, 21, len(idx)).astype("timedelta64[D]")
    first = hukou_frame(pid[idx], old, since[idx], "register")
    first["end"], first["end_kind"], first["to_code"], first["out_date"] = t2, "move", pl.hukou[idx], t1  # noqa: E501
    parts += [first, hukou_frame(pid[idx], pl.hukou[idx], t2, "in", old)]
    idx = np.flatnonzero(came)
    frm = pp.outside_codes(len(idx), t, rng)
    when = uniform_dates(np.full(len(idx), START), np.full(len(idx), CENSUS - DAY), rng)
    parts.append(hukou_frame(pid[idx], pl.hukou[idx], when, "in", frm))
    co.origin[idx] = frm
    co.outside[idx] = frm  # hukou was outside the jurisdiction before the move in
    co.arrive[base | moved] = since[base | moved]
    co.arrive[born_here] = co.birth[born_here]
    co.arrive[idx] = when
    lives_away = ~np.isnat(pl.since)
    permit_p = np.where(pl.category == pp.FLOATING, 0.6,
                        np.where(pl.category == pp.SEP_OTHER_DISTRICT, 0.1, 0.0))
    ri = np.flatnonzero(lives_away)
    res = residence_frame(pid[ri], pl.residence[ri], pl.since[ri], rng, permit_p[ri])
    co.arrive[ri] = np.where(np.isnat(co.arrive[ri]), pl.since[ri],
                             np.minimum(co.arrive[ri], pl.since[ri]))
    return pd.concat(parts, ignore_index=True), res


def _post_census_moves(co: Cohort, pl: pp.Placement, pid: I64, stayers: npt.NDArray[np.bool_],
                       hk: pd.DataFrame, res: pd.DataFrame, t: Targets,
                       rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """At most one move per census person between the census and 2024-12-31."""
    n = len(pid)
    when = uniform_dates(np.full(n, CENSUS + DAY), np.full(n, END), rng)
    alive = np.isnat(co.death) | (co.death > when)
    ok = alive & ~stayers
    u = rng.random(n)
    cat = pl.category
    fl, sep, same = cat == pp.FLOATING, np.isin(cat, (1, 2)), cat == pp.SAME
    ev = np.full(n, "", dtype=object)
    ev[ok & fl & (u < 0.22)] = "depart"
    ev[ok & fl & (u >= 0.22) & (u < 0.26)] = "settle_in"
    ev[ok & fl & (u >= 0.26) & (u < 0.32)] = "res_move"
    ev[ok & sep & (u < 0.08)] = "settle"
    ev[ok & sep & (u >= 0.08) & (u < 0.15)] = "res_move"
    ev[ok & sep & (u >= 0.15) & (u < 0.19)] = "return"
    ev[ok & sep & (u >= 0.19) & (u < 0.20)] = "emigrate"
    ev[ok & same & (u < 0.012)] = "emigrate"
    ev[ok & same & (u >= 0.012) & (u < 0.062)] = "start_sep"
    open_hk = pd.Series(np.flatnonzero(np.isnat(hk["end"].to_numpy().astype("datetime64[D]"))),
                        index=hk["pid"].to_numpy()[np.isnat(hk["end"].to_numpy().astype("datetime64[D]"))])
    res_row = pd.Series(np.arange(len(res)), index=res["pid"].to_numpy())
    hk_new: list[pd.DataFrame] = []
    res_new: list[pd.DataFrame] = []
    h_end, h_kind = hk["end"].to_numpy().astype("datetime64[D]").copy(), hk["end_kind"].to_numpy().copy()  # noqa: E501
    h_to, h_out = hk["to_code"].to_numpy().copy(), hk["out_date"].to_numpy().astype("datetime64[D]").copy()  # noqa: E501
    r_end = res["end"].to_numpy().astype("datetime64[D]").copy()

    def close_res(who: I64, at: Dates) -> None:
        rows = res_row.reindex(pid[who]).to_numpy()
        have = ~np.isnan(rows)
        r_end[rows[have].astype(np.int64)] = at[have]

    for kind in ("depart", "return"):
        who = np.flatnonzero(ev == kind)
        close_res(who, when[who])
        if kind == "depart":
            co.leave[who] = when[who]
    who = np.flatnonzero(ev == "settle_in")
    close_res(who, when[who])
    hk_new.append(hukou_frame(pid[who], pl.residence[who], when[who], "in", pl.hukou[who]))
    who = np.flatnonzero(ev == "settle")
    t1 = np.maximum(when[who] - rng.integers(0, 11, len(who)).astype("timedelta64[D]"),
                    CENSUS + DAY)
    rows = open_hk.reindex(pid[who]).to_numpy().astype(np.int64)
    h_end[rows], h_kind[rows], h_to[rows], h_out[rows] = when[who], "move", pl.residence[who], t1
    close_res(who, when[who])
    hk_new.append(hukou_frame(pid[who], pl.residence[who], when[who], "in", pl.hukou[who]))
    who = np.flatnonzero(ev == "emigrate")
    rows = open_hk.reindex(pid[who]).to_numpy().astype(np.int64)
    h_end[rows], h_kind[rows], h_out[rows] = when[who], "out", when[who]
    h_to[rows] = pp.outside_codes(len(who), t, rng)
    close_res(who, when[who])
    co.leave[who] = when[who]
    who = np.flatnonzero(ev == "res_move")
    close_res(who, when[who])
    new = pp.other_street_mixed(pl.residence[who], 0.6, t, rng)
    back_home = new == pl.hukou[who]  # landing on the hukou street = going home
    who = who[~back_home]
    rows = res_row.reindex(pid[who]).to_numpy().astype(np.int64)
    moved = residence_frame(pid[who], new[~back_home], when[who], rng, 0.0)
    moved["permit"] = res["permit"].to_numpy()[rows]
    res_new.append(moved)
    who = np.flatnonzero(ev == "start_sep")
    new = pp.other_street_mixed(pl.hukou[who], 0.5, t, rng)
    res_new.append(residence_frame(pid[who], new, when[who], rng, 0.05))
    hk = hk.assign(end=h_end, end_kind=h_kind, to_code=h_to, out_date=h_out)
    res = res.assign(end=r_end)
    return (pd.concat([hk, *hk_new], ignore_index=True),
            pd.concat([res, *res_new], ignore_index=True))


def _post_census_births(co: Cohort, pl: pp.Placement, pid: I64, t: Targets,
                        rng: np.random.Generator, first_pid: int
                        ) -> tuple[Cohort, npt.NDArray[np.bool_], pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # noqa: E501
    """Births after the census to census women by single-year ASFR (mothers stay put)."""
    n = len(pid)
    mothers: list[I64] = []
    dates: list[Dates] = []
    lo = np.datetime64(CENSUS + DAY)  # born on the census day would be a census resident
    women = ~co.male
    while lo <= END:
        hi = min(np.datetime64(shift_years(np.array([lo]), 1)[0], "D"), END + DAY)
        frac = int((hi - lo) / DAY) / 365.25
        age = completed_age(co.birth, lo)
        p = np.where(women & (age >= 15) & (age <= 49), t.asfr[np.clip(age, 0, 100)], 0) * frac
        has = rng.random(n) < p
        d = uniform_dates(np.full(n, lo), np.full(n, hi - DAY), rng)
        has &= np.isnat(co.death) | (co.death > d)
        mothers.append(np.flatnonzero(has))
        dates.append(d[has])
        lo = hi
    m = np.concatenate(mothers)
    birth = np.concatenate(dates)
    k = len(m)
    male = rng.random(k) < t.srb / (1 + t.srb)
    cpid = first_pid + np.arange(k, dtype=np.int64)
    hukou = pl.hukou[m]
    tj = hukou >= INSIDE_MIN
    origin = np.where(tj, hukou // 1000, hukou)
    hz = t.mx[0, np.where(male, 0, 1)]
    years = (END - birth).astype(np.int64) / 365.25
    dies = rng.random(k) < 1 - np.exp(-hz * np.minimum(years, 1) - t.mx[1, 0] * np.maximum(years - 1, 0))  # noqa: E501
    death = np.where(dies, uniform_dates(birth, np.full(k, END), rng), NAT)
    kids = Cohort("born", male, birth, death, origin, np.where(tj, 0, hukou), pl.residence[m],
                   birth.copy(), np.full(k, NAT))
    hk = hukou_frame(cpid[tj], hukou[tj], birth[tj], "birth")
    away = ~np.isnat(pl.since[m])
    res = residence_frame(cpid[away], pl.residence[m][away], birth[away], rng, 0.0)
    stayers = np.zeros(n, dtype=bool)
    stayers[m] = True
    place = np.where(away, pl.residence[m], hukou)
    births = pd.DataFrame({"child": cpid, "mother": pid[m], "place": place})
    return kids, stayers, hk, res, births


def simulate(n: int, seed: int, part: int, taken: I64 | None, jurisdiction: str
             ) -> SyntheticCity:
    """Generate the whole city of a jurisdiction (see module docstring). ``part`` > 0 draws an
    independent part of a larger city (its own random stream); ``taken`` are ID keys already
    used."""
    if n < 100:
        raise ValueError("persons must be at least 100")
    rng = np.random.default_rng(seed if part == 0 else [seed, part])
    t = targets(jurisdiction)
    p0, pl0, kid_mother = _census_population(n, rng, t, 0)
    pid0 = np.arange(n, dtype=np.int64)
    hk0, res0 = _p0_spells(p0, pl0, pid0, t, rng)
    p0.death[:] = deaths_between(t, p0.male, p0.birth, np.full(n, CENSUS + DAY), rng)
    nxt = n
    born, stayers, hk_b, res_b, births = _post_census_births(p0, pl0, pid0, t, rng, nxt)
    nxt += len(born.birth)
    hk0, res0 = _post_census_moves(p0, pl0, pid0, stayers, hk0, res0, t, rng)
    ghosts, hk_g, res_g = extra.ghosts(n, t, rng, nxt)
    nxt += len(ghosts.birth)
    arrivals, res_a = extra.arrivals(n, p0, pl0, t, rng, nxt)
    nxt += len(arrivals.birth)
    settlers, hk_s = extra.settlers(n, t, rng, nxt)
    nxt += len(settlers.birth)
    leavers, res_l = extra.leavers(n, p0, pl0, t, rng, nxt)
    cohorts = [p0, born, ghosts, arrivals, settlers, leavers]
    cat = lambda f: np.concatenate([getattr(c, f) for c in cohorts])  # noqa: E731
    male, birth, death = cat("male"), cat("birth"), cat("death")
    origin = cat("origin")
    ids = pp.unique_ids(origin, birth, male, rng, taken)
    names = pp.draw_names(male, rng)
    edu = pp.draw_education(completed_age(birth, CENSUS), rng)
    persons = pd.DataFrame({
        "pid": np.arange(len(male), dtype=np.int64), "id_number": ids, "name": names,
        "male": male, "birth": birth, "death": death, "outside_code": cat("outside"),
        "education": edu, "family": rng.random(len(male)) < 0.9,
        "cohort": np.concatenate([np.full(len(c.birth), c.name) for c in cohorts]),
        "home": cat("home"),
    })
    hukou = pd.concat([hk0, hk_b, hk_g, hk_s], ignore_index=True)
    residence = pd.concat([res0, res_b, res_g, res_a, res_l], ignore_index=True)
    # Before the census, births of today's young children; after it, the simulated ones.
    early = pd.DataFrame({"child": kid_mother[:, 0], "mother": kid_mother[:, 1]})
    home = cat("home")
    early["place"] = home[early["child"].to_numpy()]
    births = pd.concat([early, births], ignore_index=True)
    arrive, leave = cat("arrive"), cat("leave")
    employment, insurance = employment_spells(persons, home, arrive, leave, t, rng)
    school = school_spells(persons, home, arrive, leave, t, rng)
    marriage = marriages(persons, home, arrive, leave, n, rng)
    return SyntheticCity(
        persons=persons,
        hukou=hukou.sort_values(["pid", "start"], kind="stable").reset_index(drop=True),
        residence=residence.sort_values(["pid", "start"], kind="stable").reset_index(drop=True),
        employment=employment, insurance=insurance, school=school, marriage=marriage,
        births=births.sort_values("child", kind="stable").reset_index(drop=True),
        seed=seed, size=n, part=part, jurisdiction=t.key)
