"""True department rows of the synthetic city (部门原始记录): each feed of
docs/registry-contract.md as a frame of text columns with the Chinese headers, before dirt."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from renkou.registry.synth.activity import LEAVE_ZH, STAGES_ZH
from renkou.registry.synth.city import SyntheticCity
from renkou.registry.synth.dates import CENSUS, END, START, shift_years
from renkou.registry.synth.people import EDUCATION_ZH
from renkou.registry.synth.targets import targets
from renkou.registry.synth.truth import state_at

DAY = np.timedelta64(1, "D")
PERMITS_FROM = np.datetime64("2016-01-01", "D")

PREFIX = {"police_hukou": "HK", "police_residence": "RS", "health_birth": "BR",
          "health_death": "DT", "civil_marriage": "MR", "civil_funeral": "FN",
          "edu_school": "ED", "hrss_employment": "EM", "hrss_insurance": "SI",
          "stats_census": "CS"}

COLUMNS = {
    "police_hukou": ["记录编号", "公民身份号码", "姓名", "性别", "出生日期", "变动类型", "变动日期",
                     "户籍地行政区划代码", "迁入迁出地行政区划代码", "户口性质", "登记日期"],
    "police_residence": ["记录编号", "公民身份号码", "姓名", "性别", "出生日期", "业务类型",
                         "现居住地行政区划代码", "起始日期", "有效期至", "登记日期"],
    "health_birth": ["记录编号", "新生儿公民身份号码", "新生儿姓名", "性别", "出生日期",
                     "母亲公民身份号码", "父亲公民身份号码", "出生地行政区划代码", "登记日期"],
    "health_death": ["记录编号", "公民身份号码", "姓名", "性别", "出生日期", "死亡日期",
                     "死亡地行政区划代码", "登记日期"],
    "civil_marriage": ["记录编号", "登记类型", "男方公民身份号码", "女方公民身份号码", "登记日期",
                       "登记机关行政区划代码"],
    "civil_funeral": ["记录编号", "公民身份号码", "姓名", "死亡日期", "火化日期",
                      "殡仪馆行政区划代码", "登记日期"],
    "edu_school": ["记录编号", "公民身份号码", "姓名", "学段", "学校所在地行政区划代码", "入学日期",
                   "离校日期", "离校类型", "登记日期"],
    "hrss_employment": ["记录编号", "公民身份号码", "姓名", "单位所在地行政区划代码", "就业登记日期",  # noqa: E501
                        "终止日期", "登记日期"],
    "hrss_insurance": ["记录编号", "公民身份号码", "参保地行政区划代码", "险种", "缴费起始月",
                       "缴费截止月", "登记日期"],
    "stats_census": ["记录编号", "普查类型", "标准时点", "公民身份号码", "姓名", "性别", "出生日期",
                     "现住地行政区划代码", "户口登记地行政区划代码", "离开户口登记地时间", "受教育程度",  # noqa: E501
                     "城乡", "登记日期"],
}


def text(arr: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """An Arrow string array as a pandas column without copying (building text columns from
    NumPy arrays is the slowest step of writing large feeds)."""
    return pd.array(arr, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def ds(d: npt.ArrayLike) -> pd.api.extensions.ExtensionArray:
    """YYYY-MM-DD text, empty for NaT (formatted by Arrow)."""
    arr = pa.array(np.asarray(d, dtype="datetime64[D]"), type=pa.date32(), from_pandas=True)
    return text(pc.fill_null(pc.cast(arr, pa.string()), ""))


def ms(m: npt.NDArray[np.int64]) -> pd.api.extensions.ExtensionArray:
    """YYYY-MM text of a month index."""
    first = np.asarray(m, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]")
    return text(pc.utf8_slice_codeunits(pc.cast(pa.array(first, type=pa.date32()), pa.string()),
                                        0, 7))


def cs(code: npt.NDArray[np.int64], blank_zero: bool = False) -> pd.api.extensions.ExtensionArray:
    """Division codes as text (0 → empty when ``blank_zero``)."""
    arr = pc.cast(pa.array(np.asarray(code, dtype=np.int64)), pa.string())
    if blank_zero:
        arr = pc.if_else(pc.equal(pa.array(np.asarray(code, dtype=np.int64)), 0), "", arr)
    return text(arr)


def _d(s: pd.Series) -> npt.NDArray[np.datetime64]:
    return np.asarray(s.to_numpy().astype("datetime64[D]"))


def _lag(d: npt.NDArray[np.datetime64], lo: int, hi: int,
         rng: np.random.Generator) -> npt.NDArray[np.datetime64]:
    """Record date: the event date plus a delay of lo…hi days, never after 2024-12-31."""
    return np.minimum(d + rng.integers(lo, hi + 1, len(d)).astype("timedelta64[D]"), END)


class _People:
    """Per-person text columns, looked up by pid."""

    def __init__(self, city: SyntheticCity) -> None:
        p = city.persons
        self.id = text(pa.array(p["id_number"].to_numpy(), type=pa.string()))
        self.name = text(pa.array(p["name"].to_numpy(), type=pa.string()))
        self.sex = text(pa.array(np.where(p["male"].to_numpy(), "男", "女"), type=pa.string()))
        self.birth = ds(_d(p["birth"]))
        self.death = _d(p["death"])
        self.family = text(pa.array(np.where(p["family"].to_numpy(), "家庭户", "集体户"),
                                    type=pa.string()))
        self.home = p["home"].to_numpy()


def _hukou_rows(city: SyntheticCity, pe: _People, rng: np.random.Generator) -> pd.DataFrame:
    h = city.hukou
    pid, code = h["pid"].to_numpy(), h["code"].to_numpy()
    start, end, out = _d(h["start"]), _d(h["end"]), _d(h["out_date"])
    kind = h["start_kind"].to_numpy().astype(str)
    parts = []
    zh = np.select([kind == "register", kind == "birth"], ["户籍登记", "出生登记"], "迁入")
    rec = np.where(kind == "register", start,
                   np.where(kind == "birth", _lag(start, 1, 40, rng), _lag(start, 0, 5, rng)))
    other = np.where(kind == "in", h["from_code"].to_numpy(), 0)
    parts.append((pid, zh, start, code, other, rec))
    ek = h["end_kind"].to_numpy().astype(str)
    m = ek != ""
    when = np.where(ek == "move", out, end)[m]
    parts.append((pid[m], np.full(m.sum(), "迁出"), when, code[m],
                  h["to_code"].to_numpy()[m], _lag(when, 0, 3, rng)))
    # 死亡注销 for deaths while the hukou spell was current.
    death = pe.death[pid]
    m = ~np.isnat(death) & (death <= END) & (start <= death) & (np.isnat(end) | (end > death))
    parts.append((pid[m], np.full(m.sum(), "死亡注销"), death[m], code[m],
                  np.zeros(m.sum(), np.int64), _lag(death[m], 1, 30, rng)))
    p_, z_, d_, c_, o_, r_ = (np.concatenate([x[i] for x in parts]) for i in range(6))
    return pd.DataFrame({"公民身份号码": pe.id[p_], "姓名": pe.name[p_], "性别": pe.sex[p_],
                         "出生日期": pe.birth[p_], "变动类型": z_, "变动日期": ds(d_),
                         "户籍地行政区划代码": cs(c_), "迁入迁出地行政区划代码": cs(o_, True),
                         "户口性质": pe.family[p_], "登记日期": ds(r_), "_pid": p_})


def _residence_rows(city: SyntheticCity, pe: _People, rng: np.random.Generator) -> pd.DataFrame:
    r = city.residence
    pid = r["pid"].to_numpy()
    comm = r["community"].to_numpy()
    code = np.where(comm > 0, r["code"].to_numpy() * 1000 + comm, r["code"].to_numpy())
    start, end = _d(r["start"]), _d(r["end"])
    death = pe.death[pid]
    limit = np.minimum(np.where(np.isnat(end), END + DAY, end),
                       np.where(np.isnat(death), END + DAY, death))
    nat = np.full(len(pid), np.datetime64("NaT"), dtype="datetime64[D]")
    parts = [(np.arange(len(pid)), np.full(len(pid), "居住登记"), start, nat,
              _lag(start, 0, 10, rng))]
    # 居住证 exist since 2016 (《居住证暂行条例》); holders renew before expiry every year.
    issue = np.maximum(start + rng.integers(180, 271, len(pid)).astype("timedelta64[D]"),
                       PERMITS_FROM + rng.integers(0, 366, len(pid)).astype("timedelta64[D]"))
    m = r["permit"].to_numpy() & (issue < limit)
    idx = np.flatnonzero(m)
    parts.append((idx, np.full(len(idx), "居住证签发"), issue[idx],
                  shift_years(issue[idx], 1) - DAY, issue[idx]))
    for k in range(1, 20):
        renew = shift_years(issue[idx], k) - 15 * DAY
        ok = renew < limit[idx]
        if not ok.any():
            break
        j = idx[ok]
        parts.append((j, np.full(len(j), "居住证续签"), renew[ok],
                      shift_years(issue[j], k + 1) - DAY, renew[ok]))
    m = ~np.isnat(end)
    idx = np.flatnonzero(m)
    parts.append((idx, np.full(len(idx), "居住注销"), end[idx], nat[idx],
                  _lag(end[idx], 0, 5, rng)))
    i_, z_, s_, v_, r_ = (np.concatenate([x[i] for x in parts]) for i in range(5))
    p_ = pid[i_]
    return pd.DataFrame({"公民身份号码": pe.id[p_], "姓名": pe.name[p_], "性别": pe.sex[p_],
                         "出生日期": pe.birth[p_], "业务类型": z_,
                         "现居住地行政区划代码": cs(code[i_]),
                         "起始日期": ds(s_), "有效期至": ds(v_), "登记日期": ds(r_), "_pid": p_})


def _vital_rows(city: SyntheticCity, pe: _People, rng: np.random.Generator
                ) -> dict[str, pd.DataFrame]:
    b = city.births
    c, m = b["child"].to_numpy(), b["mother"].to_numpy()
    bd = _d(city.persons["birth"])[c]
    # The father is known when the mother married (in these records) before the birth.
    wed = city.marriage[city.marriage["kind"] == "结婚"]
    husband = pd.Series(wed["man"].to_numpy(), index=wed["woman"].to_numpy())
    wed_on = pd.Series(_d(wed["date"]), index=wed["woman"].to_numpy())
    f = husband.reindex(m).to_numpy()
    known = ~np.isnan(f) & (wed_on.reindex(m).to_numpy().astype("datetime64[D]") < bd)
    father = np.where(known, np.asarray(pe.id[np.where(known, f, 0).astype(np.int64)]), "")
    births = pd.DataFrame({"新生儿公民身份号码": pe.id[c], "新生儿姓名": pe.name[c],
                           "性别": pe.sex[c], "出生日期": ds(bd), "母亲公民身份号码": pe.id[m],
                           "父亲公民身份号码": father,
                           "出生地行政区划代码": cs(b["place"].to_numpy()),
                           "登记日期": ds(_lag(bd, 0, 7, rng)), "_pid": c})
    dead = np.flatnonzero(~np.isnat(pe.death) & (pe.death >= START) & (pe.death <= END))
    dd = pe.death[dead]
    deaths = pd.DataFrame({"公民身份号码": pe.id[dead], "姓名": pe.name[dead], "性别": pe.sex[dead],
                           "出生日期": pe.birth[dead], "死亡日期": ds(dd),
                           "死亡地行政区划代码": cs(pe.home[dead]),
                           "登记日期": ds(_lag(dd, 0, 10, rng)), "_pid": dead})
    cremation = dd + rng.integers(1, 6, len(dead)).astype("timedelta64[D]")
    keep = (rng.random(len(dead)) < 0.95) & (cremation <= END)
    fu = dead[keep]
    funeral = pd.DataFrame({"公民身份号码": pe.id[fu], "姓名": pe.name[fu], "死亡日期": ds(dd[keep]),  # noqa: E501
                            "火化日期": ds(cremation[keep]),
                            "殡仪馆行政区划代码": cs(pe.home[fu] // 1000),
                            "登记日期": ds(cremation[keep]), "_pid": fu})
    mr = city.marriage
    man, woman = mr["man"].to_numpy(), mr["woman"].to_numpy()
    marriage = pd.DataFrame({"登记类型": mr["kind"].to_numpy().astype(str),
                             "男方公民身份号码": pe.id[man], "女方公民身份号码": pe.id[woman],
                             "登记日期": ds(_d(mr["date"])),
                             "登记机关行政区划代码": cs(mr["code"].to_numpy()),
                             "_pid": man})
    return {"health_birth": births, "health_death": deaths, "civil_funeral": funeral,
            "civil_marriage": marriage}


def _activity_rows(city: SyntheticCity, pe: _People, rng: np.random.Generator
                   ) -> dict[str, pd.DataFrame]:
    s = city.school
    pid = s["pid"].to_numpy()
    st, en = _d(s["start"]), _d(s["end"])
    lk = s["leave_kind"].to_numpy()
    school = pd.DataFrame({
        "公民身份号码": pe.id[pid], "姓名": pe.name[pid],
        "学段": np.array(STAGES_ZH)[s["stage"].to_numpy()],
        "学校所在地行政区划代码": cs(s["code"].to_numpy()), "入学日期": ds(st),
        "离校日期": ds(en), "离校类型": np.where(lk >= 0, np.array(LEAVE_ZH)[np.maximum(lk, 0)], ""),  # noqa: E501
        "登记日期": ds(np.where(np.isnat(en), _lag(st, 0, 20, rng), en)), "_pid": pid})
    e = city.employment[city.employment["registered"]]
    pid = e["pid"].to_numpy()
    st, en = _d(e["start"]), _d(e["end"])
    employment = pd.DataFrame({
        "公民身份号码": pe.id[pid], "姓名": pe.name[pid],
        "单位所在地行政区划代码": cs(e["code"].to_numpy()), "就业登记日期": ds(st),
        "终止日期": ds(en), "登记日期": ds(np.where(np.isnat(en), _lag(st, 0, 20, rng), en)),
        "_pid": pid})
    i = city.insurance
    pid = i["pid"].to_numpy()
    end_m = i["end_month"].to_numpy()
    last_day = (end_m + 1).astype("datetime64[M]").astype("datetime64[D]") - DAY
    insurance = pd.DataFrame({
        "公民身份号码": pe.id[pid], "参保地行政区划代码": cs(i["code"].to_numpy()),
        "险种": np.array(["职工养老", "职工医疗", "城乡居民养老"])[i["scheme"].to_numpy()],
        "缴费起始月": ms(i["start_month"].to_numpy()), "缴费截止月": ms(end_m),
        "登记日期": ds(np.minimum(last_day, END)), "_pid": pid})
    return {"edu_school": school, "hrss_employment": employment, "hrss_insurance": insurance}


def _census_rows(city: SyntheticCity, pe: _People, as_of: str, survey: str, share: float,
                 rng: np.random.Generator) -> pd.DataFrame:
    d = np.datetime64(as_of, "D")
    st = state_at(city, as_of)
    st = st[(st["hukou"] != 0) | (st["residence"] != 0)]
    if share < 1:
        st = st[rng.random(len(st)) < share]
    pid = st.index.to_numpy()
    res, comm, hk = st["residence"].to_numpy(), st["community"].to_numpy(), st["hukou"].to_numpy()
    street = np.where(res != 0, res, hk)
    here = cs(np.where(comm > 0, street * 1000 + comm, street))
    outside = city.persons["outside_code"].to_numpy()[pid]
    if ((hk == 0) & (outside == 0)).any():
        raise AssertionError("a person without any hukou place in the synthetic truth")
    hukou = cs(np.where(hk != 0, hk, outside))
    since = st["since"].to_numpy().astype("datetime64[D]")
    cutoff = np.datetime64(str(pd.Timestamp(as_of) - pd.DateOffset(months=6))[:10], "D")
    away = np.select([res == 0, since > cutoff], ["未离开", "不满半年"], "半年以上")
    edu = city.persons["education"].to_numpy()[pid]
    urban = {s.code: s.urban for s in targets(city.jurisdiction).streets}
    is_urban = np.array([urban.get(int(c), True) for c in street])
    return pd.DataFrame({
        "普查类型": survey, "标准时点": as_of, "公民身份号码": pe.id[pid], "姓名": pe.name[pid],
        "性别": pe.sex[pid], "出生日期": pe.birth[pid], "现住地行政区划代码": here,
        "户口登记地行政区划代码": hukou, "离开户口登记地时间": away,
        "受教育程度": np.where(edu >= 0, np.array(EDUCATION_ZH)[np.maximum(edu, 0)], ""),
        "城乡": np.where(is_urban, "城镇", "乡村"),
        "登记日期": ds(d + rng.integers(1, 61, len(pid)).astype("timedelta64[D]")), "_pid": pid})


def true_rows(city: SyntheticCity, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Every feed's true rows with 记录编号 assigned (plus an internal ``_pid`` column)."""
    pe = _People(city)
    out: dict[str, pd.DataFrame] = {
        "police_hukou": _hukou_rows(city, pe, rng),
        "police_residence": _residence_rows(city, pe, rng),
        **_vital_rows(city, pe, rng),
        **_activity_rows(city, pe, rng),
        "stats_census": pd.concat([
            _census_rows(city, pe, "2015-11-01", "1%抽样调查", 0.01, rng),
            _census_rows(city, pe, str(CENSUS), "人口普查", 1.0, rng)], ignore_index=True),
    }
    for key, df in out.items():
        df = df.sort_values(["登记日期", "_pid"], kind="stable").reset_index(drop=True)
        n = len(df)
        head = PREFIX[key] + (f"{city.part:02d}" if city.part else "")
        num = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), 9, "0")
        rid = text(pc.binary_join_element_wise(head, num, ""))
        df.insert(0, "记录编号", pd.Series(rid, index=df.index))
        out[key] = df[[*COLUMNS[key], "_pid"]]
    return out
