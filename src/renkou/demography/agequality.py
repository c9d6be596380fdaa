"""Age-data quality (年龄数据质量): heaping indices and graduation to single years.

* Whipple's index (惠普尔指数) — the UN/Shryock–Siegel form on ages 23–62: the counts at ages
  ending in 0 or 5 (25 … 60) against one fifth of all counts at 23–62, × 100. It is 100 with no
  preference for those digits and 500 when every age ends in 0 or 5. The digit-0 variant uses
  ages 30 … 60 against one tenth of the same range (100 … 1000).
* Myers' blended index (迈尔斯混合指数) — Myers (1940); Shryock and Siegel (1973) pp. 205–207:
  for each terminal digit, a blend of two sums (one starting at the lower age, one a decade
  later) weighted so that every digit is counted at the same number of ages; the index is half
  the sum of absolute deviations of the digit shares from 10 %. 0 with no heaping, 90 when
  every age ends in the same digit.
* Graduation of 5-year age groups to single years (五岁组拆分为单岁) by the Sprague (1880)
  and Beers (1945) ordinary and modified multipliers, in the panel form printed in Siegel and
  Swanson (2004), *The Methods and Materials of Demography*, 2nd ed., Appendix C (first,
  second, middle, next-to-last and last panels; the same values as the DemoTools R package).
  For Sprague and ordinary Beers every panel's five rows add up to the group being split, so
  group totals are preserved exactly. Modified Beers is an interpolation *and smoothing*
  formula: it keeps the overall total but moves a few per cent between neighbouring groups
  unless ``preserve_totals`` asks for a proportional correction. The open age group is carried
  over as is.

Pure NumPy; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from renkou.types import FloatArray

GraduationMethod = Literal["sprague", "beers-ordinary", "beers-modified"]

# Multiplier panels: rows are the five single ages of the group being split, columns the five
# 5-year groups the panel reads. "first" splits the first group and "second" the second group,
# both reading groups 1–5; "middle" splits the centre group of five groups (groups i−2 … i+2).
# The next-to-last and last panels are the first two reversed in both directions.
_SPRAGUE_FIRST = (
    (0.3616, -0.2768, 0.1488, -0.0336, 0.0000),
    (0.2640, -0.0960, 0.0400, -0.0080, 0.0000),
    (0.1840, 0.0400, -0.0320, 0.0080, 0.0000),
    (0.1200, 0.1360, -0.0720, 0.0160, 0.0000),
    (0.0704, 0.1968, -0.0848, 0.0176, 0.0000),
)
_SPRAGUE_SECOND = (
    (0.0336, 0.2272, -0.0752, 0.0144, 0.0000),
    (0.0080, 0.2320, -0.0480, 0.0080, 0.0000),
    (-0.0080, 0.2160, -0.0080, 0.0000, 0.0000),
    (-0.0160, 0.1840, 0.0400, -0.0080, 0.0000),
    (-0.0176, 0.1408, 0.0912, -0.0144, 0.0000),
)
_SPRAGUE_MIDDLE = (
    (-0.0128, 0.0848, 0.1504, -0.0240, 0.0016),
    (-0.0016, 0.0144, 0.2224, -0.0416, 0.0064),
    (0.0064, -0.0336, 0.2544, -0.0336, 0.0064),
    (0.0064, -0.0416, 0.2224, 0.0144, -0.0016),
    (0.0016, -0.0240, 0.1504, 0.0848, -0.0128),
)
_BEERS_ORD_FIRST = (
    (0.3333, -0.1636, -0.0210, 0.0796, -0.0283),
    (0.2595, -0.0780, 0.0130, 0.0100, -0.0045),
    (0.1924, 0.0064, 0.0184, -0.0256, 0.0084),
    (0.1329, 0.0844, 0.0054, -0.0356, 0.0129),
    (0.0819, 0.1508, -0.0158, -0.0284, 0.0115),
)
_BEERS_ORD_SECOND = (
    (0.0404, 0.2000, -0.0344, -0.0128, 0.0068),
    (0.0093, 0.2268, -0.0402, 0.0028, 0.0013),
    (-0.0108, 0.2272, -0.0248, 0.0112, -0.0028),
    (-0.0198, 0.1992, 0.0172, 0.0072, -0.0038),
    (-0.0191, 0.1468, 0.0822, -0.0084, -0.0015),
)
_BEERS_ORD_MIDDLE = (
    (-0.0117, 0.0804, 0.1570, -0.0284, 0.0027),
    (-0.0020, 0.0160, 0.2200, -0.0400, 0.0060),
    (0.0050, -0.0280, 0.2460, -0.0280, 0.0050),
    (0.0060, -0.0400, 0.2200, 0.0160, -0.0020),
    (0.0027, -0.0284, 0.1570, 0.0804, -0.0117),
)
_BEERS_MOD_FIRST = (
    (0.3332, -0.1938, 0.0702, -0.0118, 0.0022),
    (0.2569, -0.0753, 0.0205, -0.0027, 0.0006),
    (0.1903, 0.0216, -0.0146, 0.0032, -0.0005),
    (0.1334, 0.0969, -0.0351, 0.0059, -0.0011),
    (0.0862, 0.1506, -0.0410, 0.0054, -0.0012),
)
_BEERS_MOD_SECOND = (
    (0.0486, 0.1831, -0.0329, 0.0021, -0.0009),
    (0.0203, 0.1955, -0.0123, -0.0031, -0.0004),
    (0.0008, 0.1893, 0.0193, -0.0097, 0.0003),
    (-0.0108, 0.1677, 0.0577, -0.0153, 0.0007),
    (-0.0159, 0.1354, 0.0972, -0.0170, 0.0003),
)
_BEERS_MOD_MIDDLE = (
    (-0.0160, 0.0973, 0.1321, -0.0121, -0.0013),
    (-0.0129, 0.0590, 0.1564, 0.0018, -0.0043),
    (-0.0085, 0.0260, 0.1650, 0.0260, -0.0085),
    (-0.0043, 0.0018, 0.1564, 0.0590, -0.0129),
    (-0.0013, -0.0121, 0.1321, 0.0973, -0.0160),
)
_PANELS: dict[str, tuple[tuple[tuple[float, ...], ...], ...]] = {
    "sprague": (_SPRAGUE_FIRST, _SPRAGUE_SECOND, _SPRAGUE_MIDDLE),
    "beers-ordinary": (_BEERS_ORD_FIRST, _BEERS_ORD_SECOND, _BEERS_ORD_MIDDLE),
    "beers-modified": (_BEERS_MOD_FIRST, _BEERS_MOD_SECOND, _BEERS_MOD_MIDDLE),
}


def _single_age_lookup(counts: FloatArray, ages: FloatArray, wanted: range) -> FloatArray:
    index = {int(a): i for i, a in enumerate(ages)}
    missing = [a for a in wanted if a not in index]
    if missing:
        raise ValueError(f"缺少单岁年龄 {missing[0]}–{missing[-1]} 的数据")
    return np.asarray(counts[..., [index[a] for a in wanted]], dtype=np.float64)


def whipple_index(counts: FloatArray, ages: FloatArray | list[int] | range, *,
                  digits: tuple[int, ...] = (0, 5), age_min: int = 23,
                  age_max: int = 62) -> FloatArray:
    """Whipple's index × 100 over single-year counts (..., A) labelled by ``ages``.

    ``digits=(0, 5)`` (default): ages ending in 0 or 5 inside ``[age_min, age_max]`` against
    one fifth of all counts in that range; ``digits=(0,)``: ages ending in 0 against one
    tenth. Any other single digit works like (0,). Returns an array of the leading shape.
    """
    c = np.asarray(counts, dtype=np.float64)
    a = np.asarray(ages, dtype=np.float64)
    if set(digits) == {0, 5}:
        factor = 5.0
    elif len(digits) == 1 and 0 <= digits[0] <= 9:
        factor = 10.0
    else:
        raise ValueError("digits 只能是 (0, 5) 或单个尾数")
    span = range(age_min, age_max + 1)
    window = _single_age_lookup(c, a, span)
    in_digits = np.array([age % 10 in digits for age in span])
    numerator = window[..., in_digits].sum(axis=-1)
    denominator = window.sum(axis=-1)
    return np.asarray(100.0 * factor * numerator / denominator, dtype=np.float64)


def myers_index(counts: FloatArray, ages: FloatArray | list[int] | range, *,
                age_min: int = 10, age_max: int = 89) -> FloatArray:
    """Myers' blended index over single-year counts (..., A); 0 (none) … 90 (one digit).

    The range ``[age_min, age_max]`` must span whole decades (default 10–89). Sum 1 runs over
    all decades but the last, sum 2 over all but the first; the digit that comes ``j`` places
    after ``age_min``'s digit gets weights ``j + 1`` and ``9 − j`` (Shryock and Siegel's steps
    (a)–(d)), which puts every digit on an equal footing when the population declines
    linearly with age.
    """
    c = np.asarray(counts, dtype=np.float64)
    a = np.asarray(ages, dtype=np.float64)
    width = age_max - age_min + 1
    if width % 10 != 0 or width < 20:
        raise ValueError("Myers 指数的年龄范围须为完整的若干个十岁（至少两个），如 10–89")
    window = _single_age_lookup(c, a, range(age_min, age_max + 1))
    decades = window.reshape(*window.shape[:-1], width // 10, 10)
    sum1 = decades[..., :-1, :].sum(axis=-2)
    sum2 = decades[..., 1:, :].sum(axis=-2)
    j = np.arange(10, dtype=np.float64)
    blended = sum1 * (j + 1.0) + sum2 * (9.0 - j)
    shares = 100.0 * blended / blended.sum(axis=-1, keepdims=True)
    return np.asarray(0.5 * np.abs(shares - 10.0).sum(axis=-1), dtype=np.float64)


def graduation_matrix(groups: int, method: GraduationMethod = "sprague", *,
                      open_group: bool = True) -> FloatArray:
    """The (single ages, groups) multiplier matrix that splits ``groups`` 5-year groups.

    With ``open_group`` the last group is open and is carried over as one row, so the matrix
    has ``5 (groups − 1) + 1`` rows; at least six groups are needed (five closed ones for the
    panels). The first two and last two closed groups use the end panels, the rest the middle
    panel centred on the group.
    """
    try:
        first, second, middle = (np.array(p, dtype=np.float64) for p in _PANELS[method])
    except KeyError:
        raise ValueError(f"未知的拆分方法：{method}（可选 sprague、beers-ordinary、"
                         "beers-modified）") from None
    closed = groups - 1 if open_group else groups
    if closed < 5:
        raise ValueError("拆分至少需要 5 个封闭的五岁组")
    rows = 5 * closed + (1 if open_group else 0)
    mat = np.zeros((rows, groups), dtype=np.float64)
    mat[0:5, 0:5] = first
    mat[5:10, 0:5] = second
    for g in range(2, closed - 2):
        mat[5 * g:5 * g + 5, g - 2:g + 3] = middle
    # The end panels mirror the start panels: reverse the ages and the groups they read.
    mat[5 * (closed - 2):5 * (closed - 1), closed - 5:closed] = second[::-1, ::-1]
    mat[5 * (closed - 1):5 * closed, closed - 5:closed] = first[::-1, ::-1]
    if open_group:
        mat[-1, -1] = 1.0
    return mat


def graduate(group_counts: FloatArray, method: GraduationMethod = "sprague", *,
             open_group: bool = True, nonnegative: bool = False,
             preserve_totals: bool = False) -> FloatArray:
    """Split 5-year group counts (..., G) into single years (..., 5 (G − 1) + 1).

    Groups are consecutive 5-year groups (the first starting at any age ending in 0 or 5);
    with ``open_group`` the last one is open and is kept as the last output value. The
    osculatory multipliers can give small negative counts where numbers fall fast (the oldest
    ages); with ``nonnegative`` those are set to 0 and the other ages of the group are scaled
    so that the group total is still preserved. ``preserve_totals`` rescales every group to
    its input total, which only matters for ``beers-modified`` (see the module notes).
    """
    g = np.asarray(group_counts, dtype=np.float64)
    mat = graduation_matrix(g.shape[-1], method, open_group=open_group)
    single = np.asarray(np.einsum("ag,...g->...a", mat, g), dtype=np.float64)
    if not (nonnegative or preserve_totals):
        return single
    closed = mat.shape[0] - (1 if open_group else 0)
    body = single[..., :closed].reshape(*single.shape[:-1], closed // 5, 5)
    targets = g[..., : closed // 5, None] if preserve_totals else body.sum(axis=-1, keepdims=True)
    if nonnegative:
        body = np.clip(body, 0.0, None)
    kept = body.sum(axis=-1, keepdims=True)
    scale = np.divide(targets, kept, out=np.zeros_like(kept), where=kept > 0)
    body = body * scale
    return np.concatenate(
        [body.reshape(*single.shape[:-1], closed), single[..., closed:]], axis=-1)


def group_five(counts: FloatArray, *, open_group: bool = True) -> FloatArray:
    """Group single-year counts (..., A) starting at a multiple of 5 into 5-year groups.

    With ``open_group`` the last value is an open group kept as is and the closed ages before
    it must fill whole groups.
    """
    c = np.asarray(counts, dtype=np.float64)
    closed = c.shape[-1] - (1 if open_group else 0)
    if closed % 5 != 0:
        raise ValueError("单岁数据的封闭年龄数须为 5 的倍数")
    grouped = c[..., :closed].reshape(*c.shape[:-1], closed // 5, 5).sum(axis=-1)
    if open_group:
        grouped = np.concatenate([grouped, c[..., closed:]], axis=-1)
    return np.asarray(grouped, dtype=np.float64)


def graduate_abridged(counts: FloatArray, method: GraduationMethod = "sprague", *,
                      open_group: bool = True, nonnegative: bool = True) -> FloatArray:
    """Split abridged counts 0, 1–4, 5–9, … (..., G) into single years.

    Ages 0 and 1–4 are joined into 0–4 for the multipliers; afterwards age 0 is set to its
    own count and ages 1–4 are scaled to theirs, so every input group total is kept.
    """
    c = np.asarray(counts, dtype=np.float64)
    if c.shape[-1] < 3:
        raise ValueError("简略年龄组至少需要 0、1–4、5–9 三组")
    five = np.concatenate([c[..., :1] + c[..., 1:2], c[..., 2:]], axis=-1)
    single = graduate(five, method, open_group=open_group, nonnegative=nonnegative)
    single[..., 0] = c[..., 0]
    ones = single[..., 1:5]
    kept = ones.sum(axis=-1, keepdims=True)
    even = np.broadcast_to(c[..., 1:2] / 4.0, ones.shape)
    scaled = np.divide(ones * c[..., 1:2], kept, out=np.array(even), where=kept > 0)
    single[..., 1:5] = scaled
    return single


# UN rating of Whipple's index (0/5 form), as in the UN Demographic Yearbook and Shryock and
# Siegel (1973): the upper bound of each class and its label.
WHIPPLE_CLASSES: tuple[tuple[float, str], ...] = (
    (105.0, "高度准确"), (110.0, "较准确"), (125.0, "大致准确"), (175.0, "粗略"),
    (float("inf"), "很粗略"),
)


@dataclass(frozen=True)
class AgeQuality:
    """Heaping summary of one single-year age distribution (年龄数据质量评价)."""

    whipple: float  # 0 and 5, ages 23–62, × 100
    whipple_zero: float  # digit 0 only
    myers: float  # ages 10–89
    rating: str  # UN class of ``whipple``


def assess_age_data(counts: FloatArray, ages: FloatArray | list[int] | range) -> AgeQuality:
    """Whipple (0/5 and 0), Myers and the UN rating for one distribution (A,)."""
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 1:
        raise ValueError("请逐个分布评价：counts 应为一维")
    w = float(whipple_index(c, ages))
    rating = next(label for bound, label in WHIPPLE_CLASSES if w < bound)
    return AgeQuality(whipple=w, whipple_zero=float(whipple_index(c, ages, digits=(0,))),
                      myers=float(myers_index(c, ages)), rating=rating)


# -- Age and sex ratios of 5-year groups (UN 1952; Shryock and Siegel 1973, pp. 224–229) --
# The UN accuracy index reads the groups 0–4 … 70–74: age ratios for 5–9 … 65–69 and the
# differences of successive sex ratios over 0–4 … 70–74.
UN_GROUPS = 15


def _nanmean(x: FloatArray) -> FloatArray:
    """Mean over the last axis of the defined values; NaN where none is defined."""
    n = np.sum(np.isfinite(x), axis=-1)
    total = np.nansum(x, axis=-1)
    out = np.full(n.shape, np.nan)
    np.divide(total, n, out=out, where=n > 0)
    return out


def age_ratios(group_counts: FloatArray) -> FloatArray:
    """Age ratios × 100 of consecutive 5-year groups (..., G): 200·P(x) / (P(x−5) + P(x+5));
    NaN for the first and last group (no neighbour) and where both neighbours are empty."""
    g = np.asarray(group_counts, dtype=np.float64)
    out = np.full(g.shape, np.nan)
    neighbours = g[..., :-2] + g[..., 2:]
    np.divide(200.0 * g[..., 1:-1], neighbours, out=out[..., 1:-1], where=neighbours > 0)
    return out


def sex_ratios(male: FloatArray, female: FloatArray) -> FloatArray:
    """Males per 100 females (NaN where there are no females)."""
    m, f = np.broadcast_arrays(np.asarray(male, dtype=np.float64),
                               np.asarray(female, dtype=np.float64))
    out = np.full(m.shape, np.nan)
    np.divide(100.0 * m, f, out=out, where=f > 0)
    return out


def age_ratio_score(group_counts: FloatArray) -> FloatArray:
    """Mean absolute deviation from 100 of the age ratios of 5–9 … 65–69 (groups from 0–4)."""
    g = np.asarray(group_counts, dtype=np.float64)[..., :UN_GROUPS]
    return _nanmean(np.abs(age_ratios(g)[..., 1:-1] - 100.0))


def sex_ratio_score(male_groups: FloatArray, female_groups: FloatArray) -> FloatArray:
    """Mean absolute difference between the sex ratios of successive groups 0–4 … 70–74."""
    sr = sex_ratios(np.asarray(male_groups)[..., :UN_GROUPS],
                    np.asarray(female_groups)[..., :UN_GROUPS])
    return _nanmean(np.abs(np.diff(sr, axis=-1)))


def un_joint_score(male_groups: FloatArray, female_groups: FloatArray) -> FloatArray:
    """UN age–sex accuracy index: 3 × sex ratio score + male and female age ratio scores
    (under 20 accurate, 20–40 inaccurate, over 40 highly inaccurate)."""
    return np.asarray(3.0 * sex_ratio_score(male_groups, female_groups)
                      + age_ratio_score(male_groups) + age_ratio_score(female_groups),
                      dtype=np.float64)
