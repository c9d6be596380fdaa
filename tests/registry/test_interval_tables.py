"""The precomputed caliber intervals (resident_spells, employed_spells, active_spells) must
give, at every date, exactly what the per-date rules of docs/registry-contract.md give when
evaluated on the spell tables directly (the rules below are the former query-time
versions)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from renkou.registry import sql
from renkou.registry.ingest import ingest_directory
from renkou.registry.store import Store
from renkou.registry.sweeps import six_months_reached


def test_six_months_reached_is_the_first_date_of_the_half_year_rule(tmp_path: Path) -> None:
    """For every day s in 1899–2040: T = six_months_reached(s) satisfies s ≤ T − 6 months
    and s > (T − 1 day) − 6 months (DuckDB's clamped month arithmetic, as in the queries)."""
    with Store(tmp_path / "t.duckdb") as store:
        t = six_months_reached("s")
        n, bad, clamped = store.frame(
            f"WITH x AS (SELECT s::DATE AS s FROM range(DATE '1899-01-01', DATE '2040-01-01', "
            f"INTERVAL 1 DAY) r(s)), y AS (SELECT s, {t} AS t FROM x) "
            "SELECT count(*), count(*) FILTER (WHERE NOT ((t - INTERVAL 6 MONTH)::DATE >= s "
            "AND ((t - 1) - INTERVAL 6 MONTH)::DATE < s)), "
            "count(*) FILTER (WHERE t <> (s + INTERVAL 6 MONTH)::DATE) FROM y").iloc[0]
    assert n == 51_499 and bad == 0
    assert clamped > 0  # the day-after branch is exercised (e.g. 08-30, 08-31)


def _resident_per_date(d: date) -> str:
    six = sql.months_before(d, 6)
    return (f"SELECT pid, CASE WHEN residence IS NULL THEN hukou "
            f"WHEN residence = hukou THEN residence WHEN spell_start <= {six} THEN residence "
            f"ELSE hukou END AS code, sex, birth_date FROM ({sql.resident_parts_sql(d)}) "
            f"WHERE code IS NOT NULL")


def _employed_per_date(d: date) -> str:
    dl = sql.lit(d)
    pick = ("arg_max(code, (start_date, code)) AS code, any_value(sex) AS sex, "
            "any_value(birth_date) AS birth_date")
    alive = sql.alive_where(d)
    return (f"WITH emp AS (SELECT pid, {pick} FROM work_spells WHERE start_date <= {dl} "
            f"AND (end_date IS NULL OR end_date >= {dl}) AND {alive} GROUP BY pid), "
            f"ins AS (SELECT pid, {pick} FROM insurance_spells "
            f"WHERE scheme IN ('employee_pension', 'employee_medical') "
            f"AND start_date <= {dl} AND end_date >= {dl} AND {alive} GROUP BY pid) "
            f"SELECT coalesce(emp.pid, ins.pid) AS pid, coalesce(emp.code, ins.code) AS code, "
            f"coalesce(emp.sex, ins.sex) AS sex, coalesce(emp.birth_date, ins.birth_date) "
            f"AS birth_date FROM emp FULL OUTER JOIN ins ON emp.pid = ins.pid")


def _active_by_district_per_date(d: date) -> str:
    """The per-record 实际活动人口 rule, one row per person and district."""
    return (f"SELECT DISTINCT pid, substr(code, 1, 6) AS code, sex, birth_date "
            f"FROM ({sql.active_at_sql(d)}) WHERE substr(code, 1, 2) = '12'")


@pytest.mark.slow
def test_intervals_equal_per_date_rules(tmp_path: Path) -> None:
    synth = pytest.importorskip("renkou.registry.synth")
    synth.write_feeds(synth.generate_city(3_000, 5), tmp_path)
    # every 53 days over 1995–2026 plus month ends where the half-year rule clamps
    dates = [date(1995, 1, 1) + timedelta(days=i) for i in range(0, 11_700, 53)]
    dates += [date(2021, 2, 28), date(2021, 3, 1), date(2020, 2, 29), date(2020, 8, 31),
              date(2020, 11, 1), date(2024, 12, 31)]
    with Store(tmp_path / "r.duckdb") as store:
        ingest_directory(store, tmp_path)
        seen = {"resident": 0, "employed": 0, "active": 0}
        for d in dates:
            for caliber, ref in (("resident", _resident_per_date(d)),
                                 ("employed", _employed_per_date(d)),
                                 ("active", _active_by_district_per_date(d))):
                new = ("SELECT pid, code, sex, birth_date FROM "
                       f"({sql.located_sql(caliber, d, 'district')})")
                old = f"SELECT pid, code, sex, birth_date FROM ({ref})"
                only_new, only_old, rows = store.frame(
                    f"SELECT (SELECT count(*) FROM ({new} EXCEPT ALL {old})), "
                    f"(SELECT count(*) FROM ({old} EXCEPT ALL {new})), "
                    f"(SELECT count(*) FROM ({old}))").iloc[0]
                assert (only_new, only_old) == (0, 0), f"{caliber} at {d}"
                seen[caliber] += int(rows)
        # Merged intervals never overlap for one person and district (an overlap would
        # count the person twice); identical source rows once split an island in two.
        overlaps = store.scalar(
            "SELECT count(*) FROM active_spells a JOIN active_spells b USING (pid, district) "
            "WHERE a.start_date <= b.start_date AND (a.end_date IS NULL OR a.end_date > "
            "b.start_date) AND (a.start_date, a.end_date) IS DISTINCT FROM "
            "(b.start_date, b.end_date)")
        duplicated = store.scalar(
            "SELECT count(*) FROM (SELECT pid, district, start_date FROM active_spells "
            "GROUP BY ALL HAVING count(*) > 1)")
        assert (overlaps, duplicated) == (0, 0)
    assert seen["resident"] > 100_000 and seen["employed"] > 30_000
    assert seen["active"] > seen["resident"]


_EMPLOYED_CASES = [
    # (pid, kind, code, start, end): nested work spells (the outer one covers again after
    # the inner ends), a gap filled by insurance, a same-day start where the greater code
    # ends first (and one where it ends last), a spell ending before it starts, a repeated
    # spell and an open work spell.
    (1, "work", "120101001", "2020-01-01", "2020-12-31"),
    (1, "work", "120102001", "2020-03-01", "2020-04-30"),
    (2, "work", "120101001", "2019-01-01", "2019-06-30"),
    (2, "ins", "120103001", "2019-01-01", "2019-12-31"),
    (2, "work", "120104001", "2019-09-01", None),
    (3, "work", "120101001", "2021-01-01", "2021-03-31"),
    (3, "work", "120102001", "2021-01-01", "2021-12-31"),
    (4, "work", "120101001", "2021-01-01", "2021-12-31"),
    (4, "work", "120102001", "2021-01-01", "2021-03-31"),
    (5, "work", "120101001", "2020-05-01", "2020-04-20"),
    (5, "ins", "120105001", "2020-01-01", "2020-06-30"),
    (6, "work", "120101001", "2020-02-01", "2020-08-31"),
    (6, "work", "120101001", "2020-02-01", "2020-08-31"),
    (6, "ins", "120106001", "2020-06-01", "2021-02-28"),
    (6, "ins", "120107001", "2020-07-01", "2020-09-30"),
]


def test_employed_intervals_equal_the_per_date_pick_for_nested_and_tied_spells(
        tmp_path: Path) -> None:
    """The sweep and its fallback for nested spells give, on every day, the covering work
    spell with the latest (start, code), else the covering employee insurance likewise."""
    from renkou.registry import sweeps

    with Store(tmp_path / "e.duckdb") as store:
        store.execute("CREATE TABLE persons AS SELECT range::UBIGINT AS pid, 'male' AS sex, "
                      "DATE '1980-01-01' AS birth_date, NULL::DATE AS death_date "
                      "FROM range(1, 7)")
        values = ", ".join(
            f"({pid}::UBIGINT, '{code}', DATE '{start}', "
            f"{'NULL' if end is None else repr(end)}::DATE, "
            f"'{'employee_pension' if kind == 'ins' else kind}')"
            for pid, kind, code, start, end in _EMPLOYED_CASES)
        store.execute(f"CREATE TABLE src AS SELECT * FROM (VALUES {values}) "
                      "t(pid, code, start_date, end_date, kind)")
        store.execute("CREATE TABLE work_spells AS SELECT pid, code, start_date, end_date "
                      "FROM src WHERE kind = 'work'")
        store.execute("CREATE TABLE insurance_spells AS SELECT pid, code, kind AS scheme, "
                      "start_date, end_date FROM src WHERE kind <> 'work'")
        sweeps.rebuild_employed(store)
        pick = "arg_max(s.code, (s.start_date, s.code))"
        days = ("SELECT d::DATE AS d FROM range(DATE '2018-12-01', DATE '2022-03-01', "
                "INTERVAL 1 DAY) r(d)")
        wrong, covered = store.frame(
            f"WITH days AS ({days}), p AS (SELECT pid FROM persons), "
            f"rule AS (SELECT p.pid, d.d, coalesce("
            f"(SELECT {pick} FROM work_spells s WHERE s.pid = p.pid AND s.start_date <= d.d "
            f"AND (s.end_date IS NULL OR s.end_date >= d.d)), "
            f"(SELECT {pick} FROM insurance_spells s WHERE s.pid = p.pid "
            f"AND s.start_date <= d.d AND s.end_date >= d.d)) AS code FROM p, days d), "
            "got AS (SELECT r.pid, r.d, list(e.code) AS codes FROM rule r LEFT JOIN "
            "employed_spells e ON e.pid = r.pid AND e.start_date <= r.d AND "
            "(e.end_date IS NULL OR e.end_date > r.d) GROUP BY r.pid, r.d) "
            "SELECT count(*) FILTER (WHERE list_filter(g.codes, lambda c: c IS NOT NULL) "
            "IS DISTINCT FROM CASE WHEN r.code IS NULL THEN [] ELSE [r.code] END), "
            "count(r.code) FROM rule r JOIN got g USING (pid, d)").iloc[0]
        nested = store.scalar("SELECT count(*) FROM information_schema.tables "
                              "WHERE table_name LIKE 'employed_%'")
    assert wrong == 0
    assert covered > 2_000  # the cases cover days, not only gaps
    assert nested == 1  # only employed_spells remains; the sweep's work tables are dropped
