"""The Splink model (DuckDB backend): comparisons, blocking rules, unsupervised training
(random sampling for u, expectation maximisation on a sample of pairs for m) and the scored
candidate pairs with each comparison's match weight, so that every pair's score can be
explained. It runs in the linkage workspace, an in-memory DuckDB of its own that spills
only into the store's private folder."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import duckdb

from renkou.registry.store import Scratch

SOURCE_ROWS = "rows"
SOURCE_PERSONS = "persons"
# Comparison weights (log2 Bayes factors) kept for explanation, in the order of the model.
WEIGHTS = ("name", "sex", "birth", "districts", "id17")


class Workspace(Scratch):
    """The in-memory DuckDB where a linkage run reads rows and persons and Splink works."""

    def __init__(self, memory: str, threads: int, spill_dir: Path) -> None:
        super().__init__(memory, threads, spill_dir=spill_dir)

    @property
    def duckdb(self) -> duckdb.DuckDBPyConnection:
        return self._con


def _null(col: str) -> dict[str, Any]:
    return {"sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL',
            "label_for_charts": "缺失 null", "is_null_level": True}


def _level(sql: str, label: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label}


ELSE = _level("ELSE", "其他 else")


def comparisons() -> list[Any]:
    import splink.comparison_library as cl

    # One character more or less keeps at least two in common (王伟明 / 王伟, 王伟 / 王伟伟);
    # one changed counts only in names of three or more (two-character names of one
    # surname all differ by one character: that is no evidence of the person).
    name = cl.CustomComparison(output_column_name="name", comparison_levels=[
        _null("name"),
        _level("name_l = name_r", "姓名相同 exact"),
        _level("name_py_l = name_py_r", "同音 same pinyin"),
        _level("length(name_l) <> length(name_r) AND least(length(name_l), length(name_r)) >= 2 "
               "AND damerau_levenshtein(name_l, name_r) = 1",
               "多一字或少一字 one added or dropped"),
        _level("length(name_l) = length(name_r) AND length(name_l) >= 3 "
               "AND damerau_levenshtein(name_l, name_r) = 1 AND surname_py_l = surname_py_r",
               "三字以上差一字 one character of three"),
        _level("jaro_winkler_similarity(name_py_l, name_py_r) >= 0.88", "拼音相近 pinyin close"),
        ELSE])
    sex = cl.CustomComparison(output_column_name="sex", comparison_levels=[
        _null("sex"), _level("sex_l = sex_r", "相同 same"), ELSE])
    birth = cl.CustomComparison(output_column_name="birth", comparison_levels=[
        _null("birth"),
        _level("birth_l = birth_r", "相同 exact"),
        _level("substr(birth_l, 1, 5) || substr(birth_l, 9, 2) || '-' || substr(birth_l, 6, 2)"
               " = birth_r", "日月颠倒 day/month transposed"),
        _level("levenshtein(birth_l, birth_r) = 1", "差一位 one digit"),
        ELSE])
    area = cl.CustomComparison(output_column_name="districts", comparison_levels=[
        {"sql_condition": "len(districts_l) = 0 OR len(districts_r) = 0",
         "label_for_charts": "缺失 null", "is_null_level": True},
        _level("len(list_intersect(districts_l, districts_r)) > 0", "同区县 shared district"),
        ELSE])
    ids = cl.CustomComparison(output_column_name="id17", comparison_levels=[
        _null("id17"),
        _level("id17_l = id17_r", "前17位相同 exact"),
        _level("damerau_levenshtein(id17_l, id17_r) <= 1", "错一位或颠倒 one typo"),
        ELSE])
    return [name, sex, birth, area, ids]


def blocking_rules() -> list[Any]:
    """Each rule pairs a row with a handful of persons even among 18 million: the same birth
    date, sex and surname sound; the same name sound and birth year (a mistyped day or
    month); the same surviving ID digits; the same written name, month and day (a mistyped
    year). Birth date and sex alone would pair each row with ≈ 250 persons at 14 million."""
    from splink import block_on

    return [block_on("birth", "sex", "surname_py"), block_on("name_py", "birth_year"),
            block_on("id17"), block_on("name", "substr(birth, 6, 5)")]


MIN_TRAIN = 500  # fewer pending rows than this: use the model trained by an earlier run
U_PAIRS = 1e7  # random pairs for the u probabilities
EM_PAIRS = 2e6  # blocked pairs (at most) for each expectation-maximisation pass


def score(ws: Workspace, rows: str, persons: str, n_rows: int, n_persons: int, *,
          seed: int = 1, trained: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Train the model on the tables ``rows`` against ``persons`` of ``ws`` (or, for a
    handful of rows, take ``trained``, an earlier run's model) and score the candidate
    pairs. Returns the name of the table of pairs with a Bayes factor of at least 1
    (``rid``, ``pno``, ``w`` = log2 Bayes factor, and ``mw_<comparison>``) and the model as
    a dictionary. Splink's own prior (one person of the store per row, 1 / persons) is not
    used for decisions: :mod:`renkou.registry.linkage.decide` weighs each row's candidates
    together."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    db_api = DuckDBAPI(connection=ws.duckdb)
    prior = 1.0 / max(n_persons, 2)
    use_trained = trained is not None and n_rows < MIN_TRAIN
    settings: SettingsCreator | dict[str, Any]
    if use_trained and trained is not None:
        settings = {**trained, "probability_two_random_records_match": prior}
    else:
        settings = SettingsCreator(
            link_type="link_only", comparisons=comparisons(),
            blocking_rules_to_generate_predictions=blocking_rules(),
            probability_two_random_records_match=prior,
            retain_intermediate_calculation_columns=True, retain_matching_columns=False)
    left = db_api.register(rows, dataset_display_name=SOURCE_ROWS)
    right = db_api.register(persons, dataset_display_name=SOURCE_PERSONS)
    linker = Linker([left, right], settings, log_level=logging.ERROR)
    if not use_trained:
        linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
        for rule in (block_on("birth", "sex", "surname_py"), block_on("id17")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=EM_PAIRS, record_sample_proportion=0.05)
    # Pairs with a Bayes factor under 1 cannot be a row's person nor change its decision.
    floor = math.log2(prior / (1 - prior))
    pairs = linker.inference.predict(threshold_match_weight=floor, warning_mode="never")
    model = linker.misc.save_model_to_json()
    w = " + ".join(f"mw_{c}" for c in WEIGHTS)
    mws = ", ".join(f"mw_{c}" for c in WEIGHTS)
    ws.execute(
        f"CREATE OR REPLACE TABLE pairs AS SELECT "
        f"CASE WHEN source_dataset_l = '{SOURCE_ROWS}' THEN unique_id_l ELSE unique_id_r END "
        f"AS rid, CASE WHEN source_dataset_l = '{SOURCE_ROWS}' THEN unique_id_r "
        f"ELSE unique_id_l END AS pno, {w} AS w, {mws} FROM {pairs.physical_name}")
    for name in [str(r[0]) for r in ws.rows(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '__splink%'")]:
        ws.execute(f'DROP TABLE IF EXISTS "{name}"')
    return "pairs", model
