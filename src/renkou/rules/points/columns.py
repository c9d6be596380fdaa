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
import pyarrow as pa
import pyarrow.compute as pc

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction
from renkou.regions import gazetteer
from renkou.rules.points.loader import sample_jurisdiction
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


def _text(series: pd.Series) -> pa.Array:
    """A column as an Arrow string array, trimmed, missing values as empty strings. Arrow's
    compute kernels do the per-value work in C, which matters at a million rows."""
    arr = pa.array(series, type=pa.string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.utf8_trim_whitespace(pc.fill_null(arr, ""))


def _lookup(values: pa.Array, mapping: dict[str, Any]) -> tuple[npt.NDArray[Any], BoolArray]:
    """``mapping[value]`` for each value (a hash lookup in Arrow) and the mask of values not
    in the mapping."""
    keys = list(mapping)
    pos = pc.fill_null(pc.index_in(values, value_set=pa.array(keys, type=pa.string())), -1)
    pos_np = np.asarray(pos.to_numpy(zero_copy_only=False), dtype=np.int64)
    targets = np.array([mapping[k] for k in keys] + [mapping[keys[0]]])
    missing: BoolArray = pos_np < 0
    return targets[np.where(missing, len(keys), pos_np)], missing


def _numbers(values: pa.Array) -> FloatArray:
    """Text to float; empty means 0; unparseable values become NaN (reported by the caller)."""
    filled = pc.if_else(pc.equal(values, ""), "0", values)
    try:
        parsed = pc.cast(filled, pa.float64())
        return np.asarray(parsed.to_numpy(zero_copy_only=False), dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # some cell is not a number
        out: FloatArray = pd.to_numeric(pd.Series(filled.to_pylist(), dtype=object),
                                        errors="coerce").to_numpy(dtype=np.float64)
        return out


def _dates(values: pa.Array) -> tuple[DateArray, BoolArray]:
    """YYYY-MM-DD text to dates. Arrow's parser rolls impossible dates over (2021-02-30 →
    03-02), so the parsed day must equal the day written."""
    shaped = pc.match_substring_regex(values, r"^\d{4}-\d{2}-\d{2}$")
    parsed = pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)
    written_day = pc.cast(pc.if_else(shaped, pc.utf8_slice_codeunits(values, 8, 10), "0"),
                          pa.int64())
    valid = pc.and_(shaped, pc.fill_null(pc.equal(pc.day(parsed), written_day), False))
    invalid = ~np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool)
    days = pc.cast(pc.fill_null(parsed, pa.scalar(0, pa.timestamp("s"))), pa.date32())
    out: DateArray = np.asarray(days.to_numpy(zero_copy_only=False), dtype="datetime64[D]")
    return np.where(invalid, np.datetime64("NaT"), out).astype("datetime64[D]"), invalid


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


def _district_lookup(jurisdiction: Jurisdiction) -> tuple[tuple[str, ...], dict[str, int]]:
    districts = jurisdiction.areas
    codes = tuple(d.code for d in districts)
    out: dict[str, int] = {}
    for i, d in enumerate(districts):
        for key in (d.code, d.name, d.en, *d.aliases):
            if key:
                out[key] = i
    return codes, out


def parse_applicants(df: pd.DataFrame, file: str = "申请人表",
                     jurisdiction: Jurisdiction | None = None
                     ) -> tuple[ApplicantTable, list[RowProblem]]:
    """Validate an applicant table read as text (``renkou.tables.read_table``); districts are
    the areas of ``jurisdiction`` (default: that of the shipped sample scheme).

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

    text = {c: _text(df[c]) for c in COLUMNS}

    ids = np.asarray(text["applicant_id"].to_numpy(zero_copy_only=False), dtype=object)
    empty_id = ids == ""
    report(empty_id, "applicant_id", "申请编号不能为空")
    dup = pd.Series(ids, dtype=object).duplicated(keep="first").to_numpy() & ~empty_id
    report(dup, "applicant_id", "申请编号重复")

    dates: dict[str, DateArray] = {}
    for c in DATES:
        dates[c], invalid = _dates(text[c])
        report(invalid, c, "日期应为 YYYY-MM-DD")

    sex_values, sex_missing = _lookup(pc.utf8_lower(text["sex"]), _SEX)
    report(sex_missing, "sex", "性别应为 male 或 female（男/女）")
    sex = sex_values.astype(np.int8)

    categories: dict[str, IntArray8] = {}
    for c, levels in CATEGORIES.items():
        low = pc.utf8_lower(text[c])
        values = pc.if_else(pc.equal(low, ""), "none", low)
        codes, missing = _lookup(values, {k: i for i, k in enumerate(levels)})
        report(missing, c, f"取值应为 {'|'.join(levels)}")
        categories[c] = codes.astype(np.int8)

    numbers: dict[str, FloatArray] = {}
    for c in NUMBERS:
        num = _numbers(text[c])
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
        low = pc.utf8_lower(text[c])
        is_true = np.asarray(pc.is_in(low, value_set=pa.array(sorted(_TRUE))).to_numpy(
            zero_copy_only=False), dtype=bool)
        is_false = np.asarray(pc.is_in(low, value_set=pa.array(sorted(_FALSE))).to_numpy(
            zero_copy_only=False), dtype=bool)
        report(~(is_true | is_false), c, "应为 true 或 false")
        flags[c] = is_true

    district_codes, district_map = _district_lookup(jurisdiction or sample_jurisdiction())
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
        applicant_id=ids, row=rows + sheet_row(0),
        birth_date=dates["birth_date"], sex=sex, categories=categories, numbers=numbers,
        flags=flags, district=district_idx, district_codes=district_codes,
        origin_province=province_codes, application_date=dates["application_date"],
    )
    return table.take(keep), problems
