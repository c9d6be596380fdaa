"""The applicant table (积分申请人表): its documented columns and their vectorised validation.

Columns (CSV UTF-8/GB18030, XLSX or Parquet; booleans ``true``/``false``; dates
``YYYY-MM-DD``; years are completed or fractional years at the as-of date):

==========================  ======================================================================
``applicant_id``            unique identifier of the application (not an ID number)
``birth_date``              date of birth
``sex``                     ``male`` | ``female`` (男/女 accepted)
``education``               ``none`` | ``primary`` | ``junior_high`` | ``senior_high`` |
                            ``associate`` | ``bachelor`` | ``master`` | ``doctor`` (highest level)
``insurance_years``         years of social insurance paid in the city (在津缴纳社保年限), ≥ 0
``has_residence_permit``    holds a valid city residence permit (居住证)
``residence_years``         years of residence with a residence permit (持证居住年限), ≥ 0
``professional_title``      ``none`` | ``junior`` | ``intermediate`` | ``senior`` (职称)
``skill_level``             ``none`` | ``5`` … ``1`` (职业资格等级: 五级 … 一级, 1 highest)
``shortage_occupation``     works in a listed shortage occupation (急需紧缺职业)
``award``                   ``none`` | ``district`` | ``city`` | ``national`` (highest award)
``district``                district of work and residence: 6-digit code or name (e.g. 滨海新区)
``origin_province``         province of the current hukou: 2-digit code or name (e.g. 河北省)
``violations``              administrative penalties in the look-back period (违法违规次数), ≥ 0
``dishonest``               on a serious dishonesty list (失信被执行人等)
``application_date``        date the application was filed (a tie-break)
==========================  ======================================================================

Rows with invalid values are reported with their row and column and left out; the other rows
go on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from renkou.errors import InputError
from renkou.regions import gazetteer
from renkou.tables import require_columns, sheet_row
from renkou.types import BoolArray, FloatArray

COLUMNS: tuple[str, ...] = (
    "applicant_id", "birth_date", "sex", "education", "insurance_years",
    "has_residence_permit", "residence_years", "professional_title", "skill_level",
    "shortage_occupation", "award", "district", "origin_province", "violations", "dishonest",
    "application_date",
)

CATEGORIES: dict[str, tuple[str, ...]] = {
    "education": ("none", "primary", "junior_high", "senior_high", "associate", "bachelor",
                  "master", "doctor"),
    "professional_title": ("none", "junior", "intermediate", "senior"),
    "skill_level": ("none", "5", "4", "3", "2", "1"),
    "award": ("none", "district", "city", "national"),
}
NUMBERS: tuple[str, ...] = ("insurance_years", "residence_years", "violations")
WHOLE_NUMBERS: tuple[str, ...] = ("violations",)
FLAGS: tuple[str, ...] = ("has_residence_permit", "shortage_occupation", "dishonest")
DATES: tuple[str, ...] = ("birth_date", "application_date")

_TRUE = {"true", "1", "yes", "是"}
_FALSE = {"false", "0", "no", "否", ""}
_SEX = {"male": 0, "男": 0, "m": 0, "female": 1, "女": 1, "f": 1}

IntArray8 = npt.NDArray[np.int8]
IntArray64 = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]
StrArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class RowProblem:
    """One invalid cell: spreadsheet row number, column and a Chinese message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return str(InputError(self.message, row=self.row, column=self.column))


@dataclass(frozen=True)
class ApplicantTable:
    """Validated applicants as arrays (one entry per valid row, in file order)."""

    applicant_id: StrArray
    row: IntArray64  # spreadsheet row number in the source file
    birth_date: DateArray  # datetime64[D]
    sex: IntArray8  # 0 male, 1 female (renkou.types.SEXES order)
    categories: dict[str, IntArray8]  # column -> index into CATEGORIES[column]
    numbers: dict[str, FloatArray]
    flags: dict[str, BoolArray]
    district: IntArray8  # index into district_codes
    district_codes: tuple[str, ...]
    origin_province: StrArray  # 2-digit province code
    application_date: DateArray

    def __len__(self) -> int:
        return int(self.applicant_id.shape[0])

    def take(self, index: npt.NDArray[np.int64] | BoolArray) -> ApplicantTable:
        return ApplicantTable(
            applicant_id=self.applicant_id[index], row=self.row[index],
            birth_date=self.birth_date[index], sex=self.sex[index],
            categories={k: v[index] for k, v in self.categories.items()},
            numbers={k: v[index] for k, v in self.numbers.items()},
            flags={k: v[index] for k, v in self.flags.items()},
            district=self.district[index], district_codes=self.district_codes,
            origin_province=self.origin_province[index],
            application_date=self.application_date[index],
        )

    def age_at(self, when: dt.date) -> IntArray64:
        """Completed years of age (周岁) on ``when``."""
        years = self.birth_date.astype("datetime64[Y]").astype(np.int64) + 1970
        # Compare (month, day) rather than day-of-year so leap years do not shift birthdays.
        not_yet = _month_day(self.birth_date) > when.month * 100 + when.day
        return (when.year - years - not_yet).astype(np.int64)


def _month_day(dates: DateArray) -> IntArray64:
    months = dates.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return (month * 100 + day).astype(np.int64)


def _lookup(values: pd.Series, mapping: dict[str, Any]) -> tuple[npt.NDArray[Any], BoolArray]:
    """``mapping[value]`` for each value (vectorised through an index, not a Python map) and
    the mask of values not in the mapping."""
    keys = list(mapping)
    pos = pd.Index(keys).get_indexer(pd.Index(values))
    targets = np.array([mapping[k] for k in keys] + [mapping[keys[0]]])
    missing: BoolArray = pos < 0
    return targets[np.where(missing, len(keys), pos)], missing


def _province_lookup() -> dict[str, str]:
    provinces = gazetteer().provinces
    out = {code: code for code in provinces}
    for code, name in provinces.items():
        out[name] = code
        for suffix in ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区",
                       "特别行政区"):
            if name.endswith(suffix):
                out[name.removesuffix(suffix)] = code
    return out


def _district_lookup(city: str) -> tuple[tuple[str, ...], dict[str, int]]:
    districts = gazetteer().districts(city)
    codes = tuple(d.code for d in districts)
    out: dict[str, int] = {}
    for i, d in enumerate(districts):
        for key in (d.code, d.name, d.en, *d.aliases):
            if key:
                out[key] = i
    return codes, out


def parse_applicants(df: pd.DataFrame, file: str = "申请人表",
                     city: str = "120000") -> tuple[ApplicantTable, list[RowProblem]]:
    """Validate an applicant table read as text (``renkou.tables.read_table``).

    Returns the valid rows and one problem per invalid cell; a row with any problem is left
    out. Missing columns are an :class:`InputError` for the whole file."""
    require_columns(df, list(COLUMNS), file)
    n = len(df)
    rows = np.arange(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    problems: list[RowProblem] = []

    def report(mask: BoolArray, column: str, message: str) -> None:
        nonlocal bad
        bad |= mask
        for i in np.flatnonzero(mask):
            problems.append(RowProblem(sheet_row(int(i)), column, message))

    text = {c: df[c].astype(str).str.strip() for c in COLUMNS}

    ids = text["applicant_id"]
    report((ids == "").to_numpy(), "applicant_id", "申请编号不能为空")
    dup = (ids.duplicated(keep="first") & (ids != "")).to_numpy()
    report(dup, "applicant_id", "申请编号重复")

    dates: dict[str, DateArray] = {}
    for c in DATES:
        parsed = pd.to_datetime(text[c], format="%Y-%m-%d", errors="coerce")
        report(parsed.isna().to_numpy(), c, "日期应为 YYYY-MM-DD")
        dates[c] = parsed.to_numpy(dtype="datetime64[D]")

    sex_values, sex_missing = _lookup(text["sex"].str.lower(), _SEX)
    report(sex_missing, "sex", "性别应为 male 或 female（男/女）")
    sex = sex_values.astype(np.int8)

    categories: dict[str, IntArray8] = {}
    for c, levels in CATEGORIES.items():
        values = text[c].str.lower().replace({"": "none"})
        codes = pd.Index(list(levels)).get_indexer(pd.Index(values)).astype(np.int8)
        report(codes < 0, c, f"取值应为 {'|'.join(levels)}")
        categories[c] = np.where(codes < 0, 0, codes).astype(np.int8)

    numbers: dict[str, FloatArray] = {}
    for c in NUMBERS:
        num: FloatArray = pd.to_numeric(text[c].replace({"": "0"}), errors="coerce").to_numpy(
            dtype=np.float64)
        finite = np.isfinite(num)
        wrong = ~finite | (np.where(finite, num, 0.0) < 0)
        if c in WHOLE_NUMBERS:
            wrong |= finite & (num != np.floor(num))
            report(wrong, c, "应为非负整数")
        else:
            wrong |= np.where(finite, num, 0.0) > 80
            report(wrong, c, "应为 0 到 80 之间的年数")
        numbers[c] = np.where(wrong, 0.0, num)

    flags: dict[str, BoolArray] = {}
    for c in FLAGS:
        low = text[c].str.lower()
        is_true = low.isin(_TRUE).to_numpy()
        report(~(is_true | low.isin(_FALSE).to_numpy()), c, "应为 true 或 false")
        flags[c] = is_true

    district_codes, district_map = _district_lookup(city)
    district, district_missing = _lookup(text["district"], district_map)
    report(district_missing, "district",
           f"不是本市的区（应为区划代码或区名，如 {district_codes[0]}）")
    district_idx = district.astype(np.int8)

    province, province_missing = _lookup(text["origin_province"], _province_lookup())
    report(province_missing, "origin_province",
           "不是省级行政区（应为两位代码或名称，如 13 或 河北省）")
    province_codes = province.astype(object)

    # A birth date after the application is impossible whatever the as-of date.
    both = ~np.isnat(dates["birth_date"]) & ~np.isnat(dates["application_date"])
    report(both & (dates["birth_date"] >= dates["application_date"]), "birth_date",
           "出生日期不能晚于申请日期")

    problems.sort(key=lambda p: (p.row, COLUMNS.index(p.column)))
    keep = ~bad
    table = ApplicantTable(
        applicant_id=ids.to_numpy(dtype=object), row=rows + sheet_row(0),
        birth_date=dates["birth_date"], sex=sex, categories=categories, numbers=numbers,
        flags=flags, district=district_idx, district_codes=district_codes,
        origin_province=province_codes, application_date=dates["application_date"],
    )
    return table.take(keep), problems
