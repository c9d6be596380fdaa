"""Schemas of the public API: input schemas first, then every output schema. Storage schemas
live in the registry. No schema here carries a full ID number."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

# ---- input ----------------------------------------------------------------------------------


class IdCheckIn(BaseModel):
    number: str = Field(min_length=15, max_length=18)


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=32)
    role: str
    password: str = Field(min_length=1, max_length=256)
    department: str | None = Field(default=None, max_length=32)
    district: str | None = Field(default=None, max_length=6)


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


# ---- output ---------------------------------------------------------------------------------


class AreaGroupOut(BaseModel):
    key: str
    name: str
    members: list[str]


class JurisdictionOut(BaseModel):
    """The government the served store belongs to (辖区)."""

    key: str
    code: str
    name: str
    level: str = Field(description="city = 直辖市, district = 区")
    area_level: str = Field(description="district = 区县, street = 街镇")
    groups: list[AreaGroupOut]
    plans: list[str]
    map_url: str | None = Field(description="区县边界（GeoJSON）；无则为 null，页面以条形图展示")
    census_date: dt.date


class MetaOut(BaseModel):
    version: str
    jurisdiction: JurisdictionOut
    synthetic: bool = Field(description="库内数据为合成示范数据（renkou synth）")
    data_through: dt.date | None
    default_as_of: dt.date
    as_of_choices: list[dt.date]
    calibers: dict[str, str]


class RegionOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    group: str | None = None
    group_name: str | None = None
    census2020: int | None = None


class PyramidOut(BaseModel):
    """Population by single year of age and sex (人口金字塔)."""

    caliber: str
    caliber_name: str
    as_of: dt.date
    region: str
    region_name: str
    level: str
    ages: list[int] = Field(description="0..100, 100 = 100岁及以上")
    male: list[int | None] = Field(description="null = 已抑制（统计披露控制）")
    female: list[int | None]
    total: int
    groups: dict[str, int | None] = Field(
        default_factory=dict,
        description="年龄组与性别合计（0-14、15-64、60+、65+、male、female），由全部单元格计算；"
                    "少于阈值者为 null")
    suppressed: int = Field(default=0, description="被抑制的单元格数")
    suppression_threshold: int | None = Field(
        default=None, description="少于此人数的单元格被抑制；null = 未做抑制（统计分析及以上角色）")


class AreaValueOut(BaseModel):
    code: str
    name: str
    value: int | None = Field(description="null = 已抑制（统计披露控制）")


class AreaValuesOut(BaseModel):
    caliber: str
    caliber_name: str
    as_of: dt.date
    level: str
    total: int
    areas: list[AreaValueOut]
    suppressed: int = 0
    suppression_threshold: int | None = None


class SeparationRowOut(BaseModel):
    code: str
    name: str
    same_district: int | None = Field(description="null = 已抑制（统计披露控制）")
    other_district: int | None
    outside_city: int | None


class PlanOut(BaseModel):
    code: str
    name: str
    area_code: str
    start_year: int
    end_year: int
    indicators: int
    tasks: int
    # The year the dashboard assesses first: the store's last data year within the period.
    default_year: int
    # Issued by the government of the store's jurisdiction (the page offers these first).
    own: bool


class AssessmentRowOut(BaseModel):
    code: str
    name: str
    unit: str
    category: str
    kind: str
    value: float | None
    target_year: int | None
    target_text: str
    status: str
    note: str
    projected: float | None = None
    probability: float | None = None
    # How ``projected`` was obtained: the population projection or a trend line (not a
    # projection) — renkou.plans.forward_look.
    projection_method: str | None = None
    projection_kind: str | None = None  # "projection" | "trend"
    departments: list[str]
    demo: bool = Field(default=False, description="数值为示范填报数据（非部门真实填报）")


class AssessmentOut(BaseModel):
    plan: str
    plan_name: str
    year: int
    # How the totals of a sampled (synthetic) store were scaled to census totals, one note per
    # caliber with its factor and basis; empty for a real registry.
    scale_notes: list[str] = []
    # Why no indicator could be computed: the store holds no population of the plan area.
    uncovered: str | None = None
    counts: dict[str, int]
    rows: list[AssessmentRowOut]


class IdCheckOut(BaseModel):
    masked: str
    valid: bool
    reason: str | None = None
    detail: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None
    division_code: str | None = None


class LoginOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class MeOut(BaseModel):
    username: str
    role: str
    role_label: str
    department: str | None
    district: str | None
    scopes: list[str]
    csrf_token: str = Field(description="Cookie 会话下修改类请求须在 X-CSRF-Token 头中带上")


class AuditEntryOut(BaseModel):
    seq: int
    at: str
    actor: str
    role: str
    action: str
    target: str
    outcome: str
    detail: str
    client: str
    hash: str


class UserOut(BaseModel):
    """An account as administrators see it (never its password hash)."""

    username: str
    role: str
    role_label: str
    department: str | None
    district: str | None
    disabled: bool
    locked: bool
    demo: bool


# ---- public services and impact assessment --------------------------------------------------


class AssessIn(BaseModel):
    """A shipped example by name, or a decision file's YAML text (one of the two)."""

    example: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9-]+$")
    decision: str | None = Field(default=None, max_length=20_000)
    indicators: list[str] | None = Field(default=None, max_length=200,
                                         description="只返回这些指标的行（默认全部）")


class GapIn(BaseModel):
    """One row of a gaps table (``renkou services gaps``): only region, service and gap are
    read."""

    region: str = Field(pattern=r"^\d{2,12}$")
    service: str = Field(min_length=1, max_length=64)
    gap: float | None = None  # none: no unmet demand


class SiteCostIn(BaseModel):
    region: str = Field(pattern=r"^\d{2,12}$")
    cost_per_site: float = Field(gt=0)


class AllocateIn(BaseModel):
    """``renkou services allocate``: the gaps computed for the store's date (or a projection
    year) at a level and caliber, or given as rows; whole sites of ``site_size`` places; the
    budget counts sites, or money when ``costs`` are given."""

    service: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    budget: float = Field(ge=0)
    site_size: float = Field(gt=0)
    costs: list[SiteCostIn] | None = Field(default=None, max_length=5_000)
    rows: list[GapIn] | None = Field(default=None, max_length=50_000,
                                     description="缺口表的行（默认按下列参数由库内计算）")
    as_of: dt.date | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    level: str | None = Field(default=None, pattern=r"^(district|street)$")
    caliber: str = Field(default="resident", pattern=r"^(resident|hukou)$")
    region: str | None = Field(default=None, pattern=r"^\d{6}(\d{3})?$",
                               description="只在此区县或街镇内的地区配置（默认全辖区）")


class NormOut(BaseModel):
    service: str
    name: str
    unit: str
    kind: str
    age_from: int
    age_to: int
    served: str
    scope: str
    value: float | None  # in force on the store's date; None before the norm applies
    effective_from: dt.date | None
    citation: str


class NormsOut(BaseModel):
    jurisdiction: str
    name: str
    as_of: dt.date
    household_size: float
    household_size_source: str
    norms: list[NormOut]


class GapRowOut(BaseModel):
    region: str
    service: str
    population: float
    norm: float
    demand: float
    supply: float
    gap: float
    coverage: float | None  # None where there is no demand


class GapsOut(BaseModel):
    jurisdiction: str
    as_of: dt.date
    year: int | None
    level: str
    caliber: str
    services: dict[str, str]  # service → its Chinese name
    area_names: dict[str, str]
    rows: list[GapRowOut]


class ContrastRowOut(BaseModel):
    region: str
    service: str
    resident_demand: float
    hukou_demand: float
    misplaced: float


class ContrastOut(BaseModel):
    jurisdiction: str
    as_of: dt.date
    level: str
    area_names: dict[str, str]
    rows: list[ContrastRowOut]


class ExampleOut(BaseModel):
    key: str
    name: str
    description: str
    horizon: int
    shocks: list[str]  # the kinds of its shocks


class ImpactRowOut(BaseModel):
    year: int
    region: str
    indicator: str
    baseline: float
    scenario: float
    difference: float


class RiskOut(BaseModel):
    region: str
    measure: str
    indicator: str
    year: int
    value: float | None
    grade: int
    grade_name: str


class ObligationOut(BaseModel):
    service: str
    name: str
    region: str
    persons: float
    capacity: float
    unit: str
    citation: str


class AssessOut(BaseModel):
    name: str
    jurisdiction: str
    base_year: int
    horizon: int
    synthetic: bool
    scale: float
    scale_note: str
    warnings: list[str]
    rows: list[ImpactRowOut]
    risks: list[RiskOut]
    obligations: list[ObligationOut]


class AllocationRowOut(BaseModel):
    region: str
    added_sites: int
    added_capacity: float
    unmet_before: float
    unmet_after: float


class AllocateOut(BaseModel):
    service: str
    budget: float
    spent: float
    objective: float  # total unmet demand after
    unmet_before: float
    warnings: list[str]
    source: str  # "rows" (given) or "store" (computed)
    as_of: dt.date | None
    year: int | None
    level: str | None
    caliber: str | None
    area_names: dict[str, str]
    rows: list[AllocationRowOut]
