"""The areas a reporting form may name (填报地区): the plan's own area, the districts and
街镇 inside it. A cell reads "code 名称" (as the drop-down offers it) or the bare code."""

from __future__ import annotations

import re
from typing import Any

from renkou.errors import InputError
from renkou.plans.model.plan import Plan
from renkou.regions import Region, gazetteer

_CODE = re.compile(r"^\s*(\d{6}|\d{9})(?:\D.*)?$")


def _prefix(plan: Plan) -> str:
    """Division-code prefix of everything inside the plan area: the province digits of a
    city, the whole code of a district."""
    region = gazetteer().regions.get(plan.area_code)
    return plan.area_code[:2] if region is not None and region.level == "city" \
        else plan.area_code


def plan_areas(plan: Plan) -> tuple[Region, ...]:
    """The plan area, then each district inside it followed by its 街镇 (as far as the
    gazetteer lists them)."""
    g = gazetteer()
    top = g.get(plan.area_code)
    out = [top]
    for child in g.children(top.code):
        out.append(child)
        out.extend(g.streets(child.code))
    return tuple(out)


def area_label(region: Region) -> str:
    return f"{region.code} {region.name}"


def parse_area(raw: Any, plan: Plan) -> str:
    """The division code of a 地区 cell; blank means the plan area. A code must lie in the
    plan area and be known — a 街镇 code also when the gazetteer lists no 街镇 of its
    district (their codes are then unknown here)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return plan.area_code
    text = str(int(raw)) if isinstance(raw, int | float) and not isinstance(raw, bool) \
        and float(raw).is_integer() else str(raw)
    m = _CODE.match(text)
    if not m:
        raise InputError(f"“{text}”不是地区代码（6位区县或9位街镇代码，可从下拉列表选择）",
                         column="地区")
    code = m.group(1)
    if not code.startswith(_prefix(plan)):
        raise InputError(f"地区 {code} 不在规划地区 {plan.area_name} 范围内", column="地区")
    g = gazetteer()
    if code in g.regions:
        return code
    district = g.regions.get(code[:6])
    if len(code) == 9 and district is not None and not g.streets(district.code):
        return code
    raise InputError(f"未知的地区代码 {code}", column="地区")
