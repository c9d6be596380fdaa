"""Projection variants and scenarios (预测方案): medium, low, high, constant fertility,
zero migration, and user paths of TFR, e0 and migration.

Low and high follow UN WPP 2024: total fertility 0.5 child below / above the medium variant,
phased in as in WPP 2024's published tables (checked on ``tfr_annual``): 0.25 in the first five
projection years, 0.40 in the next five and 0.50 afterwards. The age pattern of fertility is
kept, i.e. ASFR is scaled by (TFR ± offset) / TFR.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from renkou.demography.mortality_model import mx_for_e0
from renkou.demography.projection import ProjectionInputs
from renkou.types import FloatArray

Variant = Literal["medium", "low", "high", "constant-fertility", "zero-migration"]
VARIANTS: tuple[Variant, ...] = ("medium", "low", "high", "constant-fertility",
                                 "zero-migration")
VARIANT_ZH: dict[str, str] = {
    "medium": "中方案", "low": "低方案", "high": "高方案",
    "constant-fertility": "生育率不变方案", "zero-migration": "零迁移方案",
}
# WPP 2024 phase-in of the ±0.5 fertility offset, by 5-year block of projection years.
WPP2024_OFFSET_STEPS: tuple[float, ...] = (0.25, 0.40, 0.50)


def fertility_offset(n_years: int, offset: float = 0.5, phase_in: bool = True) -> FloatArray:
    """The TFR offset in each projection year (0-based from the first projection year)."""
    k = np.arange(n_years)
    if not phase_in:
        return np.full(n_years, offset)
    steps = np.asarray(WPP2024_OFFSET_STEPS) * (offset / 0.5)
    return np.asarray(steps[np.minimum(k // 5, len(steps) - 1)], dtype=np.float64)


def scale_asfr_to_tfr(asfr: FloatArray, tfr: FloatArray | float) -> FloatArray:
    """Rescale ASFR (..., 35) so that its sum equals ``tfr`` (broadcast to (...)), keeping
    the age pattern. Where ASFR is all zero the result stays zero."""
    f = np.asarray(asfr, dtype=np.float64)
    current = f.sum(axis=-1)
    target = np.asarray(tfr, dtype=np.float64)
    if np.any(target < 0):
        raise ValueError("TFR must not be negative")
    factor = np.divide(target, current, out=np.zeros(np.broadcast_shapes(
        target.shape, current.shape)), where=current > 0)
    return np.asarray(f * factor[..., None], dtype=np.float64)


def shift_fertility(inputs: ProjectionInputs, sign: float, offset: float = 0.5,
                    phase_in: bool = True) -> ProjectionInputs:
    """TFR + sign·offset (never below zero), phased in from the first projection step."""
    f = np.asarray(inputs.asfr, dtype=np.float64)
    tfr = f.sum(axis=-1)  # (..., Y, R)
    delta = fertility_offset(inputs.steps, offset, phase_in)[:, None]
    return dataclasses.replace(inputs, asfr=scale_asfr_to_tfr(f, np.maximum(tfr + sign * delta,
                                                                            0.0)))


def constant_fertility(inputs: ProjectionInputs) -> ProjectionInputs:
    """ASFR of the first step held for all steps (UN constant-fertility variant)."""
    f = np.asarray(inputs.asfr, dtype=np.float64)
    first = f[..., :1, :, :]
    return dataclasses.replace(inputs, asfr=np.repeat(first, inputs.steps, axis=-3))


def zero_migration(inputs: ProjectionInputs) -> ProjectionInputs:
    """No external net migration and no moves between the regions (closed populations)."""
    return dataclasses.replace(inputs, net_migration=None, internal_rates=None)


def apply_variant(inputs: ProjectionInputs, variant: str, *,
                  phase_in: bool = True) -> ProjectionInputs:
    """Return the inputs of a named variant; ``medium`` returns them unchanged."""
    if variant == "medium":
        return inputs
    if variant == "low":
        return shift_fertility(inputs, -1.0, phase_in=phase_in)
    if variant == "high":
        return shift_fertility(inputs, +1.0, phase_in=phase_in)
    if variant == "constant-fertility":
        return constant_fertility(inputs)
    if variant == "zero-migration":
        return zero_migration(inputs)
    raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")


def with_tfr_path(inputs: ProjectionInputs, tfr: FloatArray | list[float]) -> ProjectionInputs:
    """User TFR path: ``tfr`` (Y,) for all regions or (..., Y, R); ASFR keeps its age
    pattern (from each step's ASFR) and is rescaled to the path."""
    path = np.asarray(tfr, dtype=np.float64)
    if path.ndim == 1:
        if path.shape[0] != inputs.steps:
            raise ValueError(f"TFR path needs {inputs.steps} values, got {path.shape[0]}")
        path = path[:, None]
    return dataclasses.replace(inputs, asfr=scale_asfr_to_tfr(inputs.asfr, path))


def with_migration_path(inputs: ProjectionInputs,
                        totals: FloatArray | list[float]) -> ProjectionInputs:
    """User path of total external net migration per step: ``totals`` (Y,) for one region or
    (..., Y, R). The age–sex pattern of ``inputs.net_migration`` is kept and rescaled; when
    the inputs have none, or a step's pattern sums to zero, pass a pattern first (e.g. a
    Rogers–Castro profile from renkou.demography.migration_profile)."""
    target = np.asarray(totals, dtype=np.float64)
    if target.ndim == 1:
        target = target[:, None]
    if inputs.net_migration is None:
        raise ValueError("a migration path needs an age–sex pattern in net_migration")
    mig = np.asarray(inputs.net_migration, dtype=np.float64)
    current = mig.sum(axis=(-1, -2))
    if np.any((current == 0) & (np.broadcast_to(target, np.broadcast_shapes(
            target.shape, current.shape)) != 0)):
        raise ValueError("the migration pattern sums to zero in a step with a non-zero target")
    factor = np.divide(target, current, out=np.zeros(np.broadcast_shapes(
        target.shape, current.shape)), where=current != 0)
    return dataclasses.replace(inputs, net_migration=mig * factor[..., None, None])


def with_e0_path(inputs: ProjectionInputs, e0_male: FloatArray | list[float],
                 e0_female: FloatArray | list[float], *, beta: float = 1.0) -> ProjectionInputs:
    """User e0 paths (Y,) or (..., Y, R) per sex: each step's mx is replaced by the Brass
    relational-logit transform of the step's own mx that has that e0
    (:func:`renkou.demography.mortality_model.mx_for_e0`)."""
    mx = np.asarray(inputs.mx, dtype=np.float64)
    paths = []
    for path in (e0_male, e0_female):
        target = np.asarray(path, dtype=np.float64)
        if target.ndim == 1:
            if target.shape[0] != inputs.steps:
                raise ValueError(f"e0 path needs {inputs.steps} values, got {target.shape[0]}")
            target = target[:, None]
        paths.append(target)
    lead = np.broadcast_shapes(mx.shape[:-2], paths[0].shape, paths[1].shape)
    out = np.empty((*lead, 2, mx.shape[-1]))
    for sex, target in enumerate(paths):
        out[..., sex, :] = mx_for_e0(mx[..., sex, :], target, female=bool(sex), beta=beta,
                                     a0_rule=inputs.a0_rule)
    return dataclasses.replace(inputs, mx=out)
