"""Property-based tests (Hypothesis) of the projection reader and the rules reader: arbitrary
bytes and arbitrary cells raise nothing but the domain errors; inputs the projection reader
accepts project to finite, non-negative populations and deaths; every person of a rules
table is either evaluated or reported with a row error."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from renkou.demography.projection import project
from renkou.errors import RenkouError
from renkou.projection.io import load_projection
from renkou.projection.sample import write_sample_inputs
from renkou.rules.schemes import get_scheme, run_people, scheme_keys
from renkou.tables import read_table

AS_OF = dt.date(2024, 12, 31)
STEMS = ("population", "asfr", "mortality", "srb", "migration", "internal_migration")
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=-2.0, max_value=2.0).map(lambda v: f"{v:.6g}"),
    st.integers(-10**12, 10**12).map(str),
    st.sampled_from(["1e308", "-1e308", "1e309", "inf", "-inf", "nan", "NaN", "", " ",
                     "100+", "30岁", "0x10", "1,000", "１２", "=1+1", "\x00", "1e-320",
                     "9999999999", "10000000001", "-0", "男", "female", "3"]),
    st.text(max_size=8),
)
# Values a table may well hold (mostly accepted): what the sense checks must get right.
plausible = st.one_of(
    st.floats(min_value=0.0, max_value=1.0).map(repr),
    st.floats(min_value=-1e6, max_value=1e10).map(repr),
    st.sampled_from(["0", "1", "2", "0.999999", "1.000001", "1e10", "-1e10", "20", "20.5",
                     "106", "-5000", "-1e7"]),
)


@pytest.fixture(scope="module")
def sample() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield write_sample_inputs(Path(d) / "in", 2020, 2023)


@pytest.fixture(scope="module")
def frames(sample: Path) -> dict[str, pd.DataFrame]:
    return {s: pd.read_csv(sample / f"{s}.csv", dtype=str, keep_default_na=False)
            for s in STEMS}


def _copy(sample: Path, into: str) -> Path:
    d = Path(into) / "in"
    shutil.copytree(sample, d)
    return d


def _load_and_project(d: Path) -> None:
    """Either a domain error, or inputs that project to finite, non-negative numbers."""
    try:
        loaded = load_projection(d)
    except RenkouError:
        event("refused")
        return
    event("loaded and projected")
    result = project(loaded.inputs)
    for name in ("population", "births", "deaths"):
        values = getattr(result, name)
        assert np.isfinite(values).all(), name
        assert values.min() >= 0.0, name


@FUZZ
@given(stem=st.sampled_from([*STEMS, "projection"]), data=st.binary(max_size=600))
def test_projection_reader_arbitrary_bytes(sample: Path, stem: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = _copy(sample, tmp)
        name = "projection.toml" if stem == "projection" else f"{stem}.csv"
        (d / name).write_bytes(data)
        _load_and_project(d)


@FUZZ
@given(stem=st.sampled_from(STEMS), where=st.integers(0, 10**6),
       column=st.sampled_from(["year", "region", "origin", "destination", "sex", "age",
                               "value", "value", "value"]),
       values=st.lists(st.one_of(plausible, number), min_size=1, max_size=3))
def test_projection_reader_arbitrary_cells(sample: Path, frames: dict[str, pd.DataFrame],
                                           stem: str, where: int, column: str,
                                           values: list[str]) -> None:
    """A few consecutive cells of one column replaced by arbitrary numbers and text."""
    df = frames[stem].copy()
    if column not in df.columns:
        column = "value"
    start = where % len(df)
    for i, v in enumerate(values):
        df.loc[(start + i) % len(df), column] = v
    with tempfile.TemporaryDirectory() as tmp:
        d = _copy(sample, tmp)
        df.to_csv(d / f"{stem}.csv", index=False)
        _load_and_project(d)


@FUZZ
@given(stem=st.sampled_from(STEMS),
       rows=st.lists(st.lists(number, min_size=0, max_size=7), min_size=1, max_size=4))
def test_projection_reader_arbitrary_rows(sample: Path, frames: dict[str, pd.DataFrame],
                                          stem: str, rows: list[list[str]]) -> None:
    """Arbitrary (and ragged) rows appended to a table."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(frames[stem].columns)
    writer.writerows(frames[stem].itertuples(index=False))
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        d = _copy(sample, tmp)
        (d / f"{stem}.csv").write_text(buf.getvalue(), encoding="utf-8")
        _load_and_project(d)


def _evaluate(key: str, path: Path) -> None:
    """The reading path of ``renkou rules evaluate``: read the table, then validate and run;
    each person is evaluated or has a row error."""
    try:
        df = read_table(path)
        run = run_people(key, df, AS_OF, file=path.name)
    except RenkouError:
        event("refused")
        return
    event("evaluated, some rows valid" if len(run.output) else "evaluated, no row valid")
    assert run.n_input == len(df)
    bad = {e.row for e in run.errors}
    assert all(2 <= r <= len(df) + 1 for r in bad)
    assert len(run.output) + len(bad) == run.n_input


@FUZZ
@given(key=st.sampled_from(scheme_keys()), data=st.binary(max_size=600))
def test_rules_reader_arbitrary_bytes(key: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "PEOPLE.csv"
        path.write_bytes(data)
        _evaluate(key, path)


cell = st.one_of(
    number,
    st.sampled_from(["true", "false", "是", "否", "male", "female", "男", "女", "urban",
                     "rural", "dibao", "none", "light", "severe", "重度", "120101", "500103",
                     "1940-01-01", "2024-12-31", "2025-01-01", "1900-02-29", "2000-02-29",
                     "0001-01-01", "9999-12-31", "p1", "p1", "=cmd|' /C calc'!A0"]),
    st.from_regex(r"(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]", fullmatch=True),
)


VALID = {"id": "p", "date": "1940-01-01", "bool": "true", "district": "120101",
         "number": "1000", "count": "1"}


def _valid_row(key: str, n: int) -> list[str]:
    return [f"v{n}" if c.kind == "id" else c.values[0] if c.kind == "enum" else VALID[c.kind]
            for c in get_scheme(key).columns]


edit = st.tuples(st.integers(0, 20), cell)


@FUZZ
@given(key=st.sampled_from(scheme_keys()), drop=st.sets(st.integers(0, 20), max_size=2),
       rows=st.lists(st.one_of(st.lists(cell, min_size=0, max_size=16),
                               st.lists(edit, max_size=3)), min_size=0, max_size=6))
def test_rules_reader_arbitrary_rows(key: str, drop: set[int],
                                     rows: list[list[str] | list[tuple[int, str]]]) -> None:
    """Rows of arbitrary (and ragged) cells, or valid rows with a few cells replaced, under
    the scheme's header, a column or two sometimes missing."""
    columns = get_scheme(key).columns
    header = [c.name for i, c in enumerate(columns) if i not in drop]
    table: list[list[str]] = []
    for n, r in enumerate(rows):
        cells = [c for c in r if isinstance(c, str)]
        edits = [c for c in r if isinstance(c, tuple)]
        if edits:
            cells = _valid_row(key, n)
            for i, v in edits:
                cells[i % len(cells)] = v
            cells = [v for i, v in enumerate(cells) if i not in drop]
        table.append(cells)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(table)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "PEOPLE.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        _evaluate(key, path)
