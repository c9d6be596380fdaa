"""Function zones (功能区) as data: named sets of 街镇 a planner defines for a store.

The plans speak of the 职住平衡率 of function zones (科技园, 新城, 商务区) that are not
administrative divisions, so the registry cannot know their extent. A zone file (YAML, one
per store, written from :func:`template_text` and edited by a planner) names each zone, the
街镇 codes it is made of and the basis of that extent (a document, an approval)::

    jurisdiction: xiqing
    zones:
      - name: 南站科技商务区
        streets: ["120111101", "120111102"]
        source: 区发展改革委《……》（2022年）

:func:`parse_zones` checks it (every message in Chinese, naming the zone and the field);
an import replaces the store's zones (``app_zones``). A file marked ``example: true`` is a
demonstration (示例) and only a synthetic store takes it. :func:`with_zones` turns an indicator
whose zones (:class:`renkou.plans.model.plan.ZoneRule`) are all defined into a computed one,
its area the zones (``zone:<name>|…``, counts added zone by zone), its source the definitions;
an indicator with any zone undefined stays reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from renkou.errors import InputError
from renkou.jurisdictions import Jurisdiction, get_jurisdiction
from renkou.plans.model.areas import ZONE_SEPARATOR
from renkou.plans.model.catalog import get_plan
from renkou.plans.model.plan import Plan, ZoneRule
from renkou.plans.storage import AppTables, read_app, write_app

TABLE = "app_zones"
COLUMNS = ["zone", "street", "source", "example", "file", "imported_at"]
_KEYS = {"jurisdiction", "example", "zones"}
_ZONE_KEYS = {"name", "streets", "source", "note"}


@dataclass(frozen=True)
class Zone:
    """One function zone: its 街镇 and where its extent comes from."""

    name: str
    streets: tuple[str, ...]
    source: str
    example: bool = False
    file: str = ""
    imported_at: str = ""  # ISO date of the import

    def describe(self) -> str:
        """The zone's definition as a value's source names it."""
        basis = f"依据：{self.source}"
        if self.example:
            basis += "；示例范围，非真实边界"
        where = "，".join(x for x in (self.file, f"{self.imported_at}导入" if self.imported_at
                                      else "") if x)
        return (f"{self.name}（{len(self.streets)}个街镇：{'、'.join(self.streets)}；{basis}"
                + (f"；{where}" if where else "") + "）")


def zone_names(jurisdiction: Jurisdiction) -> list[str]:
    """The zones the jurisdiction's plans name, in plan order."""
    names: dict[str, None] = {}
    for code in jurisdiction.plans:
        for ind in get_plan(code).indicators:
            if ind.zones is not None:
                names.update(dict.fromkeys(ind.zones.names))
    return list(names)


def _text(value: object, what: str, file: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what}须为非空文字", file=file)
    return value.strip()


def _streets(value: object, what: str, owner: Jurisdiction, known: set[str], file: str
             ) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(f"{what}的 streets 须列出至少一个街镇代码（9位）；"
                         "尚未确定范围的功能区请删去", file=file)
    out: list[str] = []
    for item in value:
        code = str(item).strip()
        if not (len(code) == 9 and code.isdigit()):
            raise InputError(f"{what}的街镇代码 {code!r} 无效（应为9位数字，请加引号）", file=file)
        if not owner.contains(code):
            raise InputError(f"{what}的街镇 {code} 不在{owner.name}内", file=file)
        # Where the gazetteer lists a district's 街镇, a code must be one of them.
        if code[:6] in {k[:6] for k in known} and code not in known:
            raise InputError(f"{what}的街镇 {code} 不在区划表中", file=file)
        if code in out:
            raise InputError(f"{what}的街镇 {code} 重复", file=file)
        out.append(code)
    return tuple(out)


def parse_zones(raw: Any, store: Jurisdiction, file: str, *, known: Iterable[str] = ()
                ) -> tuple[tuple[Zone, ...], bool]:
    """The zones of a parsed zone file for a store of jurisdiction ``store`` (the file's
    jurisdiction is the store's or one inside it), and whether the file is an example.
    ``known``: 街镇 codes of the gazetteer (a code of a district it lists must be one)."""
    if not isinstance(raw, dict):
        raise InputError("功能区文件应为 YAML 映射（jurisdiction、zones）", file=file)
    extra = set(raw) - _KEYS
    if extra:
        raise InputError(f"功能区文件含未知字段：{'、'.join(sorted(map(str, extra)))}"
                         f"（可用：{'、'.join(sorted(_KEYS))}）", file=file)
    owner = get_jurisdiction(_text(raw.get("jurisdiction"), "jurisdiction（辖区）", file))
    if not store.contains(owner.code):
        raise InputError(f"功能区文件属于{owner.name}，不在数据库的辖区{store.name}内", file=file)
    example = raw.get("example", False)
    if not isinstance(example, bool):
        raise InputError("example 须为 true 或 false", file=file)
    items = raw.get("zones")
    if not isinstance(items, list) or not items:
        raise InputError("zones 须列出至少一个功能区", file=file)
    known_set = set(known)
    zones: list[Zone] = []
    for i, item in enumerate(items, start=1):
        what = f"第{i}个功能区"
        if not isinstance(item, dict):
            raise InputError(f"{what}应为映射（name、streets、source）", file=file)
        bad = set(item) - _ZONE_KEYS
        if bad:
            raise InputError(f"{what}含未知字段：{'、'.join(sorted(map(str, bad)))}"
                             f"（可用：{'、'.join(sorted(_ZONE_KEYS))}）", file=file)
        name = _text(item.get("name"), f"{what}的 name（名称）", file)
        what = f"{what}“{name}”"
        if ZONE_SEPARATOR in name:
            raise InputError(f"{what}的名称不能含有“{ZONE_SEPARATOR}”", file=file)
        if any(z.name == name for z in zones):
            raise InputError(f"功能区“{name}”重复", file=file)
        streets = _streets(item.get("streets"), what, owner, known_set, file)
        source = _text(item.get("source"), f"{what}的 source（范围依据：文件、批复等）", file)
        zones.append(Zone(name, streets, source, example))
    return tuple(zones), example


def read_zone_file(path: Path) -> Any:
    """A zone file's YAML (an unreadable file is the asker's input error, with its line)."""
    if not path.is_file():
        raise InputError("文件不存在", file=str(path))
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("文件须为 UTF-8 编码的 YAML", file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError("不是合法的 YAML", file=str(path),
                         row=mark.line + 1 if mark is not None else None) from None


def example_file(jurisdiction: Jurisdiction) -> str | None:
    """The shipped example zone file (示例) of the jurisdiction, if there is one."""
    entry = resources.files("renkou.plans").joinpath(
        f"data/zones/{jurisdiction.key}.example.yaml")
    return entry.read_text(encoding="utf-8") if entry.is_file() else None


def template_text(jurisdiction: Jurisdiction, streets: Mapping[str, str]) -> str:
    """A zone file to fill in: the zones the jurisdiction's plans name, with empty 街镇
    lists, and the 街镇 (code → name) the planner chooses from as comments."""
    lines = ["# 功能区范围（由街镇组成）。每个功能区列出所含街镇的9位代码（加引号）",
             "# 和范围依据 source（文件、批复），填好后运行",
             "#   renkou plans zones import 本文件 --db 库",
             "# 尚未确定范围的功能区请删去。规划中以功能区为范围的指标，在其全部功能区",
             "# 都有定义后由库计算（并注明范围依据），否则仍由部门填报。",
             f"jurisdiction: {jurisdiction.key}", "zones:"]
    for name in zone_names(jurisdiction) or ["功能区名称"]:
        lines += [f"  - name: {name}", "    streets: []", "    source: "]
    lines.append("# 可选街镇：")
    lines += [f"#   \"{code}\"  {name}" for code, name in streets.items()]
    return "\n".join(lines) + "\n"


def store_zones(tables: AppTables, zones: tuple[Zone, ...], file: str,
                when: dt.date) -> None:
    """Replace the store's zones by ``zones`` (one file defines them all)."""
    rows = [{"zone": z.name, "street": s, "source": z.source, "example": z.example,
             "file": file, "imported_at": when.isoformat()} for z in zones for s in z.streets]
    write_app(tables, TABLE, pd.DataFrame(rows, columns=COLUMNS), mode="replace")


def stored_zones(tables: AppTables) -> dict[str, Zone]:
    """The zones defined in the store (empty when none were imported)."""
    df = read_app(tables, TABLE)
    out: dict[str, Zone] = {}
    if df.empty:
        return out
    for name, rows in df.groupby("zone", sort=False):
        first = rows.iloc[0]
        out[str(name)] = Zone(str(name), tuple(str(s) for s in rows["street"]),
                              str(first["source"]), bool(first["example"]),
                              str(first["file"]), str(first["imported_at"]))
    return out


def with_zones(plan: Plan, zones: Mapping[str, Zone]) -> Plan:
    """``plan`` with every indicator whose zones are all defined computed over them."""
    changed = False
    indicators = []
    for ind in plan.indicators:
        rule = ind.zones
        if ind.kind != "reported" or rule is None or not all(n in zones for n in rule.names):
            indicators.append(ind)
            continue
        source = "功能区范围：" + "；".join(zones[n].describe() for n in rule.names)
        defined = ZoneRule(names=rule.names, formula=rule.formula, source=source)
        indicators.append(type(ind).model_validate(
            {**ind.model_dump(), "kind": "computed", "formula": rule.formula,
             "zones": defined.model_dump()}))
        changed = True
    return plan.model_copy(update={"indicators": tuple(indicators)}) if changed else plan
