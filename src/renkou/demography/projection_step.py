"""The pieces of one projection step (预测步): survival and life expectancy of the step's
life table, migrants re-timed to end-of-step age slots, internal moves, and the advance of
the cohorts. :mod:`renkou.demography.projection` loops these over years and blocks of
trajectories; each works on whole (..., R, 2, A) arrays.
"""

from __future__ import annotations

import numpy as np

from renkou.demography.lifetable import A0Rule, step_life_table
from renkou.types import FloatArray

MALE, FEMALE = 0, 1


def period_to_cohort_counts(migrants: FloatArray, scale: float = 1.0) -> FloatArray:
    """Counts by age at the move (..., A) → counts by age slot at the end of the step
    (times ``scale``, folded in to save a pass over the array)."""
    m = np.asarray(migrants, dtype=np.float64)
    out = np.empty(m.shape, dtype=np.float64)
    out[..., 0] = m[..., 0]
    np.add(m[..., 1:], m[..., :-1], out=out[..., 1:])
    out[..., -1] += m[..., -1]
    out *= 0.5 * scale
    return out


def period_to_cohort_rates(rates: FloatArray) -> FloatArray:
    """Rates by age (..., A) → rates by end-of-step age slot (mean of the two ages lived)."""
    r = np.asarray(rates, dtype=np.float64)
    out = r.copy()
    out[..., 1:-1] = 0.5 * (r[..., :-2] + r[..., 1:-1])
    out[..., -1] = 0.5 * (r[..., -2] + r[..., -1])
    return out


def prepare_moves(rates: FloatArray, scale: float = 1.0) -> FloatArray:
    """Moving rates by age at the move (..., R, R, 2, A) → net-flow matrices by end-of-step
    age slot: off the diagonal the rate of moving o → d, on it minus the exit rate of o, so
    that Σ_o P[o]·M[o, d] is the net gain of d.

    Slot rates are the mean of the two ages lived in the step (:func:`period_to_cohort_rates`);
    what the input has on its diagonal (staying) is ignored."""
    m = period_to_cohort_rates(rates)
    r = m.shape[-3]
    diag = np.arange(r)
    m[..., diag, diag, :, :] = 0.0
    m[..., diag, diag, :, :] = -m.sum(axis=-3)
    if scale != 1.0:
        m *= scale
    return m


class InternalMoves:
    """Origin→destination moves of one step as net-flow matrices (..., R, R, 2, A)."""

    def __init__(self, matrix: FloatArray) -> None:
        self.matrix = matrix
        self._stacked: FloatArray | None = None
        self._slot0: InternalMoves | None = None
        if matrix.ndim == 4:
            # Shared by all trajectories: one (R×R) matrix per sex and age, stacked for a
            # batched matmul (about twice as fast as einsum's path here).
            r, _, sexes, ages = matrix.shape
            self._stacked = np.ascontiguousarray(
                matrix.reshape(r, r, sexes * ages).transpose(2, 0, 1))

    def slot0(self) -> InternalMoves:
        """The moves of the newborn slot alone (built once, reused by every block)."""
        if self._slot0 is None:
            self._slot0 = InternalMoves(self.matrix[..., :1])
        return self._slot0

    def net(self, pop: FloatArray) -> FloatArray:
        """Net internal migrants by destination: Σ_o P[o]·p[o,d] − P[d]·Σ_d' p[d,d']."""
        if self._stacked is None:
            return np.asarray(np.einsum("...osa,...odsa->...dsa", pop, self.matrix),
                              dtype=np.float64)
        r, sexes, ages = pop.shape[-3:]
        # A contiguous copy first: matmul on the strided view is slower than copy + matmul.
        flat = np.ascontiguousarray(pop.reshape(-1, r, sexes * ages).transpose(2, 0, 1))
        out = np.matmul(flat, self._stacked)  # (2A, B, R)
        return np.asarray(out.transpose(1, 2, 0).reshape(pop.shape), dtype=np.float64)


def advance(c: FloatArray, s: FloatArray, early_mig: FloatArray | None,
            late_mig: FloatArray | None, early_moves: InternalMoves | None,
            late_moves: InternalMoves | None, out: FloatArray | None = None
            ) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Survivors at the end of the step, deaths, by end-of-step age slot, of the cohorts
    ``c`` with their migrants, and the emigrants beyond what a cohort holds (None if none).

    With w the share of the step migrants are exposed to (1 start, ½ mid-year, 0 end), the
    people exposed to the step's mortality are E = c + w·(internal net at the start + external
    net migrants); the survivors are S·E plus the (1 − w) part added at the end (internal moves
    among the survivors, external migrants); deaths are (1 − S)·E. The ``early_*`` inputs
    come already multiplied by w and the ``late_*`` ones by 1 − w (None when zero).
    Survivors are written to ``out`` when given.

    Net emigration cannot take more people than a cohort holds: E and the survivors are
    capped at zero, so deaths and populations are never negative, and what was cut off is
    returned (persons, by slot) for the run to report. One reduction per array when nothing
    is cut off."""
    exposed = c
    if early_mig is not None:
        exposed = c + early_mig
    if early_moves is not None:
        moved = early_moves.net(c)
        exposed = c + moved if exposed is c else np.add(exposed, moved, out=exposed)
    capped = None
    if exposed is not c and not exposed.min() >= 0.0:
        capped = np.maximum(np.negative(exposed), 0.0)
        np.maximum(exposed, 0.0, out=exposed)
    survivors = np.multiply(exposed, s, out=out)
    deaths = np.subtract(exposed, survivors, out=exposed) if exposed is not c else c - survivors
    if late_mig is not None:
        survivors += late_mig
    if late_moves is not None:
        survivors += late_moves.net(c * s)
    if (late_mig is not None or late_moves is not None) and not survivors.min() >= 0.0:
        late = np.maximum(np.negative(survivors), 0.0)
        capped = late if capped is None else np.add(capped, late, out=capped)
        np.maximum(survivors, 0.0, out=survivors)
    return survivors, deaths, capped


def e0_both_sexes(mx: FloatArray, start: FloatArray, end: FloatArray, a0_rule: A0Rule
                  ) -> FloatArray:
    """e0 of both sexes for one step: rates of the sexes weighted by start + end population
    (..., R, 2, A) → (..., R). Ages with nobody take the plain mean of the two rates."""
    w_m = start[..., MALE, :] + end[..., MALE, :]
    w_f = start[..., FEMALE, :] + end[..., FEMALE, :]
    mixed = mx[..., MALE, :] * w_m
    mixed += mx[..., FEMALE, :] * w_f
    w_m += w_f
    if not w_m.min() > 0:  # one reduction; the mask only when someone is missing
        empty = w_m <= 0
        w_m[empty] = 1.0
        plain = 0.5 * (mx[..., MALE, :] + mx[..., FEMALE, :])
        mixed[empty] = np.broadcast_to(plain, mixed.shape)[empty]
    mixed /= w_m
    return step_life_table(mixed, None, a0_rule, (0,), survival=False)[1][..., 0]
