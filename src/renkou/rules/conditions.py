"""Declarative eligibility conditions (资格条件) read from the rule files.

A condition is written in YAML next to the policy wording it encodes::

    conditions:
      age_80:
        met: 年满{oldest_min_age}周岁
        unmet: 未满{oldest_min_age}周岁
        clause: 专栏3 第2、3、4项
        quote: 本市户籍80岁及以上
        test: {column: age, op: ge, param: oldest_min_age}

``test`` is one of
  * ``{column: C, op: OP, value: V}`` or ``{column: C, op: OP, param: P}`` with OP in
    ``eq ne in not_in ge gt le lt`` (numeric comparisons with a missing value are false);
  * ``{column: C, op: is_true}`` / ``{column: C, op: is_false}`` / ``{column: C, op: known}``;
  * ``{all: [test, ...]}``, ``{any: [test, ...]}``, ``{not: test}``;
  * ``{condition: KEY}`` (another condition's result).
``applies_if: P`` makes a condition hold for everyone (and drop out of the explanation) when
the boolean parameter P is false: that is how each reading of an ambiguous clause becomes a
parameter. ``met``/``unmet`` may name parameters in braces; they are filled with the values in
force on the evaluation date. (The keys are ``met``/``unmet`` because YAML 1.1 reads bare
``yes``/``no`` as booleans.)

Columns are NumPy arrays: booleans, floats (NaN = missing) or strings (object arrays).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from renkou.errors import ConfigError

BoolArray = npt.NDArray[np.bool_]
Columns = Mapping[str, np.ndarray]

_COMPARE = {"ge": np.greater_equal, "gt": np.greater, "le": np.less_equal, "lt": np.less}


@dataclass(frozen=True)
class Condition:
    """One eligibility condition with the wording it encodes."""

    key: str
    met: str
    unmet: str
    clause: str
    quote: str
    test: Mapping[str, Any]
    applies_if: str | None = None

    def applies(self, params: Mapping[str, Any]) -> bool:
        if self.applies_if is None:
            return True
        return bool(params.get(self.applies_if, False))

    def label(self, held: bool, params: Mapping[str, Any]) -> str:
        template = self.met if held else self.unmet
        try:
            return template.format(**{k: _fmt(v) for k, v in params.items()})
        except (KeyError, IndexError, ValueError):
            return template


@dataclass(frozen=True)
class Group:
    """An eligible group (补贴对象类别): all of its conditions must hold."""

    key: str
    label: str
    clause: str
    quote: str
    conditions: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    """The conditions and groups of a scheme, as read from its rule file."""

    conditions: Mapping[str, Condition]
    groups: Mapping[str, Group]
    sources: Mapping[str, str] = field(default_factory=dict)

    def check(self) -> None:
        for g in self.groups.values():
            missing = [c for c in g.conditions if c not in self.conditions]
            if missing:
                raise ConfigError(f"类别 {g.key} 引用了未定义的条件：{', '.join(missing)}")


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def rules_from_mapping(extra: Mapping[str, Any]) -> RuleSet:
    """Build a :class:`RuleSet` from the ``conditions``/``groups`` sections of a rule file."""
    conds: dict[str, Condition] = {}
    for key, spec in (extra.get("conditions") or {}).items():
        if not isinstance(spec, Mapping) or "test" not in spec:
            raise ConfigError(f"条件 {key} 需要 test")
        for req in ("met", "unmet", "clause"):
            if not spec.get(req):
                raise ConfigError(f"条件 {key} 缺少 {req}")
        conds[str(key)] = Condition(
            key=str(key), met=str(spec["met"]), unmet=str(spec["unmet"]),
            clause=str(spec["clause"]), quote=str(spec.get("quote", "")), test=spec["test"],
            applies_if=spec.get("applies_if"))
    groups: dict[str, Group] = {}
    for key, spec in (extra.get("groups") or {}).items():
        if not isinstance(spec, Mapping) or not spec.get("all"):
            raise ConfigError(f"类别 {key} 需要 all 条件列表")
        groups[str(key)] = Group(key=str(key), label=str(spec.get("label", key)),
                                 clause=str(spec.get("clause", "")),
                                 quote=str(spec.get("quote", "")),
                                 conditions=tuple(str(c) for c in spec["all"]))
    rs = RuleSet(conds, groups, dict(extra.get("sources") or {}))
    rs.check()
    return rs


def _column(cols: Columns, name: str) -> np.ndarray:
    try:
        return cols[name]
    except KeyError:
        raise ConfigError(f"条件引用了不存在的输入列 {name}") from None


def _operand(spec: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    if "param" in spec:
        name = spec["param"]
        if name not in params:
            raise ConfigError(f"条件引用的参数 {name} 在该日期无取值")
        return params[name]
    if "value" in spec:
        return spec["value"]
    raise ConfigError(f"条件缺少 value 或 param：{dict(spec)}")


def evaluate_test(test: Mapping[str, Any], cols: Columns, params: Mapping[str, Any],
                  done: Mapping[str, BoolArray], n: int) -> BoolArray:
    """Evaluate one ``test`` mapping over all rows."""
    if "all" in test:
        out = np.ones(n, dtype=bool)
        for t in test["all"]:
            out &= evaluate_test(t, cols, params, done, n)
        return out
    if "any" in test:
        out = np.zeros(n, dtype=bool)
        for t in test["any"]:
            out |= evaluate_test(t, cols, params, done, n)
        return out
    if "not" in test:
        return ~evaluate_test(test["not"], cols, params, done, n)
    if "condition" in test:
        key = test["condition"]
        if key not in done:
            raise ConfigError(f"条件 {key} 须在引用它的条件之前定义")
        return done[key]
    col = _column(cols, str(test.get("column")))
    op = test.get("op")
    if op == "is_true":
        return col.astype(bool)
    if op == "is_false":
        return ~col.astype(bool)
    if op == "known":
        if col.dtype.kind == "f":
            return ~np.isnan(col)
        return np.array([v is not None and v != "" for v in col], dtype=bool)
    if op in _COMPARE:
        with np.errstate(invalid="ignore"):
            return np.asarray(_COMPARE[op](col.astype(float), float(_operand(test, params))),
                              dtype=bool)
    if op in ("eq", "ne"):
        res = np.asarray(col == _operand(test, params), dtype=bool)
        return res if op == "eq" else ~res
    if op in ("in", "not_in"):
        values = _operand(test, params)
        if not isinstance(values, (list, tuple)):
            raise ConfigError(f"in/not_in 需要列表：{values!r}")
        res = np.isin(col, list(values))
        return res if op == "in" else ~res
    raise ConfigError(f"未知的条件运算 {op!r}")


def evaluate_conditions(rules: RuleSet, cols: Columns, params: Mapping[str, Any],
                        n: int) -> dict[str, BoolArray]:
    """Every condition's result, in file order; conditions that do not apply hold for all."""
    done: dict[str, BoolArray] = {}
    for key, cond in rules.conditions.items():
        if cond.applies(params):
            done[key] = evaluate_test(cond.test, cols, params, done, n)
        else:
            done[key] = np.ones(n, dtype=bool)
    return done


def evaluate_groups(rules: RuleSet, conds: Mapping[str, BoolArray], n: int
                    ) -> dict[str, BoolArray]:
    out: dict[str, BoolArray] = {}
    for key, g in rules.groups.items():
        m = np.ones(n, dtype=bool)
        for c in g.conditions:
            m &= conds[c]
        out[key] = m
    return out
