"""A sample input directory for ``renkou project`` (预测输入样例).

The numbers are **synthetic**: two Tianjin districts (西青区 120111, 津南区 120112) scaled to
their 2020 census totals, with a smooth age structure shaped like a low-fertility Chinese
city, Gompertz–Makeham mortality (e0 about 78 for men and 83 for women), ASFR with TFR 1.0,
SRB 1.06, a Rogers–Castro profile for external net migration and small moving rates between
the two districts. It shows the file layout; it is not a forecast of those districts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from renkou.demography.migration_profile import age_profile
from renkou.regions import gazetteer

SAMPLE_REGIONS = ("120111", "120112")
OPEN_AGE = 100


def _age_structure(ages: np.ndarray) -> np.ndarray:
    """Relative size of each single-year cohort: small recent cohorts, bulges at 30–35
    (the 1985–1990 births) and 50–55, thinning with mortality at old ages."""
    base = 1.0 + 0.45 * np.exp(-0.5 * ((ages - 33) / 6.0) ** 2)
    base += 0.35 * np.exp(-0.5 * ((ages - 52) / 5.0) ** 2)
    base *= np.where(ages < 20, 0.65 + 0.0175 * ages, 1.0)
    base *= np.exp(-np.clip(ages - 55, 0, None) ** 2 / 500.0)
    return np.asarray(base, dtype=np.float64)


def _mortality(ages: np.ndarray, female: bool) -> np.ndarray:
    level = 0.55 if female else 1.0
    mx = 0.0002 + level * 0.000025 * np.exp(0.098 * ages)
    mx[0] = 0.0025 if female else 0.003
    mx[1:5] = 0.00025
    return np.asarray(np.minimum(mx, 0.9), dtype=np.float64)


def _asfr(tfr: float = 1.0) -> np.ndarray:
    x = np.arange(15, 50, dtype=np.float64)
    shape = np.exp(-0.5 * ((x - 30.0) / 5.0) ** 2)
    return np.asarray(tfr * shape / shape.sum(), dtype=np.float64)


def write_sample_inputs(directory: Path | str, base_year: int = 2020,
                        end_year: int = 2035) -> Path:
    """Write a complete sample input directory (CSV + projection.toml) and return it."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ages = np.arange(OPEN_AGE + 1)
    g = gazetteer()
    rows = []
    for code in SAMPLE_REGIONS:
        total = g.get(code).census2020 or 1_000_000
        shape = _age_structure(ages)
        for sex, share in (("male", 0.515), ("female", 0.485)):
            pop = total * share * shape / shape.sum()
            rows += [{"region": code, "sex": sex, "age": int(a), "value": round(float(v))}
                     for a, v in zip(ages, pop, strict=True)]
    pd.DataFrame(rows).to_csv(d / "population.csv", index=False)

    years = range(base_year, end_year)
    f = _asfr()
    pd.DataFrame([{"year": y, "region": c, "age": 15 + i, "value": round(float(v), 6)}
                  for y in years for c in SAMPLE_REGIONS for i, v in enumerate(f)]
                 ).to_csv(d / "asfr.csv", index=False)
    mort = []
    for y in years:
        improve = 0.985 ** (y - base_year)  # 1.5 % a year
        for c in SAMPLE_REGIONS:
            for sex in ("male", "female"):
                m = _mortality(ages.astype(np.float64), sex == "female") * improve
                mort += [{"year": y, "region": c, "sex": sex, "age": int(a),
                          "value": round(float(v), 8)} for a, v in zip(ages, m, strict=True)]
    pd.DataFrame(mort).to_csv(d / "mortality.csv", index=False)
    pd.DataFrame([{"year": y, "region": c, "value": 1.06} for y in years
                  for c in SAMPLE_REGIONS]).to_csv(d / "srb.csv", index=False)

    profile = age_profile("fundamental", OPEN_AGE)
    levels = {"120111": 8000.0, "120112": 3000.0}
    mig = []
    for y in years:
        for c in SAMPLE_REGIONS:
            for sex in ("male", "female"):
                vals = 0.5 * levels[c] * profile
                mig += [{"year": y, "region": c, "sex": sex, "age": int(a),
                         "value": round(float(v), 3)} for a, v in zip(ages, vals, strict=True)]
    pd.DataFrame(mig).to_csv(d / "migration.csv", index=False)
    rate = 0.004 * profile / profile.max()  # peak 0.4 % a year at young adult ages
    internal = []
    for y in years:
        for o, dest in ((SAMPLE_REGIONS[0], SAMPLE_REGIONS[1]),
                        (SAMPLE_REGIONS[1], SAMPLE_REGIONS[0])):
            for sex in ("male", "female"):
                internal += [{"year": y, "origin": o, "destination": dest, "sex": sex,
                              "age": int(a), "value": round(float(v), 6)}
                             for a, v in zip(ages, rate, strict=True)]
    pd.DataFrame(internal).to_csv(d / "internal_migration.csv", index=False)
    (d / "projection.toml").write_text(
        "# 人口预测配置（样例）：基年、终年、开放年龄组、迁移时点\n"
        f"base_year = {base_year}\nend_year = {end_year}\nopen_age = {OPEN_AGE}\n"
        'migration_timing = "mid-year"\n', encoding="utf-8")
    return d
