"""The Splink model (DuckDB backend): comparisons, blocking rules, unsupervised training
(random sampling for u, expectation maximisation for m) and scored candidate pairs with
each comparison's match weight, so that every pair's score can be explained."""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import pandas as pd

SOURCE_ROWS = "rows"
SOURCE_PERSONS = "persons"


def _null(col: str) -> dict[str, Any]:
    return {"sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL',
            "label_for_charts": "缺失 null", "is_null_level": True}


def _level(sql: str, label: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label}


ELSE = _level("ELSE", "其他 else")


def comparisons() -> list[Any]:
    import splink.comparison_library as cl

    name = cl.CustomComparison(output_column_name="name", comparison_levels=[
        _null("name"),
        _level("name_l = name_r", "姓名相同 exact"),
        _level("name_py_l = name_py_r", "同音 same pinyin"),
        _level("damerau_levenshtein(name_l, name_r) <= 1 AND surname_py_l = surname_py_r",
               "差一字 one character"),
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
    """Each rule pairs a row with few persons (near-linear): same birth date and sex, same
    name sound and birth year, the same surviving ID digits, the same written name."""
    from splink import block_on

    return [block_on("birth", "sex"), block_on("name_py", "birth_year"), block_on("id17"),
            block_on("name", "sex")]


MIN_TRAIN = 500  # fewer pending rows than this: use the model trained by an earlier run


def score(rows: pd.DataFrame, persons: pd.DataFrame, *, seed: int = 1,
          temp_dir: str | None = None, trained: dict[str, Any] | None = None
          ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Train the model on ``rows`` against ``persons`` (or, for a handful of rows, take
    ``trained``, an earlier run's model) and return the scored pairs (unique_id_l = row,
    unique_id_r = person, match_probability, match_weight and the ``mw_<comparison>``
    weights) and the model as a dictionary. The prior is one person of the store per row:
    1 / persons."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    con = duckdb.connect(":memory:")  # nothing of it reaches the disk but spilled pages
    if temp_dir:
        con.execute(f"SET temp_directory = '{temp_dir}'")
    db_api = DuckDBAPI(connection=con)
    prior = 1.0 / max(len(persons), 2)
    use_trained = trained is not None and len(rows) < MIN_TRAIN
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
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
        for rule in (block_on("birth", "sex"), block_on("name_py", "birth_year")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, record_sample_proportion=1.0)
    pairs = linker.inference.predict(threshold_match_probability=0.01,
                                     warning_mode="never").as_pandas_dataframe()
    model = linker.misc.save_model_to_json()
    con.close()
    return pairs, model
