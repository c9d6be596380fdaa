"""Policy test cases in YAML (政策测试用例) that staff can read and extend without Python.

A case file::

    scheme: tianjin-home-care
    defaults:                      # a person every case starts from
      hukou_tianjin: true
      birth_date: 1940-01-01
      ...
    cases:
      - name: 第1类 低保 中度失能 60岁生日当天
        as_of: 2025-06-30
        params: {minimum_wage_monthly: 2320}     # optional overrides
        input: {birth_date: 1965-06-30, social_assistance: dibao, care_level: moderate}
        output: {care_groups: "1", care_subsidy_monthly: 400, care_city_share: 200}
        explanation_contains: [第1类〔专栏3 护理第1项〕符合]   # optional
      - name: 出生日期写错的行被拒绝
        as_of: 2025-06-30
        input: {birth_date: 1965-13-01}
        error_column: birth_date

Amounts are compared within 0.005 元; booleans and texts exactly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from renkou.errors import ConfigError, RenkouError
from renkou.rules.schemes import run_people, scheme_keys

TOLERANCE = 0.005


class CaseLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text, so a deliberately invalid date in a case
    (``1965-13-01``) reaches the input checks instead of failing the YAML parse."""


CaseLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class CaseOutcome:
    name: str
    passed: bool
    message: str = ""


def default_cases_dir() -> Path:
    return Path(__file__).resolve().parent / "tests"


def case_files(paths: Iterable[Path] | None = None) -> list[Path]:
    """YAML files under the given paths (default: the cases shipped next to the rules)."""
    out: list[Path] = []
    for p in paths or [default_cases_dir()]:
        p = Path(p)
        if p.is_dir():
            out.extend(f for f in sorted([*p.glob("*.yaml"), *p.glob("*.yml")]) if handles(f))
        elif p.exists():
            out.append(p)
        else:
            raise ConfigError(f"用例文件不存在：{p}")
    return out


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    return str(v)


def load_case_file(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=CaseLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"用例文件 {path.name} 不是有效的YAML：{exc}") from None
    if not isinstance(doc, dict) or "scheme" not in doc or not isinstance(doc.get("cases"), list):
        raise ConfigError(f"用例文件 {path.name} 需要 scheme 与 cases 列表")
    return doc


def _compare(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(expected) == bool(actual)
    if isinstance(expected, (int, float)):
        try:
            return abs(float(actual) - float(expected)) <= TOLERANCE
        except (TypeError, ValueError):
            return False
    return _text(expected) == _text(actual)


def run_case(scheme: str, defaults: Mapping[str, Any], case: Mapping[str, Any]) -> CaseOutcome:
    name = str(case.get("name", "(未命名)"))
    try:
        as_of = case["as_of"]
        as_of = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
        person = {"person_id": "case", **defaults, **(case.get("input") or {})}
        df = pd.DataFrame([{k: _text(v) for k, v in person.items()}])
        run = run_people(scheme, df, as_of, case.get("params") or {}, file=name,
                         formatted=False)
    except (RenkouError, KeyError, ValueError) as exc:
        return CaseOutcome(name, False, f"无法运行：{exc}")
    if "error_column" in case:
        cols = {e.column for e in run.errors}
        if case["error_column"] in cols:
            return CaseOutcome(name, True)
        return CaseOutcome(name, False,
                           f"应报告列 {case['error_column']} 的错误，实际：{cols or '无'}")
    if run.errors:
        return CaseOutcome(name, False, "；".join(str(e) for e in run.errors))
    row = run.output.iloc[0]
    problems = []
    for k, exp in (case.get("output") or {}).items():
        if k not in row.index:
            problems.append(f"输出没有列 {k}")
            continue
        if not _compare(exp, row[k]):
            problems.append(f"{k} 应为 {_text(exp)!r}，实际 {_text(row[k])!r}")
    for frag in case.get("explanation_contains") or []:
        if str(frag) not in str(row.get("explanation", "")):
            problems.append(f"说明中应包含 {frag!r}")
    return CaseOutcome(name, not problems, "；".join(problems))


def handles(path: Path) -> bool:
    """Whether a case file belongs to one of these schemes (points cases have their own
    runner, ``tests/rules/test_points_yaml.py``)."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=CaseLoader)
    except yaml.YAMLError:
        return False
    return isinstance(doc, dict) and str(doc.get("scheme")) in scheme_keys()


def run_case_file(path: Path) -> list[CaseOutcome]:
    doc = load_case_file(path)
    defaults = doc.get("defaults") or {}
    return [run_case(str(doc["scheme"]), defaults, c) for c in doc["cases"]]
