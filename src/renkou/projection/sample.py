"""A sample input directory for ``renkou project`` (预测输入样例).

The regions and their totals come from ``data/sample.yaml`` (two districts at their 2020
census totals); the numbers are **synthetic**: a smooth age structure shaped like a
low-fertility Chinese city, Gompertz–Makeham mortality (e0 about 78 for men and 83 for
women), ASFR with the file's TFR, its SRB, a Rogers–Castro profile for external net migration
and small moving rates between the regions. It shows the file layout; it is not a forecast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from renkou.demography.migration_profile import age_profile
from renkou.tables import write_table
from renkou.types import OPEN_AGE, FloatArray


@dataclass(frozen=True)
class SampleRegion:
    code: str
    name: str
    population: int
    net_migration: float  # external net migrants a year, both sexes


@dataclass(frozen=True)
class SampleSpec:
    regions: tuple[SampleRegion, ...]
    male_share: float
    tfr: float
    srb: float
    mortality_improvement: float
    internal_peak_rate: float


@lru_cache(maxsize=1)
def sample_spec() -> SampleSpec:
    """The shipped sample's regions and levels (``projection/data/sample.yaml``)."""
    text = resources.files("renkou.projection").joinpath("data/sample.yaml").read_text(
        encoding="utf-8")
    raw = yaml.safe_load(text)
    regions = tuple(SampleRegion(str(r["code"]), str(r["name"]), int(r["population"]),
                                 float(r["net_migration"])) for r in raw["regions"])
    return SampleSpec(regions=regions, male_share=float(raw["male_share"]),
                      tfr=float(raw["tfr"]), srb=float(raw["srb"]),
                      mortality_improvement=float(raw["mortality_improvement"]),
                      internal_peak_rate=float(raw["internal_peak_rate"]))


SAMPLE_REGIONS: tuple[str, ...] = tuple(r.code for r in sample_spec().regions)


def _age_structure(ages: np.ndarray) -> FloatArray:
    """Relative size of each single-year cohort: small recent cohorts, bulges at 30–35
    (the 1985–1990 births) and 50–55, thinning with mortality at old ages."""
    base = 1.0 + 0.45 * np.exp(-0.5 * ((ages - 33) / 6.0) ** 2)
    base += 0.35 * np.exp(-0.5 * ((ages - 52) / 5.0) ** 2)
    base *= np.where(ages < 20, 0.65 + 0.0175 * ages, 1.0)
    base *= np.exp(-np.clip(ages - 55, 0, None) ** 2 / 500.0)
    return np.asarray(base, dtype=np.float64)


def _mortality(ages: np.ndarray, female: bool) -> FloatArray:
    level = 0.55 if female else 1.0
    mx = 0.0002 + level * 0.000025 * np.exp(0.098 * ages)
    mx[0] = 0.0025 if female else 0.003
    mx[1:5] = 0.00025
    return np.asarray(np.minimum(mx, 0.9), dtype=np.float64)


def _asfr(tfr: float) -> FloatArray:
    x = np.arange(15, 50, dtype=np.float64)
    shape = np.exp(-0.5 * ((x - 30.0) / 5.0) ** 2)
    return np.asarray(tfr * shape / shape.sum(), dtype=np.float64)


def _population(spec: SampleSpec, ages: np.ndarray) -> pd.DataFrame:
    shape = _age_structure(ages)
    rows = []
    for r in spec.regions:
        for sex, share in (("male", spec.male_share), ("female", 1.0 - spec.male_share)):
            pop = r.population * share * shape / shape.sum()
            rows += [{"region": r.code, "sex": sex, "age": int(a), "value": round(float(v))}
                     for a, v in zip(ages, pop, strict=True)]
    return pd.DataFrame(rows)


def _mortality_table(spec: SampleSpec, ages: np.ndarray, years: range, base_year: int
                     ) -> pd.DataFrame:
    rows = []
    for y in years:
        improve = spec.mortality_improvement ** (y - base_year)
        for r in spec.regions:
            for sex in ("male", "female"):
                m = _mortality(ages.astype(np.float64), sex == "female") * improve
                rows += [{"year": y, "region": r.code, "sex": sex, "age": int(a),
                          "value": round(float(v), 8)} for a, v in zip(ages, m, strict=True)]
    return pd.DataFrame(rows)


def _migration_tables(spec: SampleSpec, ages: np.ndarray, years: range
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    profile = age_profile("fundamental", OPEN_AGE)
    external = []
    for y in years:
        for r in spec.regions:
            for sex in ("male", "female"):
                vals = 0.5 * r.net_migration * profile
                external += [{"year": y, "region": r.code, "sex": sex, "age": int(a),
                              "value": round(float(v), 3)} for a, v in zip(ages, vals, strict=True)]
    rate = spec.internal_peak_rate * profile / profile.max()
    codes = [r.code for r in spec.regions]
    internal = []
    for y in years:
        for o in codes:
            for dest in codes:
                if dest == o:
                    continue
                for sex in ("male", "female"):
                    internal += [{"year": y, "origin": o, "destination": dest, "sex": sex,
                                  "age": int(a), "value": round(float(v), 6)}
                                 for a, v in zip(ages, rate, strict=True)]
    return pd.DataFrame(external), pd.DataFrame(internal)


def write_sample_inputs(directory: Path | str, base_year: int = 2020,
                        end_year: int = 2035) -> Path:
    """Write a complete sample input directory (CSV + projection.toml) and return it."""
    spec = sample_spec()
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ages = np.arange(OPEN_AGE + 1)
    years = range(base_year, end_year)
    codes = [r.code for r in spec.regions]
    write_table(_population(spec, ages), d / "population.csv")
    f = _asfr(spec.tfr)
    write_table(pd.DataFrame([{"year": y, "region": c, "age": 15 + i, "value": round(float(v), 6)}
                              for y in years for c in codes for i, v in enumerate(f)]),
                d / "asfr.csv")
    write_table(_mortality_table(spec, ages, years, base_year), d / "mortality.csv")
    write_table(pd.DataFrame([{"year": y, "region": c, "value": spec.srb} for y in years
                              for c in codes]), d / "srb.csv")
    external, internal = _migration_tables(spec, ages, years)
    write_table(external, d / "migration.csv")
    write_table(internal, d / "internal_migration.csv")
    (d / "projection.toml").write_text(
        "# 人口预测配置（样例）：基年、终年、开放年龄组、迁移时点\n"
        f"base_year = {base_year}\nend_year = {end_year}\nopen_age = {OPEN_AGE}\n"
        'migration_timing = "mid-year"\n', encoding="utf-8")
    return d
