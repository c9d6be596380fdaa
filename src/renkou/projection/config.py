"""Settings of a projection input directory (``projection.toml``, or an XLSX sheet
``projection`` with columns key, value)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from renkou.demography.lifetable import A0_RULES
from renkou.demography.projection import FERTILE_AGE_MAX, MIGRATION_TIMINGS
from renkou.errors import InputError
from renkou.projection.tables import find_table
from renkou.tables import require_columns

CONFIG_FILE = "projection.toml"
MIN_OPEN_AGE = FERTILE_AGE_MAX + 1
MAX_OPEN_AGE = 130
MAX_HORIZON = 500
MAX_MX = 2.0
TIMING_ALIASES = {"mid": "mid-year", "midyear": "mid-year", "mid_year": "mid-year",
                  "beginning": "start", "end-year": "end"}


@dataclass(frozen=True)
class ProjectionConfig:
    """Settings from ``projection.toml``."""

    base_year: int
    end_year: int
    open_age: int | None = None
    migration_timing: str = "mid-year"
    a0_rule: str = "andreev-kingkade"
    # The largest single-year mx accepted; above 1 only when the input says so (at most 2,
    # the bound of m = q / (1 − q/2) at q = 1).
    mx_max: float = 1.0


def _config_sheet(directory: Path) -> dict[str, Any] | None:
    """Settings from a sheet ``projection`` (columns key, value) of an XLSX input, if any."""
    t = find_table(directory, "projection")
    if t is None:
        return None
    require_columns(t.df, ["key", "value"], t.label)
    data: dict[str, Any] = {}
    for key, value in zip(t.df["key"], t.df["value"], strict=True):
        k, v = str(key).strip(), str(value).strip()
        if k:
            data[k] = int(v) if v.lstrip("-").isdigit() else v
    return data


def _raw_config(directory: Path) -> dict[str, Any]:
    path = directory / CONFIG_FILE
    if path.exists():
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"TOML 格式错误：{exc}", file=CONFIG_FILE) from None
    else:
        sheet = _config_sheet(directory)
        if sheet is None:
            raise InputError("缺少配置文件（需要 base_year 和 end_year）", file=CONFIG_FILE)
        data = sheet
    section = data.get("projection")
    if isinstance(section, dict):  # allow a [projection] table as well as top-level keys
        data = {**data, **section}
    return data


def _integer(data: Mapping[str, Any], key: str) -> int | None:
    v = data.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise InputError(f"{key} 应为整数，而不是 {v!r}", file=CONFIG_FILE)
    try:
        return int(v)
    except ValueError:
        raise InputError(f"{key} 应为整数，而不是 {v!r}", file=CONFIG_FILE) from None


def _required(data: Mapping[str, Any], key: str) -> int:
    v = _integer(data, key)
    if v is None:
        raise InputError(f"缺少 {key}", file=CONFIG_FILE)
    return v


def _check_years(base: int, end: int) -> None:
    if not 1000 <= base <= 3000:
        raise InputError(f"base_year {base} 不合理", file=CONFIG_FILE)
    if end <= base:
        raise InputError(f"end_year（{end}）必须晚于 base_year（{base}）", file=CONFIG_FILE)
    if end - base > MAX_HORIZON:
        raise InputError(f"预测期超过 {MAX_HORIZON} 年", file=CONFIG_FILE)


def _timing(data: Mapping[str, Any]) -> str:
    timing = str(data.get("migration_timing", "mid-year")).strip()
    timing = TIMING_ALIASES.get(timing, timing)
    if timing not in MIGRATION_TIMINGS:
        raise InputError(f"migration_timing 应为 {' / '.join(MIGRATION_TIMINGS)}，"
                         f"而不是 {timing!r}", file=CONFIG_FILE)
    return timing


def _mx_max(data: Mapping[str, Any]) -> float:
    v = data.get("mx_max", 1.0)
    try:
        limit = float(v) if not isinstance(v, bool) else float("nan")
    except (TypeError, ValueError):
        limit = float("nan")
    if not 1.0 <= limit <= MAX_MX:
        raise InputError(f"mx_max 应为 1–{MAX_MX:g} 之间的数，而不是 {v!r}", file=CONFIG_FILE)
    return limit


def read_config(directory: Path) -> ProjectionConfig:
    """Settings from ``projection.toml`` (or, failing that, an XLSX sheet ``projection``)."""
    data = _raw_config(directory)
    base, end = _required(data, "base_year"), _required(data, "end_year")
    _check_years(base, end)
    open_age = _integer(data, "open_age")
    if open_age is not None and not MIN_OPEN_AGE <= open_age <= MAX_OPEN_AGE:
        raise InputError(f"open_age 应在 {MIN_OPEN_AGE}–{MAX_OPEN_AGE} 之间，而不是 {open_age}",
                         file=CONFIG_FILE)
    a0_rule = str(data.get("a0_rule", "andreev-kingkade")).strip()
    if a0_rule not in A0_RULES:
        raise InputError(f"a0_rule 应为 {' / '.join(A0_RULES)}", file=CONFIG_FILE)
    return ProjectionConfig(base_year=base, end_year=end, open_age=open_age,
                            migration_timing=_timing(data), a0_rule=a0_rule,
                            mx_max=_mx_max(data))
