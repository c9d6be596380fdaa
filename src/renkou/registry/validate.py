"""Row checks of delivered records (数据校验), as DuckDB SQL built from the feed schemas.

Each check is a boolean SQL expression over the staging table (every column text, trimmed,
empty = ''); the first failing check gives the row's machine-readable quarantine reason:

=====================  ===============================================================
reason                 meaning
=====================  ===============================================================
bad_encoding           a byte of the row could not be decoded (UTF-8 or GB18030)
missing_field          a required column is absent from the file or the cell is empty
bad_value              not a date / month / allowed value / division-code shape, or longer
                       than the cell limit (``Settings.max_cell_chars``)
bad_id_check           ID number malformed, impossible birth part or wrong check char
date_in_future         event dated after its own 登记日期, or any date after today
id_sex_mismatch        性别 (or 男方/女方, 母亲/父亲) contradicts the ID's sequence digit
id_birthdate_mismatch  出生日期 differs from the birth date inside the ID number
unknown_division       a division code not in one of the jurisdiction's areas (or, where
                       the other end of a move may lie outside, not another province's)
date_before_birth      event dated before the person was born
duplicate              the same record delivered again (same record id and the same
                       content, 登记日期 included)
conflict               same record id and 登记日期 as another row but different content
event_after_death      event dated after the person's (resolved) death date
=====================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Callable

from renkou.jurisdictions import CODE_LENGTH, Jurisdiction
from renkou.regions import gazetteer
from renkou.registry.feeds import FeedField, FeedSchema

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

REASONS = (
    "bad_encoding", "missing_field", "bad_value", "bad_id_check", "id_sex_mismatch",
    "id_birthdate_mismatch",
    "unknown_division", "date_in_future", "date_before_birth", "duplicate", "conflict",
    "event_after_death",
)

REASON_ZH = {
    "bad_encoding": "含有无法解码的字节（编码错误）",
    "missing_field": "缺少必填字段",
    "bad_value": "取值不合法",
    "bad_id_check": "身份证号码无效（格式或校验码错误）",
    "id_sex_mismatch": "性别与身份证号码不符",
    "id_birthdate_mismatch": "出生日期与身份证号码不符",
    "unknown_division": "行政区划代码未知",
    "date_in_future": "日期晚于登记日期或当前日期",
    "date_before_birth": "事件日期早于出生日期",
    "duplicate": "重复记录",
    "conflict": "同一记录编号同一登记日期内容冲突",
    "event_after_death": "事件发生在死亡之后",
}


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def id_valid_sql(col: str) -> str:
    """True when ``col`` is a well-formed 18-character ID with the right MOD 11-2 check
    character and a real birth date (the check character is computed in SQL)."""
    c = q(col)
    total = " + ".join(f"(ascii(substr({c}, {i + 1}, 1)) - 48) * {w}"
                       for i, w in enumerate(_WEIGHTS))
    return (f"(regexp_full_match({c}, '[0-9]{{17}}[0-9X]')"
            f" AND try_strptime(substr({c}, 7, 8), '%Y%m%d') IS NOT NULL"
            f" AND TRY_CAST(substr({c}, 7, 4) AS INTEGER) >= 1850"
            f" AND substr('10X98765432', (({total}) % 11)::INTEGER + 1, 1) = substr({c}, 18, 1))")


def id_sex_sql(col: str) -> str:
    """'male'/'female' encoded by a (valid) ID number."""
    return f"CASE WHEN (ascii(substr({q(col)}, 17, 1)) - 48) % 2 = 1 THEN 'male' ELSE 'female' END"


def id_birth_sql(col: str) -> str:
    return f"try_strptime(substr({q(col)}, 7, 8), '%Y%m%d')::DATE"


def date_sql(col: str) -> str:
    return f"try_strptime({q(col)}, '%Y-%m-%d')::DATE"


def month_sql(col: str) -> str:
    return f"try_strptime({q(col)} || '-01', '%Y-%m-%d')::DATE"


def typed_date_sql(f: FeedField) -> str:
    return month_sql(f.field) if f.type == "month" else date_sql(f.field)


def masked_sql(col: str) -> str:
    """Display form of an ID in SQL (the same as ``renkou.ids.mask``)."""
    c = q(col)
    return (f"CASE WHEN length({c}) = 18 THEN substr({c}, 1, 6) || '********' || substr({c}, 15, 4)"
            f" WHEN length({c}) = 15 THEN substr({c}, 1, 6) || '******' || substr({c}, 13, 3)"
            f" ELSE repeat('*', length({c})) END")


def inside_sql(c: str, j: Jurisdiction) -> str:
    """``c`` (a quoted column) lies in one of the jurisdiction's areas: its district or
    county (6 digits) for a province-level city, its 街镇 (9 digits) for a district — a
    constant list, so the check stays one hash look-up per row. A district's own 6-digit
    code (e.g. its social-insurance bureau) is inside too, though in none of its 街镇."""
    n = CODE_LENGTH[j.area_level]
    areas = ", ".join(f"'{a}'" for a in j.area_codes)
    inside = f"substr({c}, 1, {n}) IN ({areas})"
    return f"({inside} OR {c} = '{j.code}')" if n > len(j.code) else inside


def outside_sql(c: str, j: Jurisdiction) -> str:
    """``c`` lies outside the jurisdiction, in a known province (GB/T 2260)."""
    provinces = ", ".join(f"'{p}'" for p in sorted(gazetteer().provinces))
    return (f"substr({c}, 1, {len(j.prefix)}) <> '{j.prefix}' "
            f"AND substr({c}, 1, 2) IN ({provinces})")


def code_valid_sql(f: FeedField, j: Jurisdiction) -> str:
    """Division-code check by the field's scope, against the jurisdiction's areas (and,
    for scope ``any``, the provinces of the gazetteer), inlined as constant lists."""
    c = q(f.field)
    inside = inside_sql(c, j)
    digits = f"regexp_full_match({c}, '[0-9]+')"
    if f.scope == "inside_street":
        return f"({digits} AND length({c}) = 9 AND {inside})"
    if f.scope == "inside_street_or_community":
        return f"({digits} AND length({c}) IN (9, 12) AND {inside})"
    if f.scope == "inside_any":
        return f"({digits} AND length({c}) IN (6, 9, 12) AND {inside})"
    # 'any': inside at any level, or another province's 6-digit (or longer) code.
    return (f"({digits} AND length({c}) IN (6, 9, 12) AND ({inside} OR ({outside_sql(c, j)})))")


def parsed_name(kind: str, field: str) -> str:
    """Column of the parse layer: ``d`` typed date, ``ok`` ID valid, ``sex`` sex in the ID,
    ``pid`` person key of the ID (the first 64 bits of its pseudonym)."""
    return q(f"_{kind}_{field}")


def id_map_sql(columns: list[str], pseudonym_sql: Callable[[str], str]) -> str:
    """One row per distinct non-empty ID number of the batch (``x``): valid, sex and birth
    date encoded, pseudonym. Parsing and hashing once per person rather than once per row
    is most of the ingest's speed: people appear in many rows."""
    union = " UNION ".join(columns)
    return (f"SELECT x, {id_valid_sql('x')} AS ok, {id_sex_sql('x')} AS sex, "
            f"{id_birth_sql('x')} AS birth, {pseudonym_sql('x')} AS ps "
            f"FROM ({union}) WHERE x <> ''")


def parsed_select(schema: FeedSchema, id_map: str = "idmap") -> tuple[list[str], list[str]]:
    """Select items and joins parsing every value once: dates here, ID numbers through an
    ID map table (:func:`id_map_sql`); the checks and typed record columns then refer to
    these columns instead of re-parsing."""
    items = ["s.*"]
    joins = []
    for f in schema.of_type("date", "month"):
        items.append(f"{typed_date_sql(f)} AS {parsed_name('d', f.field)}")
    for i, f in enumerate(schema.of_type("id")):
        m = f"m{i}"
        joins.append(f"LEFT JOIN {id_map} {m} ON {m}.x = s.{q(f.field)}")
        items.append(f"coalesce({m}.ok, FALSE) AS {parsed_name('ok', f.field)}")
        items.append(f"{m}.sex AS {parsed_name('sex', f.field)}")
        items.append(f"{m}.pid AS {parsed_name('pid', f.field)}")
        if f.field == schema.subject:
            items.append(f"{m}.birth AS _id_birth")
    return items, joins


def row_checks(schema: FeedSchema, j: Jurisdiction,
               max_cell_chars: int = 200) -> list[tuple[str, str, str]]:
    """Ordered (condition, reason, field) triples over the parse layer; a row fails at the
    first true condition. A column absent from the file is '' in every row. A value longer
    than ``max_cell_chars`` is ``bad_value`` first (strlen, bytes, is free; length counts)."""
    checks: list[tuple[str, str, str]] = [
        (f"_bad_enc = '{f.field}'", "bad_encoding", f.field) for f in schema.fields]
    checks += [
        (f"strlen({q(f.field)}) > {max_cell_chars} AND length({q(f.field)}) > {max_cell_chars}",
         "bad_value", f.field) for f in schema.fields]
    for f in schema.fields:
        if f.required:
            checks.append((f"{q(f.field)} = ''", "missing_field", f.field))
    for f in schema.fields:
        c = q(f.field)
        nonempty = f"{c} <> ''"
        if f.type in ("date", "month"):
            checks.append((f"{nonempty} AND {parsed_name('d', f.field)} IS NULL", "bad_value",
                           f.field))
        elif f.type == "sex":
            checks.append((f"{nonempty} AND {c} NOT IN ('男', '女')", "bad_value", f.field))
        elif f.type == "enum":
            allowed = ", ".join("'" + v.replace("'", "''") + "'" for v in f.values)
            checks.append((f"{nonempty} AND {c} NOT IN ({allowed})", "bad_value", f.field))
    for f in schema.of_type("id"):
        checks.append((f"{q(f.field)} <> '' AND NOT {parsed_name('ok', f.field)}",
                       "bad_id_check", f.field))
    subject = schema.subject
    ev = parsed_name("d", schema.event_date)
    checks.append((f"{ev} > {parsed_name('d', 'record_date')}", "date_in_future",
                   schema.event_date))
    for f in schema.of_type("date", "month"):
        if not f.future_ok:
            checks.append((f"{parsed_name('d', f.field)} > current_date", "date_in_future",
                           f.field))
    for f in schema.of_type("sex"):
        checks.append((f"{q(f.field)} <> '' AND (CASE WHEN {q(f.field)} = '男' THEN 'male' "
                       f"ELSE 'female' END) <> {parsed_name('sex', subject)}",
                       "id_sex_mismatch", f.field))
    for f in schema.of_type("id"):
        if f.expect_sex:
            checks.append((f"{q(f.field)} <> '' AND {parsed_name('sex', f.field)} <> "
                           f"'{f.expect_sex}'", "id_sex_mismatch", f.field))
    for f in schema.fields:
        if f.check == "id_birth":
            checks.append((f"{q(f.field)} <> '' AND {parsed_name('d', f.field)} <> _id_birth",
                           "id_birthdate_mismatch", f.field))
    for f in schema.of_type("code"):
        checks.append((f"{q(f.field)} <> '' AND NOT {code_valid_sql(f, j)}", "unknown_division",
                       f.field))
    if schema.event_date != "birth_date" or schema.subject != "child_id":
        checks.append((f"{ev} < _id_birth", "date_before_birth", schema.event_date))
    return checks


def reason_case_sql(checks: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    """(index CASE, reason of index, field of index): the conditions are evaluated once, in a
    CASE giving the 1-based number of the first failing check (NULL if none)."""
    index = "CASE " + " ".join(f"WHEN {cond} THEN {i + 1}"
                               for i, (cond, _, _) in enumerate(checks)) + " END"
    reasons = "[" + ", ".join(f"'{r}'" for _, r, _ in checks) + "]"
    fields = "[" + ", ".join(f"'{fl}'" for _, _, fl in checks) + "]"
    return index, f"{reasons}[_check]", f"{fields}[_check]"
