"""The registry as seen by higher layers (人口基础信息库接口): the web dashboard, indicator
engine and rules engine call :class:`Registry` and never touch DuckDB themselves.

A store serves one jurisdiction (:meth:`Registry.jurisdiction`, recorded by its first
ingest): every area query counts the jurisdiction's areas — level ``city`` the whole
jurisdiction (its code), ``district`` 6-digit county codes, ``street`` 9-digit 街镇 codes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from renkou.errors import InputError, StoreError
from renkou.jurisdictions import Jurisdiction
from renkou.regions import gazetteer
from renkou.registry import flows as _flows
from renkou.registry.calibers import caliber_counts
from renkou.registry.origin import Provenance, store_jurisdiction, store_provenance
from renkou.registry.separation import separation_counts
from renkou.registry.sql import (
    BY_COLUMNS,
    age_sql,
    alive_sql,
    education_at_sql,
    employed_at_sql,
    hukou_at_sql,
    lit,
    located_sql,
    region_sql,
    residence_at_sql,
    resident_at_sql,
)
from renkou.registry.store import Store
from renkou.settings import Settings

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Registry:
    """Population base registry (人口基础信息库) on one DuckDB file."""

    def __init__(self, db_path: Path, *, read_only: bool = False,
                 settings: Settings | None = None) -> None:
        # settings None: the process's settings (read when the store is opened).
        self.store = Store(db_path, read_only=read_only, settings=settings)
        self.settings = self.store.settings
        if not read_only:
            from renkou.registry import spells
            from renkou.registry.ingest import ensure_record_tables

            with self.store.transaction():
                ensure_record_tables(self.store)
                if not self._derived_current():  # built by an older version: rebuild
                    spells.rebuild(self.store, 0, self.jurisdiction())
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

    def flows(self, start: date, end: date, level: str = "district") -> pd.DataFrame:
        return _flows.flows(self.store, start, end, level, jurisdiction=self.jurisdiction())

    def _education_sql(self, d: date) -> str:
        return education_at_sql(d)

    def _urban_sql(self, d: date) -> str:
        """Urban (城镇) flag of each resident: the latest census answer given at the street
        the person now counts in, else the gazetteer's flag of that street."""
        return (f"WITH res AS ({resident_at_sql(d)}), "
                f"cen AS (SELECT pid, arg_max(urban, census_date) AS urban, "
                f"arg_max(substr(residence_code, 1, 9), census_date) AS street "
                f"FROM census_facts WHERE census_date <= {lit(d)} GROUP BY pid) "
                f"SELECT res.pid, res.code, coalesce(CASE WHEN cen.street = substr(res.code, 1, 9) "
                f"THEN cen.urban = 'urban' END, su.urban) AS urban FROM res "
                f"LEFT JOIN cen USING (pid) LEFT JOIN street_urban su "
                f"ON su.street = substr(res.code, 1, 9)")

    def attainment(self, as_of: date, level: str = "district") -> pd.DataFrame:
        """Residents by region, sex, age and education (census answer raised by later
        graduations; 'unknown' when neither source has it)."""
        region = region_sql("r.code", level, self.jurisdiction())
        sql = (f"SELECT {region} AS region, p.sex, {age_sql('p.birth_date', lit(as_of))} AS age, "
               f"coalesce(e.education, 'unknown') AS education, count(*) AS value "
               f"FROM ({resident_at_sql(as_of)}) r JOIN persons p USING (pid) "
               f"LEFT JOIN ({self._education_sql(as_of)}) e USING (pid) "
               f"GROUP BY ALL HAVING region IS NOT NULL ORDER BY ALL")
        return self.store.frame(sql)

    def _hukou_urban_sql(self, d: date) -> str:
        """Urban flag of each hukou registrant: the hukou street's urban class. A street is
        urban by the gazetteer where it says, else when most people the census enumerated
        living in it answered 城镇 (the criterion the primer asks to state for 户籍城镇化率)."""
        return (f"WITH h AS ({hukou_at_sql(d)}), "
                f"cs AS (SELECT substr(residence_code, 1, 9) AS street, "
                f"avg(CASE WHEN urban = 'urban' THEN 1.0 ELSE 0.0 END) AS share "
                f"FROM census_facts WHERE census_date <= {lit(d)} AND urban IS NOT NULL "
                f"GROUP BY ALL) "
                f"SELECT h.pid, h.street AS code, coalesce(su.urban, cs.share >= 0.5) AS urban "
                f"FROM h LEFT JOIN street_urban su ON su.street = h.street "
                f"LEFT JOIN cs ON cs.street = h.street")

    def urban_split(self, as_of: date, level: str = "district",
                    caliber: str = "resident") -> pd.DataFrame:
        """Residents (or hukou registrants, ``caliber='hukou'``) by region and urban
        (True/False; NA when unknown)."""
        if caliber not in ("resident", "hukou"):
            raise InputError(f"城乡划分只支持常住人口或户籍人口口径，不支持 {caliber}")
        inner = self._urban_sql(as_of) if caliber == "resident" else self._hukou_urban_sql(as_of)
        region = region_sql("u.code", level, self.jurisdiction())
        return self.store.frame(f"SELECT {region} AS region, u.urban, count(*) AS value "
                                f"FROM ({inner}) u GROUP BY ALL "
                                f"HAVING region IS NOT NULL ORDER BY ALL")

    def persons(self, as_of: date, caliber: str = "resident") -> pd.DataFrame:
        """One row per person of the caliber at ``as_of`` (pseudonyms only, never IDs)."""
        d = lit(as_of)
        sql = (f"WITH sel AS (SELECT DISTINCT pid FROM ({located_sql(caliber, as_of)})), "
               f"h AS ({hukou_at_sql(as_of)}), r AS ({residence_at_sql(as_of)}), "
               f"res AS ({resident_at_sql(as_of)}), emp AS ({employed_at_sql(as_of)}), "
               f"u AS ({self._urban_sql(as_of)}), e AS ({self._education_sql(as_of)}) "
               f"SELECT i.pseudonym, p.sex, p.birth_date, {age_sql('p.birth_date', d)} AS age, "
               f"substr(h.street, 1, 6) AS hukou_district, h.street AS hukou_street, "
               f"substr(r.street, 1, 6) AS residence_district, r.street AS residence_street, "
               f"substr(res.code, 1, 6) AS resident_district, u.urban, e.education, "
               f"emp.pid IS NOT NULL AS employed "
               f"FROM sel JOIN ({alive_sql(as_of)}) p USING (pid) JOIN identity i USING (pid) "
               f"LEFT JOIN h USING (pid) LEFT JOIN r USING (pid) LEFT JOIN res USING (pid) "
               f"LEFT JOIN emp USING (pid) LEFT JOIN u USING (pid) LEFT JOIN e USING (pid) "
               f"ORDER BY i.pseudonym")
        return self.store.frame(sql)

    def data_through(self) -> date | None:
        """The date the registry's data run to (数据截止日期): the latest 登记日期 of the 公安
        户籍 and 居住 registers, which define the hukou and resident populations. None for an
        empty store. Figures for later dates would count an incomplete population."""
        value = self.store.scalar(
            "SELECT max(d) FROM (SELECT max(record_date) AS d FROM rec_police_hukou "
            "WHERE active IS NOT NULL UNION ALL SELECT max(record_date) "
            "FROM rec_police_residence WHERE active IS NOT NULL)")
        return value if isinstance(value, date) else None

    def regions_present(self) -> list[str]:
        """District codes that occur as hukou or residence places."""
        rows = self.store.rows(
            "SELECT DISTINCT substr(street, 1, 6) AS d FROM hukou_spells UNION "
            "SELECT DISTINCT substr(street, 1, 6) FROM residence_spells ORDER BY 1")
        return [str(r[0]) for r in rows if r[0]]

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
