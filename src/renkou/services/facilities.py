"""Facility inventory (设施清单): the Excel template, its import with row-level validation
and quarantine, and the supply (供给量) of each facility type by area on a date.

Every data row of an imported file is either accepted (stored with file, row and import
time) or quarantined with the file, row, column and a Chinese reason. A file that cannot be
read, lacks a column or is for another jurisdiction is refused before anything is written,
so a failed import leaves the store unchanged. The rows live in the store's application
tables ``app_facilities`` and ``app_facilities_quarantine`` (through the Registry)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from renkou.errors import InputError, StoreError
from renkou.jurisdictions import Jurisdiction
from renkou.regions import gazetteer
from renkou.registry import Registry
from renkou.tables import Rejection, append_values, open_workbook

TABLE = "facilities"
QUARANTINE = "facilities_quarantine"
SHEET = "设施清单"
INSTRUCTIONS = "填写说明"
META = "_meta"
MAGIC = "renkou-facility-template"


@dataclass(frozen=True)
class FacilityType:
    key: str
    name: str
    unit: str


# The facility types the norms count as supply (a norm's ``facility`` or its service key).
FACILITY_TYPES: Mapping[str, FacilityType] = {t.key: t for t in (
    FacilityType("childcare", "托育机构", "个"),
    FacilityType("kindergarten", "幼儿园", "个"),
    FacilityType("compulsory", "义务教育学校", "个"),
    FacilityType("elderly_beds", "养老机构", "张"),
    FacilityType("nursing_beds", "护理型床位", "张"),
    FacilityType("community_facility", "社区综合服务设施", "平方米"),
    FacilityType("community_health", "社区卫生服务中心", "所"),
    FacilityType("elderly_day_care", "日间照料中心", "所"),
)}
COLUMNS = ("设施类型", "设施名称", "街镇代码", "容量", "单位", "启用日期", "停用日期",
           "经度", "纬度")
REQUIRED = ("设施类型", "设施名称", "街镇代码", "容量", "单位", "启用日期")
STORED = ("type", "name", "street", "capacity", "unit", "opened", "closed", "longitude",
          "latitude", "source_file", "source_row", "imported_at")


def facility_type(text: str) -> FacilityType | None:
    t = text.strip()
    for ft in FACILITY_TYPES.values():
        if t in (ft.key, ft.name):
            return ft
    return None


def write_template(out: Path, jurisdiction: Jurisdiction) -> Path:
    """An empty inventory workbook with drop-down lists and instructions in Chinese."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise InputError("设施清单模板须保存为 .xlsx 文件", file=str(out))
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    append_values(ws, [f"{c}*" if c in REQUIRED else c for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for letter, width in zip("ABCDEFGHI", (16, 28, 12, 10, 8, 12, 12, 10, 10), strict=True):
        ws.column_dimensions[letter].width = width
    types = ",".join(ft.name for ft in FACILITY_TYPES.values())
    dv = DataValidation(type="list", formula1=f'"{types}"', allow_blank=False,
                        showErrorMessage=True, errorTitle="设施类型无效",
                        error="请从下拉列表中选择设施类型。")
    ws.add_data_validation(dv)
    dv.add("A2:A5000")
    ws.freeze_panes = "A2"
    info = wb.create_sheet(INSTRUCTIONS)
    info.column_dimensions["A"].width = 90
    lines = [f"{jurisdiction.name}公共服务设施清单填写说明",
             "每行一个设施；带 * 的列必填。",
             "街镇代码：9位统计用区划代码，须在本辖区内。",
             "容量：正数，单位须与设施类型一致：" + "；".join(
                 f"{ft.name}——{ft.unit}" for ft in FACILITY_TYPES.values()),
             "启用日期、停用日期：yyyy-mm-dd；仍在使用的设施停用日期留空。",
             "经度、纬度：可选，两者同时填写（WGS-84 十进制度）。",
             "导入时逐行校验：合格行入库，不合格行连同文件名、行号、原因记入隔离表。"]
    for line in lines:
        append_values(info, [line])
    meta = wb.create_sheet(META)
    append_values(meta, ["magic", MAGIC])
    append_values(meta, ["jurisdiction", jurisdiction.key])
    meta.sheet_state = "hidden"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


@dataclass(frozen=True)
class ImportResult:
    file: str
    accepted: int
    rejected: tuple[Rejection, ...] = field(default_factory=tuple)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    return float(str(value).strip())


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _street_of(code: str, jurisdiction: Jurisdiction) -> bool:
    """A 9-digit code inside the jurisdiction: one of the 街镇 the gazetteer lists for its
    district, or (where the gazetteer lists none) any code under one of its districts."""
    if not jurisdiction.contains(code):
        return False
    gaz = gazetteer()
    listed = [r.code for r in gaz.children(code[:6]) if r.level == "street"]
    if listed:
        return code in listed
    return code[:6] in jurisdiction.area_codes or code[:6] == jurisdiction.code


def check_row(cells: Mapping[str, Any], jurisdiction: Jurisdiction
              ) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """A row's stored values, or (column, reason) of its first problem."""
    for col in REQUIRED:
        if _blank(cells.get(col)):
            return None, (col, f"{col}为必填")
    ft = facility_type(str(cells["设施类型"]))
    if ft is None:
        return None, ("设施类型", f"“{cells['设施类型']}”不是可选的设施类型（"
                      f"{'、'.join(t.name for t in FACILITY_TYPES.values())}）")
    street = str(cells["街镇代码"]).strip()
    if street.endswith(".0"):
        street = street[:-2]
    if len(street) != 9 or not street.isdigit():
        return None, ("街镇代码", f"“{street}”不是9位街镇代码")
    if not _street_of(street, jurisdiction):
        return None, ("街镇代码", f"“{street}”不是{jurisdiction.name}的街镇")
    try:
        capacity = _number(cells["容量"])
    except ValueError:
        return None, ("容量", f"“{cells['容量']}”不是数字")
    if not capacity > 0:
        return None, ("容量", f"容量 {capacity:g} 须为正数")
    unit = str(cells["单位"]).strip()
    if unit != ft.unit:
        return None, ("单位", f"{ft.name}的单位应为“{ft.unit}”，不是“{unit}”")
    try:
        opened = _date(cells["启用日期"])
    except ValueError:
        return None, ("启用日期", f"“{cells['启用日期']}”不是有效日期（yyyy-mm-dd）")
    closed = None
    if not _blank(cells.get("停用日期")):
        try:
            closed = _date(cells["停用日期"])
        except ValueError:
            return None, ("停用日期", f"“{cells['停用日期']}”不是有效日期（yyyy-mm-dd）")
        if closed <= opened:
            return None, ("停用日期", f"停用日期 {closed} 须晚于启用日期 {opened}")
    lon_raw, lat_raw = cells.get("经度"), cells.get("纬度")
    lon = lat = None
    if _blank(lon_raw) != _blank(lat_raw):
        return None, ("经度" if _blank(lon_raw) else "纬度", "经度和纬度须同时填写")
    if not _blank(lon_raw):
        try:
            lon, lat = _number(lon_raw), _number(lat_raw)
        except ValueError:
            return None, ("经度", "经纬度须为十进制度数")
        if not (73 <= lon <= 136 and 3 <= lat <= 54):
            return None, ("经度", f"经纬度 ({lon:g}, {lat:g}) 不在中国境内")
    return {"type": ft.key, "name": str(cells["设施名称"]).strip(), "street": street,
            "capacity": capacity, "unit": unit, "opened": opened, "closed": closed,
            "longitude": lon, "latitude": lat}, None


def read_workbook(path: Path, jurisdiction: Jurisdiction
                  ) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Accepted rows and rejections of a filled inventory; InputError when the whole file
    is unusable (nothing is then stored)."""
    p = Path(path)
    wb = open_workbook(p)
    if META in wb.sheetnames:
        meta = {str(r[0]): str(r[1]) for r in wb[META].iter_rows(values_only=True) if r[0]}
        if meta.get("jurisdiction") not in (None, jurisdiction.key):
            raise InputError(f"模板属于辖区 {meta['jurisdiction']}，而数据库属于"
                             f"{jurisdiction.name}", file=p.name)
    if SHEET not in wb.sheetnames:
        raise InputError(f"缺少工作表“{SHEET}”", file=p.name)
    rows = list(wb[SHEET].iter_rows(values_only=True))
    if not rows:
        raise InputError("工作表为空", file=p.name)
    header = [str(h).strip().rstrip("*") if h is not None else "" for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"缺少列 {'、'.join(missing)}", file=p.name, row=1)
    accepted: list[dict[str, Any]] = []
    rejected: list[Rejection] = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, r in enumerate(rows[1:], start=2):
        if all(_blank(v) for v in r):
            continue
        cells = {h: (r[i] if i < len(r) else None) for i, h in enumerate(header) if h}
        row, problem = check_row(cells, jurisdiction)
        if problem is not None or row is None:
            column, reason = problem or ("", "")
            rejected.append(Rejection(p.name, n, column, reason))
            continue
        key = (row["type"], row["name"], row["street"])
        if key in seen:
            rejected.append(Rejection(p.name, n, "设施名称",
                                      f"与第 {seen[key]} 行重复（同一街镇同类同名设施）"))
            continue
        seen[key] = n
        accepted.append({**row, "source_file": p.name, "source_row": n})
    return accepted, rejected


def _frame(rows: list[dict[str, Any]], stamp: dt.datetime) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[c for c in STORED if c != "imported_at"])
    df["imported_at"] = stamp
    for col in ("capacity", "longitude", "latitude"):
        df[col] = df[col].astype("float64")
    df["source_row"] = df["source_row"].astype("int64")
    return df


def store_rows(registry: Registry, rows: list[dict[str, Any]], rejected: list[Rejection],
               now: dt.datetime | None = None) -> None:
    """Append accepted rows and rejections to the store's application tables."""
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    if rows:
        registry.write_table(TABLE, _frame(rows, stamp))
    if rejected:
        registry.write_table(QUARANTINE, pd.DataFrame(
            [{"file": x.file, "row": x.row, "column": x.column, "reason": x.reason,
              "imported_at": stamp} for x in rejected]))


def import_workbook(registry: Registry, path: Path, *, now: dt.datetime | None = None
                    ) -> ImportResult:
    """Validate a filled inventory and store it (see the module docstring)."""
    accepted, rejected = read_workbook(Path(path), registry.jurisdiction())
    store_rows(registry, accepted, rejected, now)
    return ImportResult(Path(path).name, len(accepted), tuple(rejected))


def inventory(registry: Registry) -> pd.DataFrame:
    """Every stored facility, the latest import of each (type, name, street) kept."""
    try:
        df = registry.read_table(TABLE)
    except StoreError:
        return pd.DataFrame(columns=list(STORED))
    if df.empty:
        return df
    df = df.sort_values(["imported_at", "source_row"])
    return df.drop_duplicates(["type", "name", "street"], keep="last").reset_index(drop=True)


def quarantined(registry: Registry) -> pd.DataFrame:
    try:
        return registry.read_table(QUARANTINE)
    except StoreError:
        return pd.DataFrame(columns=["file", "row", "column", "reason", "imported_at"])


def open_on(df: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Facilities in service on ``as_of`` (opened on or before, not yet closed)."""
    if df.empty:
        return df
    day = pd.Timestamp(as_of)
    opened = pd.to_datetime(df["opened"])
    closed = pd.to_datetime(df["closed"])
    keep = (opened <= day) & (closed.isna() | (closed > day))
    return df[keep.to_numpy(dtype=bool)]


def area_code(street: str, level: str, jurisdiction: Jurisdiction) -> str:
    """The code a 街镇 counts under at ``level`` (street, district or city)."""
    if level == "street":
        return street
    if level == "district":
        return street[:6]
    if level == "city":
        return jurisdiction.code
    raise InputError(f"未知的区域层级 {level}（可选 district、street）")


def supply(df: pd.DataFrame, as_of: dt.date, level: str, jurisdiction: Jurisdiction
           ) -> pd.DataFrame:
    """Capacity in service on ``as_of`` by region and facility type: region, type, capacity."""
    live = open_on(df, as_of)
    if live.empty:
        return pd.DataFrame({"region": pd.Series([], dtype=str),
                             "type": pd.Series([], dtype=str),
                             "capacity": pd.Series([], dtype=float)})
    regions = pd.Series([area_code(str(s), level, jurisdiction) for s in live["street"]],
                        index=live.index, dtype=str)
    out = live.assign(region=regions).groupby(["region", "type"])["capacity"].sum()
    return out.reset_index()
