"""The synthetic city (合成城市): frozen frames of people and their true 2015–2024 histories.

``generate_city(persons, seed, jurisdiction=K)`` builds a city like jurisdiction K
(``renkou.jurisdictions``) whose resident population (常住人口) on 2020-11-01 is exactly
``persons`` people with its census structure, plus the
people who died, left or arrived between 2015 and 2024 and the children born after the
census. The frames are the *truth*: feeds are written from them (with dirt on top) and the
caliber truth file is computed from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SyntheticCity:
    """True records of the synthetic city. Codes are integers (9-digit 街镇 inside the
    jurisdiction; 6-digit counties outside it); dates are ``datetime64[D]`` (NaT = open / none).

    - ``persons``: pid, id_number, name, male, birth, death, outside_code (hukou county of
      migrants, 0 if none), education (index of EDUCATION_ZH at the census, -1 none),
      family (家庭户 vs 集体户), cohort (p0 / ghost / born / arrival / settler / leaver).
    - ``hukou``: pid, code, start, end (exclusive), start_kind (register/birth/in), from_code,
      end_kind (''/move/out), to_code, out_date (the 迁出 row's date).
    - ``residence``: pid, code (street), community (0 or 3 extra digits), start, end (the
      居住注销 date, exclusive), permit.
    - ``employment``: pid, code (street), start, end (inclusive), registered.
    - ``insurance``: pid, code (district), scheme (0 职工养老, 1 职工医疗), start_month,
      end_month (months since 1970-01, inclusive).
    - ``school``: pid, stage (index of STAGES_ZH), code, start, end (inclusive), leave_kind.
    - ``marriage``: man, woman, kind (结婚/离婚), date, code (district).
    - ``births``: child, mother, place (street) for births on or after 2015-01-01.
    """

    persons: pd.DataFrame
    hukou: pd.DataFrame
    residence: pd.DataFrame
    employment: pd.DataFrame
    insurance: pd.DataFrame
    school: pd.DataFrame
    marriage: pd.DataFrame
    births: pd.DataFrame
    seed: int
    size: int
    part: int = 0  # index of this part when a large city is generated in parts
    jurisdiction: str = "tianjin"  # key of the jurisdiction (renkou.jurisdictions)


def generate_city(persons: int, seed: int, part: int = 0,
                  taken_ids: np.ndarray | None = None, *,
                  jurisdiction: str = "tianjin") -> SyntheticCity:
    """Build the city of ``jurisdiction`` (a key of ``renkou.jurisdictions``): ``persons``
    residents on 2020-11-01, deterministic by ``seed``.

    Large cities are built in parts (``renkou.registry.synth.synthesize``): part k > 0 uses
    its own random stream and avoids the ID numbers in ``taken_ids`` (``people.id_keys``)."""
    from renkou.registry.synth.history import simulate

    return simulate(persons, seed, part, taken_ids, jurisdiction)
