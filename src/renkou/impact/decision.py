"""Decision files (重大决策人口影响评估 决策文件): what a decision does to the population, as
shocks on top of the baseline projection. See ``data/decisions/*.yaml`` for examples::

    name: 某商务区人口导入
    jurisdiction: <key>                # optional: the store's jurisdiction must contain it
    base: {as_of: 2024-12-31, caliber: resident}
    horizon: 2035
    shocks:
      - kind: arrivals                 # people who move in
        region: "<area code>"          # a district or 街镇 code, or the jurisdiction's
        schedule: {2026: 30000, 2027: 40000}
        age_profile: movers            # or [{age_from, age_to, share}, …]
        sex_ratio: 105                 # optional: males per 100 females (else equal)
        new_area: true                 # optional: a new residential area (配建标准 apply)
      - kind: fertility                # tfr_change added to the TFR, or tfr absolute
        from_year: 2026
        tfr_change: 0.1
      - kind: relocation               # persons moved between areas in one year
        from: "<area code>"
        to: "<area code>"
        persons: 20000
        year: 2027
      - kind: settlement               # 落户: hukou granted to residents
        region: "<area code>"
        persons_per_year: 10000
        from_year: 2026
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from renkou.errors import InputError
from renkou.types import OPEN_AGE

KINDS = ("arrivals", "fertility", "relocation", "settlement")
# A profile: (age_from, age_to, share) bands, or the name of a standard schedule.
Profile = tuple[tuple[int, int, float], ...] | str
PROFILES = ("movers", "resident")


@dataclass(frozen=True)
class Arrivals:
    region: str
    schedule: tuple[tuple[int, float], ...]  # (calendar year, persons arriving in it)
    age_profile: Profile = "movers"
    sex_ratio: float | None = None  # males per 100 females
    new_area: bool = False
    kind: str = "arrivals"

    @property
    def total(self) -> float:
        return sum(n for _, n in self.schedule)


@dataclass(frozen=True)
class Fertility:
    from_year: int
    tfr_change: float | None = None
    tfr: float | None = None
    region: str | None = None  # None: every area
    to_year: int | None = None
    kind: str = "fertility"


@dataclass(frozen=True)
class Relocation:
    origin: str
    destination: str
    persons: float
    year: int
    age_profile: Profile = "resident"  # the origin's own age–sex structure
    kind: str = "relocation"


@dataclass(frozen=True)
class Settlement:
    region: str
    persons_per_year: float
    from_year: int
    to_year: int | None = None
    age_profile: Profile = "movers"
    kind: str = "settlement"


Shock = Arrivals | Fertility | Relocation | Settlement


@dataclass(frozen=True)
class Decision:
    name: str
    as_of: dt.date
    caliber: str
    horizon: int
    shocks: tuple[Shock, ...]
    jurisdiction: str | None = None
    description: str = ""
    source: str = ""  # the file it was read from


def _profile(raw: Any, where: str, default: Profile) -> Profile:
    if raw is None:
        return default
    if isinstance(raw, str):
        if raw not in PROFILES:
            raise InputError(f"{where}：未知的年龄模式 {raw}"
                             f"（可选 {'、'.join(PROFILES)} 或年龄段列表）")
        return raw
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where}：age_profile 应为 movers 或 [{{age_from, age_to, share}}] 列表")
    bands = []
    for band in raw:
        try:
            lo, hi, share = int(band["age_from"]), int(band["age_to"]), float(band["share"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{where}：年龄段须有 age_from、age_to、share") from None
        if not 0 <= lo <= hi <= OPEN_AGE or share < 0:
            raise InputError(f"{where}：年龄段 {lo}—{hi}（比例 {share}）无效")
        bands.append((lo, hi, share))
    if sum(b[2] for b in bands) <= 0:
        raise InputError(f"{where}：年龄段比例之和须为正")
    return tuple(bands)


def _year(raw: Any, where: str, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InputError(f"{where}：{name} 应为年份，收到 {raw!r}") from None


def _number(raw: Any, where: str, name: str) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{where}：{name} 应为数值，收到 {raw!r}") from None


def _shock(raw: dict[str, Any], where: str) -> Shock:
    kind = raw.get("kind")
    if kind == "arrivals":
        sched = raw.get("schedule")
        if not isinstance(sched, dict) or not sched:
            raise InputError(f"{where}：arrivals 须有 schedule（年份: 人数）")
        ratio = raw.get("sex_ratio")
        return Arrivals(region=str(raw.get("region", "")),
                        schedule=tuple(sorted((_year(y, where, "schedule 年份"),
                                               _number(n, where, "人数"))
                                              for y, n in sched.items())),
                        age_profile=_profile(raw.get("age_profile"), where, "movers"),
                        sex_ratio=None if ratio is None else _number(ratio, where, "sex_ratio"),
                        new_area=bool(raw.get("new_area", False)))
    if kind == "fertility":
        change, tfr = raw.get("tfr_change"), raw.get("tfr")
        if (change is None) == (tfr is None):
            raise InputError(f"{where}：fertility 须给出 tfr_change 或 tfr 之一")
        return Fertility(from_year=_year(raw.get("from_year"), where, "from_year"),
                         tfr_change=None if change is None
                         else _number(change, where, "tfr_change"),
                         tfr=None if tfr is None else _number(tfr, where, "tfr"),
                         region=str(raw["region"]) if raw.get("region") else None,
                         to_year=_year(raw["to_year"], where, "to_year") if raw.get("to_year")
                         else None)
    if kind == "relocation":
        return Relocation(origin=str(raw.get("from", "")), destination=str(raw.get("to", "")),
                          persons=_number(raw.get("persons"), where, "persons"),
                          year=_year(raw.get("year"), where, "year"),
                          age_profile=_profile(raw.get("age_profile"), where, "resident"))
    if kind == "settlement":
        return Settlement(region=str(raw.get("region", "")),
                          persons_per_year=_number(raw.get("persons_per_year"), where,
                                                   "persons_per_year"),
                          from_year=_year(raw.get("from_year"), where, "from_year"),
                          to_year=_year(raw["to_year"], where, "to_year") if raw.get("to_year")
                          else None,
                          age_profile=_profile(raw.get("age_profile"), where, "movers"))
    raise InputError(f"{where}：未知的冲击类型 {kind!r}（可选 {'、'.join(KINDS)}）")


def parse_decision(raw: Any, source: str = "") -> Decision:
    where = source or "决策文件"
    if not isinstance(raw, dict):
        raise InputError("决策文件应为 YAML 映射", file=source or None)
    base = raw.get("base") or {}
    try:
        as_of = base["as_of"] if isinstance(base.get("as_of"), dt.date) else (
            dt.date.fromisoformat(str(base["as_of"])))
    except (KeyError, ValueError):
        raise InputError("base.as_of 须为 yyyy-mm-dd 日期", file=source or None) from None
    caliber = str(base.get("caliber", "resident"))
    if caliber not in ("resident", "hukou"):
        raise InputError(f"base.caliber 只能为 resident 或 hukou，不是 {caliber}",
                         file=source or None)
    horizon = _year(raw.get("horizon"), where, "horizon")
    if horizon <= as_of.year:
        raise InputError(f"horizon {horizon} 须晚于基准年 {as_of.year}", file=source or None)
    shocks = raw.get("shocks") or []
    if not isinstance(shocks, list):
        raise InputError("shocks 应为列表", file=source or None)
    parsed = tuple(_shock(s if isinstance(s, dict) else {}, f"{where} 第 {i} 个冲击")
                   for i, s in enumerate(shocks, start=1))
    return Decision(name=str(raw.get("name") or "未命名决策"), as_of=as_of, caliber=caliber,
                    horizon=horizon, shocks=parsed,
                    jurisdiction=str(raw["jurisdiction"]) if raw.get("jurisdiction") else None,
                    description=str(raw.get("description", "")), source=source)


def load_decision(path: Path) -> Decision:
    p = Path(path)
    if not p.exists():
        raise InputError("文件不存在", file=str(p))
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"YAML 格式错误：{exc}", file=p.name) from None
    return parse_decision(raw, p.name)
