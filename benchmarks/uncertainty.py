"""How wide are renkou's stochastic intervals against WPP 2024's, with and without the
country's own bounds (tfr_bounds / e0_bounds)?

For every location whose single-year inputs are in the data directory (``derived/``), the
WPP medium inputs are projected from 1 July 2025 with N trajectories twice: with the default
spreads (calibrated to China) and with the spreads calibrated to the location's WPP 80 %/95 %
bounds of TFR and e0 (written as ``tfr_bounds.csv`` / ``e0_bounds.csv`` and read by
``renkou.projection.bounds``), and with the net-migration bounds as well
(``migration_bounds.csv``, an additive migration deviation). Printed: the ratio of
renkou's 80 % and 95 % interval width of total population in 2050 and 2100 to WPP's.

Run: ``.venv/bin/python benchmarks/uncertainty.py [--data DIR] [--trajectories N]
[--seeds K]``; DIR defaults to ``benchmarks/data/wpp2024`` (six locations with the 80 %/95 %
bounds; tests/data/wpp2024 has the inputs of four but not the bounds). With ``--seeds K``
each run is repeated with seeds 1…K and the mean ratio is printed with its range: with
1 000 trajectories a 95 % width moves by several per cent from seed to seed.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from renkou.demography.projection import ProjectionInputs
from renkou.demography.stochastic import simulate_indicators
from renkou.projection.bounds import calibrated_settings

BASE, END = 2025, 2100
YEARS = list(range(BASE, END + 1))


def _read(data: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(data / f"{name}.parquet")


def _by_sex_age(df: pd.DataFrame, code: int, years: list[int]) -> np.ndarray:
    d = df[df.country_code == code]
    out = np.empty((len(years), 2, 101))
    for s, sex in enumerate(("male", "female")):
        out[:, s] = d[d.sex == sex].pivot(index="year", columns="age",
                                          values="value").loc[years].to_numpy()
    return out


def _mid(x: np.ndarray, log: bool = False) -> np.ndarray:
    if log:
        return np.asarray(np.exp(0.5 * (np.log(x[:-1]) + np.log(x[1:]))))
    return np.asarray(0.5 * (x[:-1] + x[1:]))


def wpp_inputs(data: Path, code: int) -> ProjectionInputs:
    pop = _by_sex_age(_read(data, "derived/pop_age1_2025jul_DERIVED"), code, [BASE])[0]
    mx = _by_sex_age(_read(data, "derived/mx_age1_annual_DERIVED"), code, YEARS)
    mig = _by_sex_age(_read(data, "netmig_age1"), code, YEARS)
    a = _read(data, "derived/asfr_age1_annual_DERIVED")
    asfr = a[a.country_code == code].pivot(index="year", columns="age",
                                           values="value").loc[YEARS].to_numpy()
    s = _read(data, "srb_annual")
    srb = s[s.country_code == code].set_index("year").value.loc[YEARS].to_numpy()
    return ProjectionInputs(base_year=BASE, end_year=END, population=pop[None],
                            asfr=_mid(asfr)[:, None], mx=_mid(mx, log=True)[:, None],
                            srb=_mid(srb)[:, None], net_migration=_mid(mig)[:, None])


def _bounds_table(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    wide = df[df.variant.isin(["80l", "80u", "95l", "95u"])].pivot_table(
        index=["year", *keys], columns="variant", values="value").reset_index()
    wide = wide.rename(columns={"80l": "lower80", "80u": "upper80", "95l": "lower95",
                                "95u": "upper95"})
    wide.insert(1, "region", "*")
    return wide[(wide.year >= BASE) & (wide.year < END)]


def write_bounds(data: Path, code: int, directory: Path, migration: bool = False) -> bool:
    tfr = _read(data, "tfr_annual")
    e0 = _read(data, "e0_annual")
    t = _bounds_table(tfr[tfr.country_code == code], [])
    e = _bounds_table(e0[(e0.country_code == code) & (e0.sex != "both")], ["sex"])
    if t.empty or e.empty:
        return False
    t.to_csv(directory / "tfr_bounds.csv", index=False)
    e.to_csv(directory / "e0_bounds.csv", index=False)
    if migration:
        n = _read(data, "netmig_annual")
        m = _bounds_table(n[n.country_code == code], [])
        if not m.empty:
            m.to_csv(directory / "migration_bounds.csv", index=False)
    return True


def wpp_widths(data: Path, code: int, year: int) -> tuple[float, float]:
    t = _read(data, "pop_total_projections")
    t = t[(t.country_code == code) & (t.sex == "both")]

    def at(variant: str) -> float:  # 1 July of ``year``: the mean of two year ends
        s = t[t.variant == variant].set_index("year").value
        return float((s[year - 1] + s[year]) / 2)

    return at("80u") - at("80l"), at("95u") - at("95l")


def ours(total: np.ndarray, year: int) -> tuple[float, float]:
    q = np.quantile(total[:, year - BASE], [0.025, 0.1, 0.9, 0.975])
    return float(q[2] - q[1]), float(q[3] - q[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parent / "data" / "wpp2024")
    parser.add_argument("--trajectories", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args()
    derived = _read(args.data, "derived/pop_age1_2025jul_DERIVED")
    unique = derived.drop_duplicates("country_code")
    names = dict(zip(unique["country_code"].astype(int), unique["name"].astype(str), strict=True))
    print("ratio of renkou's interval width of total population to WPP 2024's "
          f"({args.trajectories} trajectories)")
    print(f"{'location':<28}{'bounds':<10}{'80% 2050':>10}{'95% 2050':>10}"
          f"{'80% 2100':>10}{'95% 2100':>10}")
    for code, name in names.items():
        inputs = wpp_inputs(args.data, code)
        runs: list[tuple[str, object]] = [("default", None)]
        for label, migration in (("own", False), ("own+mig", True)):
            with tempfile.TemporaryDirectory() as tmp:
                if write_bounds(args.data, code, Path(tmp), migration):
                    runs.append((label, calibrated_settings(Path(tmp), inputs)[0]))
        for label, settings in runs:
            ratios = []
            for seed in range(1, args.seeds + 1):
                ind = simulate_indicators(inputs, args.trajectories, seed=seed,
                                          settings=settings,  # type: ignore[arg-type]
                                          workers=2)
                total = ind["total"][..., 0]  # thousands, like the WPP inputs
                cells = []
                for year in (2050, 2100):
                    w80, w95 = wpp_widths(args.data, code, year)
                    o80, o95 = ours(total, year)
                    cells += [o80 / w80, o95 / w95]
                ratios.append(cells)
            r = np.array(ratios)
            print(f"{name:<28}{label:<10}" + "".join(f"{c:>10.2f}" for c in r.mean(axis=0)))
            if args.seeds > 1:
                print(f"{'':<28}{'range':<10}" + "".join(
                    f"{f'{lo:.2f}–{hi:.2f}':>10}" for lo, hi in zip(r.min(axis=0),
                                                                    r.max(axis=0),
                                                                    strict=True)))


if __name__ == "__main__":
    main()
