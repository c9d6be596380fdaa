"""Property-based tests (Hypothesis): arbitrary bytes and rows given to the feed readers and
the ID functions raise nothing but the domain errors, and every batch that is written keeps
``rows_read = accepted + quarantined``."""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renkou import ids
from renkou.errors import InputError
from renkou.registry.ingest import BatchReport, ingest_directory
from renkou.registry.loader import load_raw
from renkou.registry.store import Scratch, Store
from renkou.tables import read_table

SMALL = Path(__file__).parents[1] / "registry" / "data" / "small"
HEADER = (SMALL / "hrss_employment.csv").read_text(encoding="utf-8").splitlines()[0]
VALID_IDS = list(ids.generate(np.array(["120103"] * 4), np.array(
    ["1980-01-01", "1995-06-30", "2001-12-31", "1960-02-29"], dtype="datetime64[D]"),
    np.array(["male", "female", "male", "female"]), np.random.default_rng(1)))
_counter = itertools.count()

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from([*VALID_IDS, "120104001", "120103", "2018-03-01", "2024-12-31", "", " ",
                     "赵六", "=1+1", "\ufffd", "X" * 300]),
    st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True),
    st.from_regex(r"(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]", fullmatch=True),
)
VALID_ROW = (SMALL / "hrss_employment.csv").read_text(encoding="utf-8").splitlines()[1]
# Rows of 7 cells (the header's width) most of the time, ragged ones sometimes, and the
# fixture's valid row with one cell replaced.
row = st.one_of(
    st.lists(cell, min_size=7, max_size=7),
    st.lists(cell, min_size=0, max_size=9),
    st.tuples(st.integers(0, 6), cell).map(
        lambda ic: [ic[1] if i == ic[0] else v for i, v in enumerate(VALID_ROW.split(","))]),
)
rows = st.lists(row, min_size=0, max_size=8)


def _assert_consistent(store: Store, report: BatchReport) -> None:
    assert report.accepted + report.quarantined == report.rows_read
    if report.batch_id is not None:
        stored = store.rows("SELECT rows_read, quarantined FROM ingest_batches "
                            "WHERE batch_id = ?", [report.batch_id])
        assert stored == [(report.rows_read, report.quarantined)]


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    root = tmp_path_factory.mktemp("fuzz")
    store = Store(root / "f.duckdb")
    yield store, root
    store.close()


def _ingest_bytes(fuzz_store: tuple[Store, Path], data: bytes, suffix: str = ".csv") -> None:
    store, root = fuzz_store
    feed = root / f"d{next(_counter)}"
    feed.mkdir()
    (feed / f"hrss_employment_f{suffix}").write_bytes(data)
    try:
        report = ingest_directory(store, feed)
    except InputError:
        return
    _assert_consistent(store, report)


@pytest.mark.slow
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=rows, quoted=st.booleans())
def test_arbitrary_rows_are_accepted_quarantined_or_refused(
        fuzz_store: tuple[Store, Path], rows: list[list[str]], quoted: bool) -> None:
    if quoted:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        body = buf.getvalue()
    else:  # as a careless exporter would write them
        body = "".join(",".join(r) + "\n" for r in rows)
    _ingest_bytes(fuzz_store, (HEADER + "\n" + body).encode("utf-8", "surrogatepass"))


@pytest.mark.slow
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".parquet"]),
       with_header=st.booleans())
def test_arbitrary_bytes_are_refused_or_counted(fuzz_store: tuple[Store, Path], data: bytes,
                                                suffix: str, with_header: bool) -> None:
    prefix = (HEADER + "\n").encode() if with_header and suffix == ".csv" else b""
    _ingest_bytes(fuzz_store, prefix + data, suffix)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".xlsx", ".parquet"]))
def test_loader_and_table_reader_raise_only_input_errors(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"edu_school_x{suffix}"
        path.write_bytes(data)
        with Scratch() as scratch:
            try:
                loaded = load_raw(scratch, path, "raw", Path(tmp))
            except InputError:
                pass
            else:
                assert isinstance(loaded.headers, list)
        try:
            read_table(path)
        except InputError:
            pass


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=24))
def test_id_functions_raise_only_id_number_errors(text: str) -> None:
    verdict = ids.validate(text)
    assert verdict.valid == ids.is_valid(text)
    assert isinstance(ids.mask(text), str)
    for fn in (ids.parse, ids.upgrade15):
        try:
            fn(text)
        except ids.IdNumberError:
            pass
    if verdict.valid:
        assert ids.parse(text).birth_date.year >= 1850


@settings(max_examples=200, deadline=None)
@given(digits=st.from_regex(r"[0-9]{15}", fullmatch=True))
def test_every_fifteen_digit_number_upgrades_to_eighteen_characters(digits: str) -> None:
    upgraded = ids.upgrade15(digits)
    assert len(upgraded) == 18 and upgraded[17] == ids.check_character(upgraded[:17])
