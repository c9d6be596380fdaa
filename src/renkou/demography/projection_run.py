"""The projection loop (预测循环): blocks of trajectories, each projected year by year.

Trajectories are processed in blocks of about ``BLOCK_CELLS`` cells (trajectory × region ×
sex × age) so that a step's temporaries stay in the CPU cache (1 MiB of L2 per core on the
benchmark machine); within a block everything is vectorised over trajectories and regions.
What all trajectories share in a step (the life table when mortality has no trajectory
axis, migrants by end-of-step age slot, the internal move matrices) is computed once per
step and reused by every block. Blocking changes no result.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from renkou.demography.lifetable import step_life_table
from renkou.demography.projection_step import (
    FEMALE,
    MALE,
    InternalMoves,
    advance,
    e0_both_sexes,
    period_to_cohort_counts,
    prepare_moves,
)
from renkou.types import FloatArray

if TYPE_CHECKING:
    from renkou.demography.projection import ProjectionInputs

BLOCK_CELLS = 1 << 16
SPAN_CELLS = 1 << 18  # life tables are built for this many cells at once (several steps)
LE_AGES = (0, 60, 65)
FERTILE = slice(15, 50)  # ages 15–49 (projection.FERTILE_AGE_MIN … FERTILE_AGE_MAX)
_BATCHED = {"population": ("population", 3), "mx": ("mx", 4), "asfr": ("asfr", 3),
            "srb": ("srb", 2), "mig": ("net_migration", 4), "internal": ("internal_rates", 5),
            "k": ("mx_k", 3), "mig_scale": ("migration_scale", 2),
            "mig_add": ("migration_add", 2)}



@dataclass
class _Batched:
    """An input as (n_lead, …core) when it has leading axes (``per_row``), else as given."""

    values: FloatArray | None
    per_row: bool

    def at(self, rows: slice, t: int) -> FloatArray:
        assert self.values is not None
        return self.values[rows, t] if self.per_row else self.values[t]


class BlockRunner:
    """Runs :func:`~renkou.demography.projection.project` block by block of trajectories
    (the leading axes flattened into one of length ``n_lead``)."""

    def __init__(self, inputs: ProjectionInputs, lead: tuple[int, ...],
                 block_cells: int = BLOCK_CELLS) -> None:
        self.inputs, self.lead = inputs, lead
        self.n_lead = int(np.prod(lead)) if lead else 1
        self.arr: dict[str, _Batched] = {}
        for key, (field, core) in _BATCHED.items():
            value = getattr(inputs, field)
            if value is None:
                self.arr[key] = _Batched(None, False)
                continue
            a = np.asarray(value, dtype=np.float64)
            if a.ndim == core:
                self.arr[key] = _Batched(a, False)
            else:
                a = np.broadcast_to(a, (*lead, *a.shape[a.ndim - core:]))
                self.arr[key] = _Batched(a.reshape(self.n_lead, *a.shape[len(lead):]), True)
        self.mortality_per_row = self.arr["mx"].per_row or self.arr["k"].per_row
        cells = inputs.n_regions * 2 * inputs.n_ages
        self.block = max(1, min(self.n_lead, block_cells // cells))
        self.w = {"start": 1.0, "mid-year": 0.5, "end": 0.0}[inputs.migration_timing]
        self.female = np.array([False, True])  # broadcasts against m0 of shape (..., R, 2)
        self.le_ages = tuple(x for x in LE_AGES if x < inputs.n_ages)
        self.bx: FloatArray | None = None
        self.bx_ages = np.arange(inputs.n_ages)
        if inputs.mx_bx is not None:
            # Lee–Carter age patterns are often stepwise (abridged ages): exp(b k) is then
            # computed once per distinct b and spread over the ages.
            unique, where = np.unique(np.asarray(inputs.mx_bx, dtype=np.float64), axis=1,
                                      return_inverse=True)
            self.bx, self.bx_ages = unique, np.ravel(where)
        # Per-step values shared by all blocks, filled by the first block.
        steps = inputs.steps
        self._life: tuple[FloatArray, FloatArray, FloatArray] | None = None
        self._slots: list[FloatArray | None] = [None] * steps
        self._pattern_slot: FloatArray | None = None
        self._moves: list[InternalMoves | None] = [None] * steps
        # Emigrants beyond a cohort, cut off: (n_lead, Y, R), allocated on the first cut.
        self.capped: FloatArray | None = None

    def blocks(self) -> list[slice]:
        return [slice(b0, min(b0 + self.block, self.n_lead))
                for b0 in range(0, self.n_lead, self.block)]

    def inputs_of(self, rows: slice) -> ProjectionInputs:
        """The inputs of trajectories ``rows`` (leading axis B; shared inputs as they are)."""
        cut: dict[str, object] = {
            field: self.arr[key].values[rows]  # type: ignore[index]
            for key, (field, _) in _BATCHED.items() if self.arr[key].per_row}
        return dataclasses.replace(self.inputs, **cut)  # type: ignore[arg-type]

    # --- pieces of a step ------------------------------------------------------------
    def _mx(self, rows: slice, t0: int, t1: int) -> FloatArray:
        """Death rates of steps t0 … t1−1: (B, T, R, 2, A), or (T, R, 2, A) when shared."""
        mx = self.arr["mx"]
        assert mx.values is not None
        m = mx.values[rows, t0:t1] if mx.per_row else mx.values[t0:t1]
        k = self.arr["k"]
        if self.bx is None or k.values is None:
            return m
        # Lee–Carter shock mx · exp(b(x) k), built block by block so that the
        # (N, Y, R, 2, A) rates of all trajectories never exist at once.
        shock = self.bx * (k.values[rows, t0:t1] if k.per_row else k.values[t0:t1])[..., None]
        np.exp(shock, out=shock)
        shocked = np.take(shock, self.bx_ages, axis=-1)
        shocked *= m
        return shocked

    def _table(self, m: FloatArray) -> tuple[FloatArray, FloatArray]:
        s, e = step_life_table(m, self.female, self.inputs.a0_rule, self.le_ages)
        assert s is not None
        if len(self.le_ages) < len(LE_AGES):
            e = np.concatenate([e, np.full((*e.shape[:-1], len(LE_AGES) - e.shape[-1]),
                                           np.nan)], axis=-1)
        return s, e

    def _shared(self, t: int) -> None:
        """Fill what every block of step t shares, once."""
        arr, scale = self.arr, max(self.w, 1.0 - self.w)
        mig = arr["mig"]
        if mig.values is not None and not mig.per_row and self._slots[t] is None:
            # Weighted by w (early part) or 1 − w (late part); mid-year both are ½.
            self._slots[t] = period_to_cohort_counts(mig.values[t], scale)
        internal = arr["internal"]
        if internal.values is not None and not internal.per_row and self._moves[t] is None:
            rates = internal.values
            if t > 0 and np.array_equal(rates[t], rates[t - 1]):
                # Moving rates are often held constant: one comparison instead of rebuilding
                # the matrices.
                self._moves[t] = self._moves[t - 1]
            else:
                self._moves[t] = InternalMoves(prepare_moves(rates[t], scale))

    def _migrants(self, rows: slice, t: int) -> FloatArray | None:
        mig = self.arr["mig"]
        if mig.values is None:
            return None
        slot = self._slots[t]
        if slot is None:
            slot = period_to_cohort_counts(mig.at(rows, t), max(self.w, 1.0 - self.w))
        scale = self.arr["mig_scale"]
        if scale.values is not None:
            slot = slot * scale.at(rows, t)[..., None, None]
        add = self.arr["mig_add"]
        if add.values is not None:
            if self._pattern_slot is None:
                self._pattern_slot = period_to_cohort_counts(
                    np.asarray(self.inputs.migration_pattern, dtype=np.float64),
                    max(self.w, 1.0 - self.w))
            slot = slot + add.at(rows, t)[..., None, None] * self._pattern_slot
        return slot

    def _record_cap(self, rows: slice, t: int, cut: FloatArray | None) -> None:
        """Add the emigrants cut off in step t (by slot) to the per-region tally."""
        if cut is None:
            return
        if self.capped is None:
            self.capped = np.zeros((self.n_lead, self.inputs.steps, self.inputs.n_regions))
        self.capped[rows, t] += cut.sum(axis=(-1, -2))

    # --- a block ---------------------------------------------------------------------
    def run(self, rows: slice, population: FloatArray, births: FloatArray,
            deaths: FloatArray, expectancy: FloatArray, e_both: FloatArray) -> None:
        """Project trajectories ``rows`` over all steps into the given arrays (leading axis
        B = the block; ``expectancy`` has 1 there when mortality is shared).

        The life tables, which do not depend on the population, are built for several steps
        at once (``SPAN_CELLS``), and so is the both-sex e0 once those steps are done: fewer,
        larger NumPy calls."""
        population[:, 0] = self.arr["population"].values[rows] if (  # type: ignore[index]
            self.arr["population"].per_row) else self.arr["population"].values
        steps = self.inputs.steps
        if not self.mortality_per_row and self._life is None:
            m_all = self._mx(slice(None), 0, steps)
            self._life = (m_all, *self._table(m_all))
            expectancy[0] = self._life[2]
        span = max(1, SPAN_CELLS // max(1, population[:, 0].size))
        for t0 in range(0, steps, span):
            t1 = min(steps, t0 + span)
            if self._life is not None:
                m, s = self._life[0][t0:t1], self._life[1][t0:t1]
                expectancy[0, t0:t1] = self._life[2][t0:t1]
            else:
                m = self._mx(rows, t0, t1)
                s, expectancy[:, t0:t1] = self._table(m)
            for t in range(t0, t1):
                self._shared(t)
                i = t - t0
                self._step(rows, t, population, births, deaths,
                           s[i] if self._life is not None else s[:, i])
            e_both[:, t0:t1] = e0_both_sexes(m, population[:, t0:t1], population[:, t0 + 1:t1 + 1],
                                             self.inputs.a0_rule)

    def _step(self, rows: slice, t: int, population: FloatArray, births: FloatArray,
              deaths: FloatArray, s: FloatArray) -> None:
        w, arr = self.w, self.arr
        p = population[:, t]  # (B, R, 2, A)
        s = np.broadcast_to(s, p.shape)
        # The cohort entering each age slot at the end of the step, before births.
        cohort = np.empty(p.shape, dtype=np.float64)
        cohort[..., 1:-1] = p[..., :-2]
        np.add(p[..., -2], p[..., -1], out=cohort[..., -1])
        cohort[..., 0] = 0.0
        # Migrants by end-of-step slot, split into the part exposed to the step's mortality
        # (weight w) and the part added at the end (1 − w); the weights are folded in.
        mig = self._migrants(rows, t)
        mig_w = mig if w > 0 else None
        mig_1w = mig if w < 1 else None
        moves = self._moves[t]
        if moves is None and arr["internal"].values is not None:
            moves = InternalMoves(prepare_moves(arr["internal"].at(rows, t), max(w, 1 - w)))
        mv_w = moves if w > 0 else None
        mv_1w = moves if w < 1 else None
        end = population[:, t + 1]
        # Emigration larger than a cohort is capped at zero inside advance (before the women
        # are counted for births) and the persons cut off are recorded.
        _, d_slot, cut = advance(cohort, s, mig_w, mig_1w, mv_w, mv_1w, out=end)
        self._record_cap(rows, t, cut)
        # Births from the average of women at the start and the end of the step.
        women = p[..., FEMALE, FERTILE] + end[..., FEMALE, FERTILE]
        total_births = 0.5 * np.vecdot(women, arr["asfr"].at(rows, t))
        srb = arr["srb"].at(rows, t)
        b = births[:, t]
        b[..., MALE] = total_births * srb / (1.0 + srb)
        b[..., FEMALE] = total_births / (1.0 + srb)
        # The newborn cohort (slot 0) is advanced on its own, now that births are known.
        cohort[..., 0] = b
        end0, d0, cut0 = advance(cohort[..., :1], s[..., :1],
                                 None if mig_w is None else mig_w[..., :1],
                                 None if mig_1w is None else mig_1w[..., :1],
                                 None if mv_w is None else mv_w.slot0(),
                                 None if mv_1w is None else mv_1w.slot0())
        self._record_cap(rows, t, cut0)
        end[..., :1] = end0
        d_slot[..., :1] = d0
        # Deaths by age at the start of the step (slot a+1 holds those aged a at the start).
        d = deaths[:, t]
        d[..., :-2] = d_slot[..., 1:-1]
        older = p[..., -2] + p[..., -1]
        share = np.divide(p[..., -2], older, out=np.full(older.shape, 0.5), where=older > 0)
        d[..., -2] = d_slot[..., -1] * share
        d[..., -1] = d_slot[..., -1] * (1.0 - share)
        d[..., 0] += d_slot[..., 0]
