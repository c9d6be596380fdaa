"""True statistical calibers of the synthetic city (真实口径): 户籍人口, 常住人口, 就业人口,
实际活动人口 and 人户分离 at a reference date, computed from the generator's own people with
the rules of docs/registry-contract.md — never from the feeds or the registry. Regions are the
jurisdiction's areas: districts and counties of a city, 街镇 of a district deployment."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.registry.synth.city import SyntheticCity
from renkou.registry.synth.dates import completed_age, month_index, six_months_before
from renkou.registry.synth.targets import INSIDE_MIN, targets
from renkou.types import OPEN_AGE

TRUTH_DATES = ("2020-11-01", "2024-12-31")
CALIBERS = ("hukou", "resident", "employed", "active")


def _d(s: pd.Series) -> npt.NDArray[np.datetime64]:
    return np.asarray(s.to_numpy().astype("datetime64[D]"))


def _at(frame: pd.DataFrame, d: np.datetime64) -> pd.DataFrame:
    """Spells current at ``d``: start <= d < end (end exclusive, NaT = open)."""
    start, end = _d(frame["start"]), _d(frame["end"])
    cur = frame[(start <= d) & (np.isnat(end) | (end > d))]
    if cur["pid"].duplicated().any():
        raise AssertionError("overlapping spells in the synthetic truth")
    return cur


def state_at(city: SyntheticCity, as_of: str) -> pd.DataFrame:
    """One row per person alive at ``as_of``: sex, age, hukou street (0 = none in the
    jurisdiction), residence street (0 = no current record), spell start and the resident
    street (0 = not a resident of the jurisdiction), indexed by pid."""
    d = np.datetime64(as_of, "D")
    p = city.persons
    birth, death = _d(p["birth"]), _d(p["death"])
    alive = (birth <= d) & (np.isnat(death) | (death > d))
    st = pd.DataFrame({"male": p["male"].to_numpy()[alive],
                       "age": np.minimum(completed_age(birth[alive], d), OPEN_AGE)},
                      index=p["pid"].to_numpy()[alive])
    hk = _at(city.hukou, d)
    st["hukou"] = hk.set_index("pid")["code"].reindex(st.index).fillna(0).astype(np.int64)
    st.loc[st["hukou"] < INSIDE_MIN, "hukou"] = 0
    res = _at(city.residence, d).set_index("pid")
    st["residence"] = res["code"].reindex(st.index).fillna(0).astype(np.int64)
    st["community"] = res["community"].reindex(st.index).fillna(0).astype(np.int64)
    st["since"] = res["start"].reindex(st.index).to_numpy().astype("datetime64[D]")
    cutoff = six_months_before(d)
    h, r = st["hukou"].to_numpy(), st["residence"].to_numpy()
    since = st["since"].to_numpy().astype("datetime64[D]")
    long_away = (r != 0) & (since <= cutoff)
    st["resident"] = np.select([r == 0, r == h, long_away, h != 0], [h, r, r, h], 0)
    st["away_long"] = (r != 0) & (r != h) & long_away
    return st


def employed_at(city: SyntheticCity, as_of: str, st: pd.DataFrame) -> pd.Series:
    """Area of employment per alive person (registration first, else insurance; insurance
    names a county only, so it locates nobody when the areas are 街镇)."""
    t = targets(city.jurisdiction)
    d = np.datetime64(as_of, "D")
    e = city.employment[city.employment["registered"]]
    start, end = _d(e["start"]), _d(e["end"])
    cur = e[(start <= d) & (np.isnat(end) | (end >= d))]
    by_reg = pd.Series(t.area_of(cur["code"].to_numpy()), index=cur["pid"].to_numpy())
    ins = city.insurance
    m = int(month_index(np.array([d]))[0])
    ic = ins[(ins["scheme"] <= 1) & (ins["start_month"] <= m) & (ins["end_month"] >= m)]
    ic = ic.sort_values(["pid", "start_month"], kind="stable").drop_duplicates("pid", keep="last")
    by_ins = ic.set_index("pid")["code"]
    out = by_reg.combine_first(by_ins)
    if t.street_level:
        out = out[out >= INSIDE_MIN]
    return out[out.index.isin(st.index)]


def active_at(city: SyntheticCity, as_of: str, st: pd.DataFrame) -> pd.DataFrame:
    """(pid, district) pairs of the 实际活动人口 over the six months up to ``as_of`` (the
    column ``district`` holds the area)."""
    t = targets(city.jurisdiction)
    d = np.datetime64(as_of, "D")
    w0 = six_months_before(d)
    parts = []
    loc = np.where(st["residence"] != 0, st["residence"], st["hukou"])
    parts.append(pd.DataFrame({"pid": st.index.to_numpy(), "district": t.area_of(loc)})[loc != 0])
    r = city.residence
    s, e = _d(r["start"]), _d(r["end"])
    rr = r[(s <= d) & (np.isnat(e) | (e > w0))]
    parts.append(pd.DataFrame({"pid": rr["pid"], "district": t.area_of(rr["code"].to_numpy())}))
    for frame in (city.employment[city.employment["registered"]], city.school):
        s, e = _d(frame["start"]), _d(frame["end"])
        ff = frame[(s <= d) & (np.isnat(e) | (e >= w0))]
        parts.append(pd.DataFrame({"pid": ff["pid"],
                                   "district": t.area_of(ff["code"].to_numpy())}))
    ins = city.insurance
    m, m0 = (int(x) for x in month_index(np.array([d, w0])))
    ii = ins[(ins["start_month"] <= m) & (ins["end_month"] >= m0)]
    if not t.street_level:  # insurance names a county, not a 街镇
        parts.append(pd.DataFrame({"pid": ii["pid"], "district": ii["code"]}))
    act = pd.concat(parts, ignore_index=True).drop_duplicates()
    return act[act["pid"].isin(st.index)]


def _count(pid: npt.NDArray[np.int64], district: npt.NDArray[np.int64], st: pd.DataFrame,
           as_of: str, caliber: str) -> pd.DataFrame:
    who = st.loc[pid]
    df = pd.DataFrame({"region": district.astype(str),
                       "sex": np.where(who["male"].to_numpy(), "male", "female"),
                       "age": who["age"].to_numpy()})
    out = df.groupby(["region", "sex", "age"], sort=True).size().rename("value").reset_index()
    out.insert(0, "caliber", caliber)
    out.insert(0, "as_of", as_of)
    return out


def calibers_at(city: SyntheticCity, as_of: str) -> pd.DataFrame:
    """``as_of, caliber, region, sex, age, value`` by area for the four calibers."""
    t = targets(city.jurisdiction)
    st = state_at(city, as_of)
    hk = st[st["hukou"] != 0]
    rs = st[st["resident"] != 0]
    emp = employed_at(city, as_of, st)
    act = active_at(city, as_of, st)
    frames = [
        _count(hk.index.to_numpy(), t.area_of(hk["hukou"].to_numpy()), st, as_of, "hukou"),
        _count(rs.index.to_numpy(), t.area_of(rs["resident"].to_numpy()), st, as_of,
               "resident"),
        _count(emp.index.to_numpy(), emp.to_numpy().astype(np.int64), st, as_of, "employed"),
        _count(act["pid"].to_numpy(), act["district"].to_numpy(), st, as_of, "active"),
    ]
    return pd.concat(frames, ignore_index=True)


def truth_calibers(city: SyntheticCity) -> pd.DataFrame:
    """The truth file's rows for both reference dates, in a stable order."""
    return pd.concat([calibers_at(city, d) for d in TRUTH_DATES], ignore_index=True)


def separation_at(city: SyntheticCity, as_of: str) -> pd.DataFrame:
    """人户分离 at street level by residence area and kind (same_district,
    other_district, outside_city)."""
    t = targets(city.jurisdiction)
    st = state_at(city, as_of)
    sep = st[st["away_long"]]
    h, r = sep["hukou"].to_numpy(), sep["residence"].to_numpy()
    kind = np.select([h == 0, h // 1000 == r // 1000], ["outside_city", "same_district"],
                     "other_district")
    df = pd.DataFrame({"region": t.area_of(r).astype(str), "kind": kind})
    out = df.groupby(["region", "kind"], sort=True).size().rename("value").reset_index()
    out.insert(0, "as_of", as_of)
    return out
