"""Separation factors of the first year of life (1a0, and 4a1 of abridged tables): the rules
a life table chooses from. Andreev–Kingkade (2015, as used by the HMD) or Coale–Demeny (as
tabulated in Preston, Heuveline and Guillot 2001, table 3.3)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from renkou.types import FloatArray

A0Rule = Literal["andreev-kingkade", "coale-demeny"]
LifeTableSex = Literal["male", "female", "total"]
A0_RULES: tuple[A0Rule, ...] = ("andreev-kingkade", "coale-demeny")
SEX_ALIASES: dict[str, str] = {"m": "male", "f": "female", "both": "total", "t": "total",
                               "男": "male", "女": "female", "合计": "total"}
A0_ALIASES: dict[str, str] = {"ak": "andreev-kingkade", "hmd": "andreev-kingkade",
                              "andreev_kingkade": "andreev-kingkade", "cd": "coale-demeny",
                              "coale_demeny": "coale-demeny"}


def _by_sex(male: FloatArray, female: FloatArray, sex: LifeTableSex) -> FloatArray:
    """The male or female value, or for ``total`` their mean (as the HMD does for both-sex
    tables built from rates)."""
    if sex == "male":
        return np.asarray(male, dtype=np.float64)
    if sex == "female":
        return np.asarray(female, dtype=np.float64)
    return np.asarray(0.5 * (male + female), dtype=np.float64)


def a0_andreev_kingkade(m0: FloatArray | float, sex: LifeTableSex) -> FloatArray:
    """Average years lived in the first year by those who die in it (1a0), Andreev–Kingkade.

    Segmented linear in m0 (HMD methods protocol v6, table 1). For ``total`` the mean of the
    male and female values is used, as the HMD does for both-sex tables built from rates."""
    m = np.asarray(m0, dtype=np.float64)
    male = np.where(m < 0.02300, 0.14929 - 1.99545 * m,
                    np.where(m < 0.08307, 0.02832 + 3.26201 * m, 0.29915))
    female = np.where(m < 0.01724, 0.14903 - 2.05527 * m,
                      np.where(m < 0.06891, 0.04667 + 3.88089 * m, 0.31411))
    return _by_sex(male, female, sex)


def a0_coale_demeny(m0: FloatArray | float, sex: LifeTableSex) -> FloatArray:
    """1a0 by the Coale–Demeny West rule expressed in 1m0 (PHG 2001, table 3.3)."""
    m = np.asarray(m0, dtype=np.float64)
    male = np.where(m >= 0.107, 0.330, 0.045 + 2.684 * m)
    female = np.where(m >= 0.107, 0.350, 0.053 + 2.800 * m)
    return _by_sex(male, female, sex)


def a1_4_coale_demeny(m0: FloatArray | float, sex: LifeTableSex) -> FloatArray:
    """4a1 by the Coale–Demeny West rule (PHG 2001, table 3.3); used in abridged tables."""
    m = np.asarray(m0, dtype=np.float64)
    male = np.where(m >= 0.107, 1.352, 1.651 - 2.816 * m)
    female = np.where(m >= 0.107, 1.361, 1.522 - 1.518 * m)
    return _by_sex(male, female, sex)


def a0_rule_values(m0: FloatArray | float, sex: LifeTableSex, rule: A0Rule) -> FloatArray:
    if rule == "andreev-kingkade":
        return a0_andreev_kingkade(m0, sex)
    if rule == "coale-demeny":
        return a0_coale_demeny(m0, sex)
    raise ValueError(f"unknown a0 rule {rule!r}; expected one of {A0_RULES}")


def a0_values(m0: FloatArray, female: FloatArray | bool | None, a0_rule: A0Rule
              ) -> FloatArray:
    """a0 by the rule for each table: female flags (array or bool), or ``None`` for both
    sexes together."""
    if female is None:
        return a0_rule_values(m0, "total", a0_rule)
    return np.asarray(np.where(female, a0_rule_values(m0, "female", a0_rule),
                               a0_rule_values(m0, "male", a0_rule)), dtype=np.float64)
