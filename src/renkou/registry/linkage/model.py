"""The Splink model: comparisons, blocking rules, unsupervised training (random sampling
for u, expectation maximisation on a sample of pairs for m) and the scored candidate pairs
with each comparison's match weight, so that every pair's score can be explained.

The model is written once. Its comparisons are DuckDB SQL (the store's dialect); for
another engine each condition is translated by SQLGlot (:func:`condition`), with the two
similarity functions DuckDB has built in and Spark has not mapped to the Scala functions
of Splink's similarity jar. Training and prediction (:func:`train_and_predict`) take any
Splink backend: here DuckDB, in the linkage workspace (an in-memory DuckDB of its own that
spills only into the store's private folder); Spark in
:mod:`renkou.registry.linkage.on_spark`."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import duckdb

from renkou.registry.dialect import SOURCE_DIALECT
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


# DuckDB functions of the comparisons that Spark SQL lacks, and their Spark counterparts:
# Splink's similarity jar registers jaro_winkler and damerau_levenshtein (the same measures,
# character by character; prefix scale 0.1 for Jaro–Winkler); arrays_overlap is Spark's own.
SPARK_FUNCTIONS = {"jaro_winkler_similarity": "jaro_winkler",
                   "damerau_levenshtein": "damerau_levenshtein",
                   "list_has_any": "arrays_overlap"}


def condition(sql: str, dialect: str) -> str:
    """A comparison level's condition (DuckDB SQL) as ``dialect`` runs it."""
    if dialect == SOURCE_DIALECT or sql == "ELSE":
        return sql
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    def swap(node: exp.Expr) -> exp.Expr:
        # SQLGlot knows two of the three as typed nodes; each becomes a call by name.
        typed: dict[type, str] = {exp.JarowinklerSimilarity: "jaro_winkler_similarity",
                                  exp.ArrayOverlaps: "list_has_any"}
        name = typed.get(type(node))
        if name is None and isinstance(node, exp.Anonymous):
            name = str(node.this).lower()
        if name not in SPARK_FUNCTIONS:
            return node
        args = node.expressions if isinstance(node, exp.Anonymous) else \
            [node.this, node.expression]
        return exp.Anonymous(this=SPARK_FUNCTIONS[name], expressions=args)

    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT).transform(swap)
    return tree.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE)


def _null(col: str) -> dict[str, Any]:
    return {"sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL',
            "label_for_charts": "缺失 null", "is_null_level": True}


def _level(sql: str, label: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label}


ELSE = _level("ELSE", "其他 else")


def levels() -> dict[str, list[dict[str, Any]]]:
    """Each comparison's levels, best first, conditions in DuckDB SQL."""
    # One character more or less keeps at least two in common (王伟明 / 王伟, 王伟 / 王伟伟);
    # one changed counts only in names of three or more (two-character names of one
    # surname all differ by one character: that is no evidence of the person).
    return {
        "name": [
            _null("name"),
            _level("name_l = name_r", "姓名相同 exact"),
            _level("name_py_l = name_py_r", "同音 same pinyin"),
            _level("length(name_l) <> length(name_r) AND least(length(name_l), "
                   "length(name_r)) >= 2 AND damerau_levenshtein(name_l, name_r) = 1",
                   "多一字或少一字 one added or dropped"),
            _level("length(name_l) = length(name_r) AND length(name_l) >= 3 "
                   "AND damerau_levenshtein(name_l, name_r) = 1 "
                   "AND surname_py_l = surname_py_r", "三字以上差一字 one character of three"),
            _level("jaro_winkler_similarity(name_py_l, name_py_r) >= 0.88",
                   "拼音相近 pinyin close"),
            ELSE],
        "sex": [_null("sex"), _level("sex_l = sex_r", "相同 same"), ELSE],
        "birth": [
            _null("birth"),
            _level("birth_l = birth_r", "相同 exact"),
            _level("substr(birth_l, 1, 5) || substr(birth_l, 9, 2) || '-' || "
                   "substr(birth_l, 6, 2) = birth_r", "日月颠倒 day/month transposed"),
            _level("levenshtein(birth_l, birth_r) = 1", "差一位 one digit"),
            ELSE],
        "districts": [
            {"sql_condition": "array_length(districts_l) = 0 OR array_length(districts_r) = 0",
             "label_for_charts": "缺失 null", "is_null_level": True},
            _level("list_has_any(districts_l, districts_r)", "同区县 shared district"),
            ELSE],
        "id17": [
            _null("id17"),
            _level("id17_l = id17_r", "前17位相同 exact"),
            _level("damerau_levenshtein(id17_l, id17_r) <= 1", "错一位或颠倒 one typo"),
            ELSE]}


def _trained_levels(trained: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The m and u probabilities of an earlier run's model (Splink's JSON), by comparison,
    level by level; only where its levels line up with :func:`levels`."""
    out: dict[str, list[dict[str, Any]]] = {}
    mine = levels()
    for c in (trained or {}).get("comparisons", []):
        name, got = c.get("output_column_name"), c.get("comparison_levels", [])
        if name in mine and len(got) == len(mine[name]):
            out[name] = [{k: v for k, v in lv.items() if k in ("m_probability", "u_probability")}
                         for lv in got]
    return out


def comparisons(dialect: str = SOURCE_DIALECT,
                trained: dict[str, Any] | None = None) -> list[Any]:
    """The comparisons in ``dialect``, with the probabilities of ``trained`` when given."""
    import splink.comparison_library as cl

    probs = _trained_levels(trained)
    out = []
    for name in WEIGHTS:
        given = probs.get(name)
        out.append(cl.CustomComparison(output_column_name=name, comparison_levels=[
            {**lv, "sql_condition": condition(lv["sql_condition"], dialect),
             **(given[i] if given else {})} for i, lv in enumerate(levels()[name])]))
    return out


def blocking_rules() -> list[Any]:
    """Each rule pairs a row with a handful of persons even among 18 million: the same birth
    date, sex and surname sound; the same name sound and birth year (a mistyped day or
    month); the same surviving ID digits; the same written name, month and day (a mistyped
    year). Birth date and sex alone would pair each row with ≈ 250 persons at 14 million.
    Splink writes them in each backend's dialect."""
    from splink import block_on

    return [block_on("birth", "sex", "surname_py"), block_on("name_py", "birth_year"),
            block_on("id17"), block_on("name", "substr(birth, 6, 5)")]


MIN_TRAIN = 500  # fewer pending rows than this: use the model trained by an earlier run
U_PAIRS = 1e7  # random pairs for the u probabilities
EM_PAIRS = 2e6  # blocked pairs (at most) for each expectation-maximisation pass


def train_and_predict(db_api: Any, dialect: str, rows: Any, persons: Any, n_rows: int,
                      n_persons: int, *, seed: int = 1, trained: dict[str, Any] | None = None
                      ) -> tuple[str, dict[str, Any]]:
    """Train the model on ``rows`` against ``persons`` (tables of the backend ``db_api``
    speaking ``dialect``) — or, for a handful of rows, take the probabilities of ``trained``,
    an earlier run's model — and predict. Returns the SQL (in the source dialect) that
    selects the candidate pairs with a Bayes factor of at least 1 (``rid``, ``pno``, ``w`` =
    log2 Bayes factor, and ``mw_<comparison>``) from the backend, and the model as a
    dictionary. Splink's own prior (one person of the store per row, 1 / persons) is not
    used for decisions: :mod:`renkou.registry.linkage.decide` weighs each row's candidates
    together."""
    from splink import Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    prior = 1.0 / max(n_persons, 2)
    use_trained = n_rows < MIN_TRAIN and len(_trained_levels(trained)) == len(WEIGHTS)
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=comparisons(dialect, trained if use_trained else None),
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
    return (f"SELECT "
            f"CASE WHEN source_dataset_l = '{SOURCE_ROWS}' THEN unique_id_l ELSE unique_id_r END "
            f"AS rid, CASE WHEN source_dataset_l = '{SOURCE_ROWS}' THEN unique_id_r "
            f"ELSE unique_id_l END AS pno, {w} AS w, {mws} FROM {pairs.physical_name}", model)


def score(ws: Workspace, rows: str, persons: str, n_rows: int, n_persons: int, *,
          seed: int = 1, trained: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """:func:`train_and_predict` on DuckDB over the tables ``rows`` and ``persons`` of
    ``ws``; returns the name of the table of pairs in ``ws`` and the model."""
    from splink import DuckDBAPI

    sql, model = train_and_predict(DuckDBAPI(connection=ws.duckdb), SOURCE_DIALECT, rows,
                                   persons, n_rows, n_persons, seed=seed, trained=trained)
    ws.execute(f"CREATE OR REPLACE TABLE pairs AS {sql}")
    for name in [str(r[0]) for r in ws.rows(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '__splink%'")]:
        ws.execute(f'DROP TABLE IF EXISTS "{name}"')
    return "pairs", model
