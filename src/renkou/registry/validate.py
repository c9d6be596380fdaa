"""Row checks of delivered records (数据校验), as DuckDB SQL built from the feed schemas.

Each check is a boolean SQL expression over the staging table (every column text, trimmed,
empty = ''); the first failing check gives the row's machine-readable quarantine reason:

=====================  ===============================================================
reason                 meaning
=====================  ===============================================================
missing_field          a required column is absent from the file or the cell is empty
bad_value              not a date / month / allowed value / division-code shape
bad_id_check           ID number malformed, impossible birth part or wrong check char
date_in_future         event dated after its own 登记日期, or any date after today
id_sex_mismatch        性别 (or 男方/女方, 母亲/父亲) contradicts the ID's sequence digit
id_birthdate_mismatch  出生日期 differs from the birth date inside the ID number
unknown_division       a division code that is not a known Tianjin district/street (or,
                       where the other end of a move is allowed outside, not a province)
date_before_birth      event dated before the person was born
duplicate              the same record delivered again (same record id and content, or the
                       same content under another record id)
conflict               same record id and 登记日期 as another row but different content
event_after_death      event dated after the person's (resolved) death date
=====================  ===============================================================
"""

from __future__ import annotations

from renkou.registry.feeds import FeedField, FeedSchema

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

REASONS = (
    "missing_field", "bad_value", "bad_id_check", "id_sex_mismatch", "id_birthdate_mismatch",
    "unknown_division", "date_in_future", "date_before_birth", "duplicate", "conflict",
    "event_after_death",
)

REASON_ZH = {
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


def code_valid_sql(f: FeedField) -> str:
    """Division-code check by the field's scope. ``tj_districts`` and ``provinces`` are
    small tables the ingest registers (Tianjin district codes, 2-digit province codes)."""
    c = q(f.field)
    tj = f"substr({c}, 1, 6) IN (SELECT code FROM tj_districts)"
    digits = f"regexp_full_match({c}, '[0-9]+')"
    if f.scope == "tianjin_street":
        return f"({digits} AND length({c}) = 9 AND {tj})"
    if f.scope == "tianjin_street_or_community":
        return f"({digits} AND length({c}) IN (9, 12) AND {tj})"
    if f.scope == "tianjin_any":
        return f"({digits} AND length({c}) IN (6, 9, 12) AND {tj})"
    # 'any': inside Tianjin at any level, or another province's 6-digit (or longer) code.
    return (f"({digits} AND length({c}) IN (6, 9, 12) AND ({tj} OR (substr({c}, 1, 2) <> '12'"
            f" AND substr({c}, 1, 2) IN (SELECT code FROM provinces))))")


def row_checks(schema: FeedSchema, present: set[str]) -> list[tuple[str, str, str]]:
    """Ordered (condition, reason, field) triples; a row fails at the first true condition.

    ``present`` holds the canonical fields whose column exists in the file; an absent
    column is '' for every row."""
    checks: list[tuple[str, str, str]] = []
    for f in schema.fields:
        if f.required:
            checks.append((f"{q(f.field)} = ''", "missing_field", f.field))
    for f in schema.fields:
        c = q(f.field)
        nonempty = f"{c} <> ''"
        if f.type == "date":
            checks.append((f"{nonempty} AND {date_sql(f.field)} IS NULL", "bad_value", f.field))
        elif f.type == "month":
            checks.append((f"{nonempty} AND {month_sql(f.field)} IS NULL", "bad_value", f.field))
        elif f.type == "sex":
            checks.append((f"{nonempty} AND {c} NOT IN ('男', '女')", "bad_value", f.field))
        elif f.type == "enum":
            allowed = ", ".join("'" + v.replace("'", "''") + "'" for v in f.values)
            checks.append((f"{nonempty} AND {c} NOT IN ({allowed})", "bad_value", f.field))
    for f in schema.of_type("id"):
        checks.append((f"{q(f.field)} <> '' AND NOT {id_valid_sql(f.field)}", "bad_id_check",
                       f.field))
    subject = schema.subject
    event = schema.by_field(schema.event_date)
    ev = typed_date_sql(event)
    checks.append((f"{ev} > {date_sql('record_date')}", "date_in_future", event.field))
    for f in schema.of_type("date", "month"):
        if not f.future_ok:
            checks.append((f"{typed_date_sql(f)} > current_date", "date_in_future", f.field))
    sex_fields = schema.of_type("sex")
    for f in sex_fields:
        checks.append((f"{q(f.field)} <> '' AND (CASE WHEN {q(f.field)} = '男' THEN 'male' "
                       f"ELSE 'female' END) <> {id_sex_sql(subject)}", "id_sex_mismatch",
                       f.field))
    for f in schema.of_type("id"):
        if f.expect_sex:
            checks.append((f"{q(f.field)} <> '' AND {id_sex_sql(f.field)} <> '{f.expect_sex}'",
                           "id_sex_mismatch", f.field))
    for f in schema.fields:
        if f.check == "id_birth":
            checks.append((f"{q(f.field)} <> '' AND {date_sql(f.field)} <> {id_birth_sql(subject)}",
                           "id_birthdate_mismatch", f.field))
    for f in schema.of_type("code"):
        checks.append((f"{q(f.field)} <> '' AND NOT {code_valid_sql(f)}", "unknown_division",
                       f.field))
    if event.field != "birth_date" or schema.subject != "child_id":
        checks.append((f"{ev} < {id_birth_sql(subject)}", "date_before_birth", event.field))
    del present  # absent columns are '' and fail the checks above like empty cells
    return checks


def reason_case_sql(checks: list[tuple[str, str, str]]) -> tuple[str, str]:
    """CASE expressions giving (reason, field) of the first failing check, NULL if none."""
    reason = "CASE " + " ".join(f"WHEN {cond} THEN '{r}'" for cond, r, _ in checks) + " END"
    field = "CASE " + " ".join(f"WHEN {cond} THEN '{fl}'" for cond, _, fl in checks) + " END"
    return reason, field
