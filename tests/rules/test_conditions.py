"""Declarative conditions read from rule files."""

from __future__ import annotations

import numpy as np
import pytest

from renkou.errors import ConfigError
from renkou.rules.conditions import evaluate_conditions, evaluate_groups, rules_from_mapping

RULES = {
    "conditions": {
        "old": {"met": "年满{min_age}周岁", "unmet": "未满{min_age}周岁", "clause": "c1",
                "test": {"column": "age", "op": "ge", "param": "min_age"}},
        "poor": {"met": "困难", "unmet": "不困难", "clause": "c2",
                 "test": {"any": [{"column": "kind", "op": "in", "value": ["a", "b"]},
                                  {"column": "flag", "op": "is_true"}]}},
        "home": {"met": "居家", "unmet": "入住机构", "clause": "c3", "applies_if": "exclude",
                 "test": {"column": "inst", "op": "is_false"}},
        "not_poor_old": {"met": "x", "unmet": "y", "clause": "c4",
                         "test": {"all": [{"condition": "old"}, {"not": {"condition": "poor"}}]}},
    },
    "groups": {"g": {"label": "甲类", "clause": "c", "all": ["old", "poor", "home"]}},
}
COLS = {"age": np.array([59, 60, 80, 70]), "kind": np.array(["a", "c", "c", "b"], dtype=object),
        "flag": np.array([False, False, True, False]), "inst": np.array([False, False, False,
                                                                          True])}


def test_operators_and_group() -> None:
    rules = rules_from_mapping(RULES)
    conds = evaluate_conditions(rules, COLS, {"min_age": 60, "exclude": True}, 4)
    assert conds["old"].tolist() == [False, True, True, True]
    assert conds["poor"].tolist() == [True, False, True, True]
    assert conds["not_poor_old"].tolist() == [False, True, False, False]
    assert evaluate_groups(rules, conds, 4)["g"].tolist() == [False, False, True, False]


def test_switched_off_condition_holds_for_everyone() -> None:
    rules = rules_from_mapping(RULES)
    conds = evaluate_conditions(rules, COLS, {"min_age": 60, "exclude": False}, 4)
    assert conds["home"].all()
    assert evaluate_groups(rules, conds, 4)["g"].tolist() == [False, False, True, True]


def test_labels_fill_parameters() -> None:
    rules = rules_from_mapping(RULES)
    assert rules.conditions["old"].label(True, {"min_age": 80}) == "年满80周岁"


def test_missing_number_does_not_meet_a_comparison() -> None:
    rules = rules_from_mapping({"conditions": {"c": {
        "met": "m", "unmet": "u", "clause": "k",
        "test": {"column": "x", "op": "lt", "value": 5}}}})
    conds = evaluate_conditions(rules, {"x": np.array([1.0, np.nan, 7.0])}, {}, 3)
    assert conds["c"].tolist() == [True, False, False]


def test_group_with_undefined_condition_is_rejected() -> None:
    with pytest.raises(ConfigError):
        rules_from_mapping({"conditions": {}, "groups": {"g": {"all": ["nope"]}}})
