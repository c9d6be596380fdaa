"""Calibration of the stochastic projection's AR(1) / random-walk deviations (随机预测参数校准)
to published interval bounds, e.g. the 80 % and 95 % intervals of UN WPP 2024."""

from __future__ import annotations

import numpy as np

from renkou.types import FloatArray


def sd_from_bounds(lower80: FloatArray, upper80: FloatArray, lower95: FloatArray,
                   upper95: FloatArray) -> FloatArray:
    """Normal-equivalent standard deviation from 80 % and 95 % interval bounds (mean of the
    two estimates half-width / z)."""
    z80, z95 = 1.2815515655446004, 1.959963984540054
    return np.asarray(0.5 * ((np.asarray(upper80) - np.asarray(lower80)) / (2 * z80)
                             + (np.asarray(upper95) - np.asarray(lower95)) / (2 * z95)),
                      dtype=np.float64)


def ar1_sd(horizons: FloatArray, phi: float, sigma: float, sigma0: float) -> FloatArray:
    """SD at horizon h ≥ 1 of δ(1) ~ N(0, σ0²), δ(t) = φ δ(t−1) + N(0, σ²) (φ = 1: a walk)."""
    h = np.asarray(horizons, dtype=np.float64) - 1.0
    if phi == 1.0:
        acc = h
    else:
        acc = (1.0 - phi ** (2.0 * h)) / (1.0 - phi**2)
    return np.asarray(np.sqrt(phi ** (2.0 * h) * sigma0**2 + sigma**2 * acc), dtype=np.float64)


def calibrate_ar1(horizons: FloatArray, sd: FloatArray, *,
                  phis: FloatArray | None = None) -> tuple[float, float, float]:
    """(φ, σ, σ0) whose :func:`ar1_sd` best matches ``sd`` in relative squared error.

    For each φ on a grid (0.5 … 1.0) the variances are linear in σ² and σ0², solved by
    non-negative least squares; the φ with the smallest error wins."""
    h = np.asarray(horizons, dtype=np.float64) - 1.0
    target = np.asarray(sd, dtype=np.float64)
    grid = np.linspace(0.5, 1.0, 501) if phis is None else np.asarray(phis, dtype=np.float64)
    best: tuple[float, float, float, float] | None = None
    for phi in grid:
        a = phi ** (2.0 * h)
        b = h if phi == 1.0 else (1.0 - phi ** (2.0 * h)) / (1.0 - phi**2)
        design = np.stack([a, b], axis=1) / target[:, None] ** 2
        candidates = []
        for cols in ([0, 1], [0], [1]):
            coef, *_ = np.linalg.lstsq(design[:, cols], np.ones_like(target), rcond=None)
            if np.all(coef >= 0):
                full = np.zeros(2)
                full[cols] = coef
                candidates.append(full)
        for coef in candidates:
            pred = np.sqrt(np.stack([a, b], axis=1) @ coef)
            err = float(np.mean((pred / target - 1.0) ** 2))
            if best is None or err < best[0]:
                best = (err, float(phi), float(np.sqrt(coef[1])), float(np.sqrt(coef[0])))
    if best is None:
        raise ValueError("无法校准 AR(1) 参数")
    return best[1], best[2], best[3]
