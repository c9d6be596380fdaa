"""The rules engine (规则引擎): evaluate a scheme's conditions and groups over a table of
people for one date, and write each person's explanation trail (认定依据说明).

Evaluation is vectorised: each condition is one NumPy operation over all rows. Explanations
would be the slow part if written row by row, so people are grouped by the *pattern* of what
held for them (which conditions, which care level, …) — a few hundred patterns even for a
million people — and the Chinese text is written once per pattern."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.errors import ConfigError
from renkou.rules.conditions import (
    BoolArray,
    Columns,
    RuleSet,
    evaluate_conditions,
    evaluate_groups,
    rules_from_mapping,
)
from renkou.rules.parameters import ParameterSet

MET, UNMET = "✓", "✗"


@dataclass(frozen=True)
class Evaluation:
    """Conditions and groups evaluated over ``n`` people on ``as_of`` with ``params``."""

    as_of: dt.date
    n: int
    rules: RuleSet
    params: Mapping[str, Any]
    conditions: Mapping[str, BoolArray]
    groups: Mapping[str, BoolArray]

    def any_group(self, keys: Sequence[str] | None = None) -> BoolArray:
        out = np.zeros(self.n, dtype=bool)
        for k in keys or list(self.groups):
            out |= self.groups[k]
        return out

    def group_list(self, keys: Sequence[str] | None = None, sep: str = ";") -> pd.Categorical:
        """Per person the keys of the groups they belong to, joined ("1;4"; "" if none)."""
        keys = list(keys or self.groups)
        parts = [(self.groups[k].astype(np.int64), 2) for k in keys]
        return render_by_pattern(
            parts, lambda pat: sep.join(k for k, v in zip(keys, pat, strict=True) if v))

    @cached_property
    def labels(self) -> dict[str, tuple[str, str]]:
        """Each condition's (met, unmet) text with this evaluation's parameter values."""
        return {k: (c.label(True, self.params), c.label(False, self.params))
                for k, c in self.rules.conditions.items()}


def rules_of(params: ParameterSet) -> RuleSet:
    if not params.extra.get("conditions"):
        raise ConfigError(f"规则文件 {params.name} 没有 conditions 部分")
    return rules_from_mapping(params.extra)


def evaluate(params: ParameterSet, columns: Columns, n: int, as_of: dt.date) -> Evaluation:
    """Evaluate every condition and group of the rule file behind ``params``."""
    rules = rules_of(params)
    snapshot = params.at(as_of)
    conds = evaluate_conditions(rules, columns, snapshot, n)
    groups = evaluate_groups(rules, conds, n)
    return Evaluation(as_of, n, rules, snapshot, conds, groups)


def group_trail(ev: Evaluation, key: str, held: Mapping[str, bool]) -> str:
    """One group's part of the trail, with the clause it cites. A group that is met lists
    every condition (✓); one that is not lists only the conditions that failed (✗)."""
    g = ev.rules.groups[key]
    applicable = [c for c in g.conditions if ev.rules.conditions[c].applies(ev.params)]
    if all(held[c] for c in g.conditions):
        return f"{g.label}〔{g.clause}〕符合：" + "，".join(
            f"{ev.labels[c][0]}{MET}" for c in applicable)
    return f"{g.label}〔{g.clause}〕不符合：" + "，".join(
        f"{ev.labels[c][1]}{UNMET}" for c in applicable if not held[c])


@dataclass(frozen=True)
class Trail:
    """What an explanation depends on (integer arrays with their radix: 2 for a condition,
    the number of levels for a category) and how to write it for one pattern of values."""

    parts: Sequence[tuple[npt.NDArray[np.int64], int]]
    render: Callable[[tuple[int, ...]], str]


def join_trails(*trails: Trail) -> Trail:
    """One trail whose text is the trails' texts in order (rendered once per joint pattern)."""
    sizes = [len(t.parts) for t in trails]
    cached = [lru_cache(maxsize=None)(t.render) for t in trails]

    def render(pattern: tuple[int, ...]) -> str:
        out, i = [], 0
        for size, r in zip(sizes, cached, strict=True):
            out.append(r(pattern[i:i + size]))
            i += size
        return "".join(out)

    return Trail([p for t in trails for p in t.parts], render)


def render_by_pattern(parts: Sequence[tuple[npt.NDArray[np.int64], int]],
                      render: Callable[[tuple[int, ...]], str]) -> pd.Categorical:
    """Write ``render(pattern)`` once per distinct pattern and spread it over the people.

    A pattern is the tuple of one person's values of ``parts``. The result is categorical, so
    a million people share a few thousand texts instead of holding a million strings."""
    if not parts:
        raise ValueError("no parts")
    n = len(parts[0][0])
    total = 1
    code = np.zeros(n, dtype=np.int64)
    for arr, radix in parts:
        total *= radix
        if total >= 2**62:
            raise ValueError("too many pattern combinations to pack into int64")
        code = code * radix + arr.astype(np.int64)
    inv, uniq = pd.factorize(code)  # hashing: linear time, unlike sorting
    texts = []
    for c in uniq:
        rest = int(c)
        values: list[int] = []
        for _, radix in reversed(parts):
            values.append(rest % radix)
            rest //= radix
        texts.append(render(tuple(reversed(values))))
    # Two patterns may read the same (a condition switched off by a parameter is not shown).
    cats, remap = np.unique(np.array(texts, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(remap[inv], categories=pd.Index(cats, dtype=object))


def render_trail(trail: Trail) -> pd.Categorical:
    return render_by_pattern(trail.parts, trail.render)


def condition_parts(ev: Evaluation, keys: Sequence[str]
                    ) -> list[tuple[npt.NDArray[np.int64], int]]:
    return [(ev.conditions[k].astype(np.int64), 2) for k in keys]


def used_conditions(ev: Evaluation, group_keys: Sequence[str]) -> list[str]:
    """The conditions the given groups use, each once, in file order."""
    wanted = {c for g in group_keys for c in ev.rules.groups[g].conditions}
    return [c for c in ev.rules.conditions if c in wanted]


def split_shares(amount: npt.NDArray[np.float64], city_ratio: float, district_ratio: float
                 ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Split amounts city : district; rounded to 分 with the district taking the remainder, so
    that the two shares always add up to the amount."""
    total = float(city_ratio) + float(district_ratio)
    if total <= 0:
        raise ConfigError("市、区负担比例之和必须大于0")
    city = np.round(amount * (float(city_ratio) / total), 2)
    district = np.round(amount - city, 2)
    return city, district


def ratio_text(a: float, b: float) -> str:
    def f(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)
    return f"{f(a)}:{f(b)}"


def money(x: float) -> str:
    """Amounts in 元 as written in outputs: integers without decimals, else up to 2 places."""
    r = round(float(x), 2)
    if r.is_integer():
        return str(int(r))
    return f"{r:.2f}".rstrip("0").rstrip(".")
