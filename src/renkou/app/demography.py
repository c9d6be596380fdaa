"""The demographer's toolbox (人口学工具): rates by area from a registry, life tables and
Lee–Carter fits from a file of death rates, and age-data quality of a registry population.

The numerics are :mod:`renkou.demography`; here are the tables in and out. Every output is a
long table (one value per row) so that areas, sexes and ages of any number fit one file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from renkou.demography import agequality
from renkou.demography import rates as r
from renkou.demography.lifetable import A0_ALIASES, A0_RULES, SEX_ALIASES, A0Rule, life_table
from renkou.errors import InputError
from renkou.registry import Registry
from renkou.tables import sheet_row
from renkou.types import OPEN_AGE, FloatArray

LEVELS = ("city", "district", "street")
CALIBERS = ("resident", "hukou")
SEXES = ("male", "female")
FERTILE = (15, 49)
RATE_COLUMNS = ["region", "indicator", "sex", "age", "value"]
LIFE_TABLE_COLUMNS = ["sex", "age", "mx", "qx", "ax", "lx", "dx", "Lx", "Tx", "ex"]
RADIX = 100_000.0


# -- registry counts as arrays ----------------------------------------------------------------
def _by_region(df: pd.DataFrame, regions: list[str], age_col: str | None = "age",
               sexed: bool = True) -> FloatArray:
    """(R, 2, A) counts (or (R, A) without sex, (R, 2) without age) from a registry frame."""
    shape: tuple[int, ...] = (len(regions),)
    if sexed:
        shape += (2,)
    if age_col is not None:
        shape += (OPEN_AGE + 1,)
    out = np.zeros(shape)
    if df.empty:
        return out
    index = {code: i for i, code in enumerate(regions)}
    keep = df["region"].astype(str).isin(index)
    if age_col is not None:
        keep &= df[age_col].notna()
    d = df[keep]
    idx: list[np.ndarray] = [d["region"].astype(str).map(index).to_numpy()]
    if sexed:
        idx.append(d["sex"].map({"male": 0, "female": 1}).to_numpy())
    if age_col is not None:
        idx.append(np.minimum(d[age_col].astype(int).to_numpy(), OPEN_AGE))
    np.add.at(out, tuple(idx), d["value"].astype(float).to_numpy())
    return out


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise InputError(f"--level 应为 {' / '.join(LEVELS)}，而不是 {level!r}", column="--level")


def _check_caliber(caliber: str) -> None:
    if caliber not in CALIBERS:
        raise InputError(f"--caliber 应为 {' / '.join(CALIBERS)}，而不是 {caliber!r}",
                         column="--caliber")


def _check_through(registry: Registry, needed: dt.date) -> None:
    through = registry.data_through()
    if through is None:
        raise InputError("数据库中没有数据")
    if needed > through:
        raise InputError(f"库内数据截至{through:%Y年%m月%d日}，{needed:%Y年%m月%d日}的数值无法计算")


def _rows(region: str, indicator: str, values: FloatArray | float, *, sex: str = "",
          ages: range | None = None) -> Iterator[tuple[str, str, str, str, float]]:
    if ages is None:
        yield region, indicator, sex, "", float(values)
        return
    for a, v in zip(ages, np.asarray(values), strict=True):
        if np.isfinite(v):
            yield region, indicator, sex, str(a), float(v)


# -- rates by area ----------------------------------------------------------------------------
def registry_rates(registry: Registry, year: int, level: str = "district",
                   caliber: str = "resident") -> pd.DataFrame:
    """Rates of calendar ``year`` for every area of ``level`` (RATE_COLUMNS).

    Exposure is the mean of the populations at 31 December of the year before and of the
    year (年平均人口). ASFR: births by mother's completed age ÷ women of that age, births to
    mothers under 15 counted at 15 and over 49 at 49 (births with no mother's age enter TFR
    only through the others' pattern: they are left out). TFR = Σ ASFR 15–49; mx = deaths ÷
    exposure by sex and single age (100 = 100+); IMR = deaths under one ÷ births × 1000;
    SRB = male ÷ female births × 100; crude rates per 1000 of the exposure."""
    _check_level(level)
    _check_caliber(caliber)
    end = dt.date(year, 12, 31)
    _check_through(registry, end)
    start_pop = registry.caliber(dt.date(year - 1, 12, 31), caliber, level=level)
    end_pop = registry.caliber(end, caliber, level=level)
    flow = "all" if caliber == "resident" else "hukou"
    births = registry.births(dt.date(year, 1, 1), end, level=level, caliber=flow)
    deaths = registry.deaths(dt.date(year, 1, 1), end, level=level, caliber=flow)
    regions = sorted(set(start_pop["region"].astype(str)) | set(end_pop["region"].astype(str)))
    if not regions:
        raise InputError(f"{year} 年没有{'常住' if caliber == 'resident' else '户籍'}人口数据")
    p0, p1 = _by_region(start_pop, regions), _by_region(end_pop, regions)
    exposure = (p0 + p1) / 2.0
    b_age = _by_region(births, regions, age_col="mother_age", sexed=False)
    b_sex = _by_region(births, regions, age_col=None)
    d = _by_region(deaths, regions)
    lo, hi = FERTILE
    b_fert = b_age[:, lo:hi + 1].copy()
    b_fert[:, 0] += b_age[:, :lo].sum(axis=1)
    b_fert[:, -1] += b_age[:, hi + 1:].sum(axis=1)
    asfr = r.age_specific_fertility_rates(b_fert, exposure[:, 1, lo:hi + 1])
    tfr = r.total_fertility_rate(np.nan_to_num(asfr))
    mx = r.age_specific_death_rates(d, exposure)
    total_births = b_sex.sum(axis=1)
    imr = r.infant_mortality_rate(d[:, :, 0].sum(axis=1), total_births)
    srb = r.sex_ratio_at_birth(b_sex[:, 0], b_sex[:, 1])
    t0, t1 = p0.sum(axis=(1, 2)), p1.sum(axis=(1, 2))
    deaths_total = d.sum(axis=(1, 2))
    rows: list[tuple[str, str, str, str, float]] = []
    fert_ages = range(lo, hi + 1)
    all_ages = range(OPEN_AGE + 1)
    for i, code in enumerate(regions):
        rows += _rows(code, "population_start", t0[i])
        rows += _rows(code, "population_end", t1[i])
        rows += _rows(code, "births", total_births[i])
        rows += _rows(code, "deaths", deaths_total[i])
        rows += _rows(code, "cbr", r.crude_birth_rate(total_births[i], t0[i], t1[i]))
        rows += _rows(code, "cdr", r.crude_death_rate(deaths_total[i], t0[i], t1[i]))
        rows += _rows(code, "natural_growth_rate",
                      r.natural_growth_rate(total_births[i], deaths_total[i], t0[i], t1[i]))
        rows += _rows(code, "tfr", tfr[i] if exposure[i, 1, lo:hi + 1].sum() > 0 else np.nan)
        rows += _rows(code, "srb", srb[i])
        rows += _rows(code, "imr", imr[i])
        rows += _rows(code, "asfr", asfr[i], sex="female", ages=fert_ages)
        for s, sex in enumerate(SEXES):
            rows += _rows(code, "mx", mx[i, s], sex=sex, ages=all_ages)
    out = pd.DataFrame(rows, columns=RATE_COLUMNS)
    return out[out["value"].map(np.isfinite)].reset_index(drop=True)


# -- life tables ------------------------------------------------------------------------------
def _numeric(df: pd.DataFrame, column: str, label: str, *, integer: bool = False
             ) -> FloatArray:
    text = df[column].astype(str).str.strip()
    if column == "age":
        text = text.str.replace(r"(\+|岁(以上)?|及以上)$", "", regex=True)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if integer:
        bad |= np.isfinite(values) & (values != np.round(values))
    if bad.any():
        i = int(np.argmax(bad))
        what = "应为整数" if integer else "不是有效数字"
        raise InputError(f"{what}：{df[column].iloc[i]!s}", file=label, row=sheet_row(i),
                         column=column)
    return values


def _sex_name(value: str, label: str, row: int) -> str:
    v = str(value).strip().lower()
    sex = SEX_ALIASES.get(v, v)
    if sex not in ("male", "female", "total"):
        raise InputError(f"性别应为 male、female 或 total（男、女、合计），而不是 {value!r}",
                         file=label, row=sheet_row(row), column="sex")
    return sex


def mortality_frame(df: pd.DataFrame, label: str, keys: tuple[str, ...] = ("sex", "age")
                    ) -> pd.DataFrame:
    """A death-rate table checked: columns ``keys`` and ``mx`` numeric, sex normalised, no
    key twice, rates finite and not negative. Other columns are kept as grouping keys."""
    missing = [c for c in (*keys, "mx") if c not in df.columns]
    if missing:
        raise InputError(f"缺少列：{', '.join(missing)}（需要 {', '.join((*keys, 'mx'))}）",
                         file=label)
    if df.empty:
        raise InputError("表中没有数据行", file=label)
    out = df.copy()
    out["sex"] = [_sex_name(v, label, i) for i, v in enumerate(df["sex"])]
    out["age"] = _numeric(df, "age", label, integer=True).astype(np.int64)
    if "year" in keys:
        out["year"] = _numeric(df, "year", label, integer=True).astype(np.int64)
    out["mx"] = _numeric(df, "mx", label)
    if (out["mx"] < 0).any():
        i = int(np.argmax((out["mx"] < 0).to_numpy()))
        raise InputError(f"死亡率不能为负数：{df['mx'].iloc[i]}", file=label,
                         row=sheet_row(i), column="mx")
    groups = [c for c in out.columns if c not in (*keys, "mx")]
    dup = out.duplicated([*groups, *keys], keep=False).to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise InputError("重复的记录（" + "，".join(f"{k}={out[k].iloc[i]}" for k in keys)
                         + "）", file=label, row=sheet_row(i))
    return out


def _table_kind(ages: np.ndarray) -> str | None:
    if np.array_equal(ages, np.arange(ages.size)):
        return "complete"
    if ages.size >= 3 and np.array_equal(ages, [0, 1, *range(5, 5 * (ages.size - 1), 5)]):
        return "abridged"
    return None


def resolve_a0_rule(rule: str) -> A0Rule:
    name = A0_ALIASES.get(rule.strip().lower(), rule.strip().lower())
    if name not in A0_RULES:
        raise InputError(f"a0 规则应为 {' / '.join(A0_RULES)}，而不是 {rule!r}", column="--a0-rule")
    return name  # type: ignore[return-value]


def _groups(df: pd.DataFrame, keys: list[str]) -> Iterator[tuple[tuple[object, ...], pd.DataFrame]]:
    if not keys:
        yield (), df
        return
    for key, g in df.groupby(keys, sort=False):
        yield (key if isinstance(key, tuple) else (key,)), g


def life_tables(df: pd.DataFrame, label: str, a0_rule: str = "andreev-kingkade",
                radix: float = RADIX) -> pd.DataFrame:
    """One life table per sex (and per value of any other column, such as region or year):
    complete for ages 0, 1, 2, …, abridged for 0, 1, 5, 10, …; the last age is open."""
    rule = resolve_a0_rule(a0_rule)
    data = mortality_frame(df, label)
    groups = [c for c in data.columns if c not in ("sex", "age", "mx")]
    parts: list[pd.DataFrame] = []
    for key, g in _groups(data, [*groups, "sex"]):
        g = g.sort_values("age")
        ages = g["age"].to_numpy()
        where = "，".join(f"{k}={v}" for k, v in zip([*groups, "sex"], key, strict=True))
        if _table_kind(ages) is None:
            raise InputError(f"{where} 的年龄应为 0、1、2 …（完全生命表）或 0、1、5、10 …"
                             f"（简略生命表），实际为 {', '.join(map(str, ages[:8]))} …",
                             file=label, column="age")
        mx = g["mx"].to_numpy()
        if mx[-1] <= 0:
            raise InputError(f"{where} 的最高年龄组（{ages[-1]}+）死亡率须大于 0", file=label,
                             column="mx")
        t = life_table(mx, ages, sex=str(key[-1]), a0_rule=rule,  # type: ignore[arg-type]
                       radix=radix)
        part = pd.DataFrame({"sex": key[-1], "age": ages, "mx": mx, "qx": t.qx, "ax": t.ax,
                             "lx": t.lx, "dx": t.dx, "Lx": t.Lx, "Tx": t.Tx, "ex": t.ex})
        for k, v in zip(groups, key[:-1], strict=True):
            part.insert(groups.index(k), k, [v] * len(part))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


# -- age-data quality -------------------------------------------------------------------------
QUALITY_COLUMNS = ["region", "measure", "sex", "age", "value"]


def age_quality(registry: Registry, as_of: dt.date, caliber: str = "resident",
                level: str = "district") -> pd.DataFrame:
    """Whipple (0/5 and 0), Myers, age ratios, sex ratios by 5-year group and the UN
    age–sex accuracy index, for the jurisdiction as a whole and each area of ``level``."""
    _check_level(level)
    _check_caliber(caliber)
    _check_through(registry, as_of)
    whole = registry.caliber(as_of, caliber, level="city")
    parts = [whole] if level == "city" else [whole, registry.caliber(as_of, caliber, level=level)]
    rows: list[tuple[str, str, str, str, float]] = []
    ages = range(OPEN_AGE + 1)
    for df in parts:
        regions = sorted(set(df["region"].astype(str)))
        counts = _by_region(df, regions)
        both = counts.sum(axis=1)
        groups = agequality.group_five(counts)  # (R, 2, 21): 0–4 … 95–99, 100+
        with np.errstate(divide="ignore", invalid="ignore"):
            whipple = agequality.whipple_index(both, ages)
            whipple0 = agequality.whipple_index(both, ages, digits=(0,))
            myers = agequality.myers_index(both, ages)
        ar = agequality.age_ratios(groups[..., :-1])
        sr = agequality.sex_ratios(groups[:, 0], groups[:, 1])
        for i, code in enumerate(regions):
            rows += _rows(code, "whipple", whipple[i])
            rows += _rows(code, "whipple_zero", whipple0[i])
            rows += _rows(code, "myers", myers[i])
            rows += _rows(code, "sex_ratio_score",
                          agequality.sex_ratio_score(groups[i, 0], groups[i, 1]))
            rows += _rows(code, "un_joint_score",
                          agequality.un_joint_score(groups[i, 0], groups[i, 1]))
            for s, sex in enumerate(SEXES):
                rows += _rows(code, "age_ratio_score", agequality.age_ratio_score(groups[i, s]),
                              sex=sex)
                rows += _rows(code, "age_ratio", ar[i, s], sex=sex, ages=range(0, OPEN_AGE, 5))
            rows += _rows(code, "sex_ratio", sr[i], ages=range(0, OPEN_AGE + 1, 5))
    out = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    # a boolean mask, also when no area has people (an empty object Series would select columns)
    finite = np.isfinite(out["value"].to_numpy(dtype=float))
    return out[finite].reset_index(drop=True)


def whipple_rating(value: float) -> str:
    """The UN class of a Whipple index (0/5 form)."""
    return next(label for bound, label in agequality.WHIPPLE_CLASSES if value < bound)


# -- Lee–Carter -------------------------------------------------------------------------------
def lee_carter(df: pd.DataFrame, label: str, horizon: int = 30, level: float = 0.95,
               refit: str = "none") -> dict[str, pd.DataFrame]:
    """Lee–Carter fits of a (year, sex, age, mx) table, one per sex (and per value of any
    other column): parameters (a, b), k by year, and the forecast of k, mx and e0 for
    ``horizon`` years after the last (random walk with drift; ``level`` interval)."""
    from renkou.demography.leecarter import fit_lee_carter, forecast_kt
    from renkou.demography.lifetable import life_expectancy_at_birth

    if refit not in ("none", "e0"):
        raise InputError(f"--refit 应为 none 或 e0，而不是 {refit!r}", column="--refit")
    if horizon < 1:
        raise InputError("--horizon 须至少为 1 年", column="--horizon")
    data = mortality_frame(df, label, keys=("year", "sex", "age"))
    groups = [c for c in data.columns if c not in ("year", "sex", "age", "mx")]
    out: dict[str, list[pd.DataFrame]] = {"parameters": [], "kt": [], "forecast_kt": [],
                                          "forecast_mx": [], "forecast_e0": []}
    for key, g in _groups(data, [*groups, "sex"]):
        where = "，".join(f"{k}={v}" for k, v in zip([*groups, "sex"], key, strict=True))
        m = g.pivot(index="year", columns="age", values="mx")
        if m.isna().any().any():
            raise InputError(f"{where} 的年份和年龄不完整：每个年份都需要同样的年龄", file=label)
        ages, years = m.columns.to_numpy(), m.index.to_numpy()
        kind = _table_kind(ages)
        sex = str(key[-1])
        try:
            e0_obs = life_expectancy_at_birth(m.to_numpy(), sex=sex,  # type: ignore[arg-type]
                                              ages=ages) if kind else None
            fit = fit_lee_carter(m.to_numpy(), years, ages, sex=sex,  # type: ignore[arg-type]
                                 refit=refit, e0=e0_obs)  # type: ignore[arg-type]
            fc = forecast_kt(fit, horizon, level=level)
        except ValueError as exc:
            raise InputError(f"{where}：{exc}", file=label) from None
        lead = dict(zip(groups, key[:-1], strict=True))

        def frame(cols: Mapping[str, object], lead: dict[str, object] = lead,
                  sex: str = sex) -> pd.DataFrame:
            return pd.DataFrame({**lead, "sex": sex, **cols})

        out["parameters"].append(frame({"age": ages, "ax": fit.ax, "bx": fit.bx}))
        out["kt"].append(frame({"year": years, "kt": fit.kt}))
        fy = fc.years.astype(np.int64)
        kt_rows = {"year": fy, "kt": fc.mean, "lower": fc.lower, "upper": fc.upper}
        out["forecast_kt"].append(frame(kt_rows))
        mx = fit.rates(fc.mean)
        out["forecast_mx"].append(frame({"year": np.repeat(fy, ages.size),
                                         "age": np.tile(ages, fy.size), "mx": mx.ravel()}))
        if kind:
            e0 = {name: life_expectancy_at_birth(fit.rates(k), sex=sex,  # type: ignore[arg-type]
                                                 ages=ages)
                  for name, k in (("e0", fc.mean), ("e0_a", fc.lower), ("e0_b", fc.upper))}
            out["forecast_e0"].append(frame({
                "year": fy, "e0": e0["e0"], "lower": np.minimum(e0["e0_a"], e0["e0_b"]),
                "upper": np.maximum(e0["e0_a"], e0["e0_b"])}))
        out.setdefault("fit", []).append(frame({
            "explained": [fit.explained], "drift": [fc.drift], "sigma": [fc.sigma],
            "first_year": [int(years[0])], "last_year": [int(years[-1])]}))
    return {name: pd.concat(parts, ignore_index=True) for name, parts in out.items() if parts}
