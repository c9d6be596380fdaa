"""The registry as seen by higher layers (人口基础信息库接口): the web dashboard, indicator
engine and rules engine call :class:`Registry` and never touch DuckDB themselves.

A store serves one jurisdiction (:meth:`Registry.jurisdiction`, recorded by its first
ingest): every area query counts the jurisdiction's areas — level ``city`` the whole
jurisdiction (its code), ``district`` 6-digit county codes, ``street`` 9-digit 街镇 codes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from renkou.errors import InputError, StoreError
from renkou.jurisdictions import Jurisdiction
from renkou.regions import gazetteer
from renkou.registry import flows as _flows
from renkou.registry.calibers import caliber_counts
from renkou.registry.keyring import store_keys
from renkou.registry.origin import Provenance, store_jurisdiction, store_provenance
from renkou.registry.queries import (
    DATA_THROUGH_SQL,
    REGIONS_PRESENT_SQL,
    attainment_sql,
    persons_sql,
    settlers_sql,
    urban_split_sql,
)
from renkou.registry.separation import separation_counts
from renkou.registry.sql import BY_COLUMNS
from renkou.registry.store import Store, StoreHost
from renkou.settings import Settings

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Registry:
    """Population base registry (人口基础信息库) on one DuckDB file."""

    def __init__(self, db_path: Path, *, read_only: bool = False,
                 settings: Settings | None = None, host: StoreHost | None = None) -> None:
        # settings None: the process's settings (read when the store is opened); host: a
        # connection to the instance a server process holds (see StoreHost).
        self.store = Store(db_path, read_only=read_only, settings=settings, host=host)
        self.settings = self.store.settings
        try:  # keys other than the store's are refused; production requires keys
            store_keys(self.store)
        except Exception:
            self.store.close()
            raise
        if self.store.sets_up:
            from renkou.registry import spells
            from renkou.registry.ingest import ensure_record_tables

            with self.store.transaction():
                ensure_record_tables(self.store)
                if not self._derived_current():  # built by an older version: rebuild
                    spells.rebuild(self.store, 0, self.jurisdiction())
        elif not read_only:
            pass  # a host's later writers: its first writer checked the tables
        elif not self.store.table_exists("persons"):
            self.store.close()
            raise StoreError(f"数据库 {db_path} 尚未导入任何数据"
                             "（请先运行 renkou registry ingest）")
        elif not self._derived_current():
            self.store.close()
            raise StoreError(f"数据库 {db_path} 由旧版本生成，请以可写方式打开一次或重新运行 "
                             "renkou registry ingest 以重建状态表")
        self._register_reference()

    def _derived_current(self) -> bool:
        # Older versions lacked the denormalised person columns, the employed intervals or
        # the active intervals (resident_spells.hukou_only comes with them).
        return bool(self.store.scalar(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = "
            "'hukou_spells' AND column_name = 'death_date'")) and bool(self.store.scalar(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                "'resident_spells' AND column_name = 'hukou_only'")) and self.store.table_exists(
            "employed_spells") and self.store.table_exists("active_spells")

    def _register_reference(self) -> None:
        streets = [r for r in gazetteer().regions.values()
                   if r.level == "street" and r.urban is not None]
        self.store.register("street_urban", pd.DataFrame({
            "street": [r.code for r in streets], "urban": [bool(r.urban) for r in streets],
        }) if streets else pd.DataFrame({"street": pd.Series([], dtype=str),
                                         "urban": pd.Series([], dtype=bool)}))

    # -- what the store is ------------------------------------------------------------------
    def jurisdiction(self) -> Jurisdiction:
        """The jurisdiction the store serves (recorded by its first ingest; a store built by
        an older version, or still empty, reads as ``settings.jurisdiction``)."""
        return store_jurisdiction(self.store)

    def provenance(self) -> Provenance:
        """How the store's data came about (synthetic city or department records)."""
        return store_provenance(self.store)

    # -- calibers ---------------------------------------------------------------------------
    def caliber(self, as_of: date, caliber: str, level: str = "district",
                by: tuple[str, ...] = BY_COLUMNS) -> pd.DataFrame:
        """Columns ``by`` + value; sex 'male'/'female'; age int, 100 = 100+."""
        return caliber_counts(self.store, as_of, caliber, level, tuple(by),
                              jurisdiction=self.jurisdiction())

    def separation(self, as_of: date, level: str = "district") -> pd.DataFrame:
        """人户分离: region, kind, value."""
        return separation_counts(self.store, as_of, level, jurisdiction=self.jurisdiction())

    def births(self, start: date, end: date, level: str = "district",
               caliber: str = "all") -> pd.DataFrame:
        """Births by the 出生地 of the certificate, or (``caliber='hukou'``) births to
        mothers whose hukou is in the area on the birth date: region, mother_age, sex,
        value."""
        if caliber not in _flows.BIRTH_CALIBERS:
            raise InputError(f"出生统计只支持 all 或 hukou 口径，不支持 {caliber}")
        return _flows.births(self.store, start, end, level, caliber,
                             jurisdiction=self.jurisdiction())

    def deaths(self, start: date, end: date, level: str = "district",
               caliber: str = "all") -> pd.DataFrame:
        """Deaths by place of death, or (``caliber='hukou'``) of hukou registrants by the
        hukou street they held when dying."""
        if caliber not in ("all", "hukou"):
            raise InputError(f"死亡统计只支持 all 或 hukou 口径，不支持 {caliber}")
        return _flows.deaths(self.store, start, end, level, caliber,
                             jurisdiction=self.jurisdiction())

    # -- several dates or years from one query ---------------------------------------------
    def caliber_dates(self, dates: Sequence[date], caliber: str) -> pd.DataFrame:
        """The caliber (hukou, resident or employed) at each date from one scan: as_of, code
        (the place cut to the 街镇), sex, age, value (:mod:`renkou.registry.panel`)."""
        from renkou.registry.panel import caliber_dates

        return caliber_dates(self.store, caliber, dates, jurisdiction=self.jurisdiction())

    def hukou_cells(self, as_of: date) -> pd.DataFrame:
        """Hukou registrants by 街镇, urban class of the 街镇 (NA when unknown), sex and age:
        code, urban, sex, age, value."""
        from renkou.registry.panel import hukou_cells_sql

        df = self.store.frame(hukou_cells_sql(as_of, jurisdiction=self.jurisdiction()))
        return df.astype({"age": "int64", "value": "int64"})

    def births_by_year(self, first: int, last: int, level: str = "district",
                       caliber: str = "all") -> pd.DataFrame:
        """:meth:`births` of the years ``first`` … ``last`` in one query, with a column
        ``year``."""
        if caliber not in _flows.BIRTH_CALIBERS:
            raise InputError(f"出生统计只支持 all 或 hukou 口径，不支持 {caliber}")
        return self.store.frame(_flows.births_sql(
            date(first, 1, 1), date(last, 12, 31), level, caliber,
            jurisdiction=self.jurisdiction(), by_year=True))

    def deaths_by_year(self, first: int, last: int, level: str = "district",
                       caliber: str = "all") -> pd.DataFrame:
        """:meth:`deaths` of the years ``first`` … ``last`` in one query, with a column
        ``year``."""
        if caliber not in ("all", "hukou"):
            raise InputError(f"死亡统计只支持 all 或 hukou 口径，不支持 {caliber}")
        return self.store.frame(_flows.deaths_sql(
            date(first, 1, 1), date(last, 12, 31), level, caliber,
            jurisdiction=self.jurisdiction(), by_year=True))

    def flows(self, start: date, end: date, level: str = "district") -> pd.DataFrame:
        return _flows.flows(self.store, start, end, level, jurisdiction=self.jurisdiction())

    def attainment(self, as_of: date, level: str = "district") -> pd.DataFrame:
        """Residents by region, sex, age and education (census answer raised by later
        graduations; 'unknown' when neither source has it)."""
        return self.store.frame(attainment_sql(as_of, level, self.jurisdiction()))

    def urban_split(self, as_of: date, level: str = "district",
                    caliber: str = "resident") -> pd.DataFrame:
        """Residents (or hukou registrants, ``caliber='hukou'``) by region and urban
        (True/False; NA when unknown)."""
        return self.store.frame(urban_split_sql(as_of, level, caliber, self.jurisdiction()))

    def persons(self, as_of: date, caliber: str = "resident") -> pd.DataFrame:
        """One row per person of the caliber at ``as_of`` (pseudonyms only, never IDs)."""
        return self.store.frame(persons_sql(as_of, caliber))

    def settlers(self, year: int, level: str = "district") -> pd.DataFrame:
        """Residents who gained local hukou in ``year`` (region, sex, age at the start,
        value), matched person by person in the database: only the counts come back, so a
        large store's persons are not turned into Python objects."""
        return self.store.frame(settlers_sql(year, level))

    def data_through(self) -> date | None:
        """The date the registry's data run to (数据截止日期): the latest 登记日期 of the 公安
        户籍 and 居住 registers, which define the hukou and resident populations. None for an
        empty store. Figures for later dates would count an incomplete population."""
        value = self.store.scalar(DATA_THROUGH_SQL)
        return value if isinstance(value, date) else None

    def regions_present(self) -> list[str]:
        """District codes that occur as hukou or residence places."""
        return [str(r[0]) for r in self.store.rows(REGIONS_PRESENT_SQL) if r[0]]

    # -- generic storage for higher layers --------------------------------------------------
    @staticmethod
    def _app_name(name: str) -> str:
        if not _NAME.fullmatch(name):
            raise InputError(f"非法的表名：{name}")
        return name if name.startswith("app_") else f"app_{name}"

    def write_table(self, name: str, df: pd.DataFrame, *, mode: str = "append") -> None:
        """Store a frame in table ``app_<name>`` ('append' or 'replace')."""
        self.store.write_frame(self._app_name(name), df, mode=mode)

    def read_table(self, name: str, where: dict[str, object] | None = None) -> pd.DataFrame:
        """Read ``app_<name>``, optionally filtered by column equality."""
        table = self._app_name(name)
        if not self.store.table_exists(table):
            raise StoreError(f"表 {table} 不存在")
        clauses, params = [], []
        for col, value in (where or {}).items():
            if not _NAME.fullmatch(col):
                raise InputError(f"非法的列名：{col}")
            clauses.append(f'"{col}" = ?')
            params.append(value)
        sql = f"SELECT * FROM {table}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
        return self.store.frame(sql, params)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def quarantine(self, *, batch: int | None = None, feeds: tuple[str, ...] | None = None,
                   reason: str | None = None, limit: int = 200, offset: int = 0,
                   ) -> tuple[pd.DataFrame, int]:
        """A page of quarantined rows (masked IDs only) and the number matching."""
        from renkou.registry.quarantine_view import quarantine_page

        return quarantine_page(self.store, batch=batch, feeds=feeds, reason=reason,
                               limit=limit, offset=offset)

    # -- plan indicators read from the records ------------------------------------------------
    def permit_holding(self, as_of: date, areas: tuple[str, ...]) -> dict[str, int]:
        """外来人口 (residents without hukou in the jurisdiction) and valid 居住证 holders
        among them at ``as_of`` in the area given by division-code prefixes:
        ``{"outsiders": n, "holders": m}``."""
        from renkou.registry.indicator_queries import permit_holding_sql

        row = self.store.rows(permit_holding_sql(as_of, areas))[0]
        return {"outsiders": int(row[0] or 0), "holders": int(row[1] or 0)}

    def jobs_housing(self, as_of: date, areas: tuple[str, ...]) -> dict[str, int]:
        """Employed people of the area by workplace and residence at ``as_of``:
        ``{"workers", "local", "employed_residents"}``
        (:func:`renkou.registry.indicator_queries.jobs_housing_sql`)."""
        from renkou.registry.indicator_queries import jobs_housing_sql

        row = self.store.rows(jobs_housing_sql(as_of, areas))[0]
        return {"workers": int(row[0] or 0), "local": int(row[1] or 0),
                "employed_residents": int(row[2] or 0)}

    def jobs_housing_many(self, as_of: date, areas: dict[str, tuple[str, ...]]
                          ) -> dict[str, dict[str, int]]:
        """:meth:`jobs_housing` of several named areas (each given by division-code
        prefixes) from one query: ``{name: {"workers", "local", "employed_residents"}}``."""
        from renkou.registry.indicator_queries import jobs_housing_many_sql

        names = list(areas)
        row = self.store.rows(jobs_housing_many_sql(as_of, [areas[n] for n in names]))[0]
        return {n: {"workers": int(row[3 * i] or 0), "local": int(row[3 * i + 1] or 0),
                    "employed_residents": int(row[3 * i + 2] or 0)}
                for i, n in enumerate(names)}

