"""The schema of a population development plan as data (人口发展规划数据模型).

A plan (规划) holds its quantitative indicators (指标) with baselines (基期值) and targets
(目标值), its tasks (重点任务) with responsible departments (责任部门), and the other
figures the text states (standards, subsidy amounts, achievements). Every indicator and
figure carries the short verbatim ``quote`` it comes from, so each number can be checked
against the source text shipped in ``plans/data/sources/``.

Comparator semantics (how the plan's words map to a test on a value):

``ge``                "以上", "不低于", "达到", "提高到" — value ≥ target
``le``                "以下", "控制在…以内", "不高于", "及以下" — value ≤ target
``approx``            "左右" — |value − target| ≤ tolerance × |target| (relative tolerance)
``range``             "保持在103~107" — low ≤ value ≤ high
``eq``                an exact figure (rare; e.g. "保持在100%")
``cumulative_ge``     "累计…以上" — sum (or net change) over period_start..period_end ≥ value
``cumulative_le``     cumulative total ≤ value
``cumulative_approx`` cumulative total "左右" value (e.g. "净增6万人")
``increase``          qualitative direction without a number ("提高", "提升", "扩大"): the value in
                      ``year`` must exceed the latest baseline; ``value`` is empty
``decrease``          qualitative direction "降低", "下降": below the latest baseline

Only the assessment engine decides statuses; :meth:`Target.accepts` states the bare
comparator semantics so that every consumer reads them the same way.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

from renkou.errors import NotFoundError
from renkou.plans.model.vocabulary import (
    COMPARATOR_ZH,
    CUMULATIVE,
    DEFAULT_APPROX_TOLERANCE,
    DIRECTIONAL,
    FORMULAS,
    RELATIVE,
    ZONE_FORMULAS,
    BaselineComparator,
    Category,
    Comparator,
    DepartmentBasis,
    DepartmentLevel,
    FigureKind,
    IndicatorKind,
    PopulationBasis,
    TargetNature,
)

_CODE_RE = re.compile(r"^[A-Z]{2,4}\d{0,4}-[A-Z]{2,6}-\d{2}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Baseline(_Frozen):
    """A value the text states for a past year (基期值/现状值)."""

    year: int = Field(ge=1949, le=2100)
    value: float
    # "接近一半" → approx; "超过三分之一" → gt; "控制在10/10万以下" → le (以下 includes the number).
    comparator: BaselineComparator = "eq"
    # A cumulative baseline (e.g. "十三五" total of new urban jobs) covers a period.
    period_start: int | None = None
    period_end: int | None = None
    quote: str | None = None
    note: str | None = None


class Target(_Frozen):
    """One target (目标值) of an indicator for a year, with its comparator."""

    year: int = Field(ge=1949, le=2100)
    comparator: Comparator
    value: float | None = None
    low: float | None = None
    high: float | None = None
    # Relative tolerance for "左右" (0.01 = ±1 %); None → DEFAULT_APPROX_TOLERANCE.
    tolerance: float | None = Field(default=None, ge=0, lt=1)
    period_start: int | None = None
    period_end: int | None = None
    # "保持…" / "每年…" / "“十四五”时期…控制在": the condition holds in every year of the
    # period, not only in ``year``.
    each_year: bool = False
    nature: TargetNature = "target"
    # When the target comes from another sentence than the indicator's main quote.
    quote: str | None = None
    note: str | None = None
    # "低于全市平均水平" (comparator below/above): the code of the indicator of the parent
    # jurisdiction's plan whose value in the same year is the reference. ``value`` may give a
    # stated figure of it for stores holding neither its data nor its reports (source in
    # ``note``).
    reference: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        c = self.comparator
        if (c in RELATIVE) != (self.reference is not None):
            raise ValueError("below/above 目标需要 reference（参照指标代码），"
                             "其他目标不设 reference")
        if c in RELATIVE:
            if self.low is not None or self.high is not None:
                raise ValueError(f"{c} 目标不设 low/high")
            if self.value is not None and not self.note:
                raise ValueError(f"{c} 目标给出参照值时须在 note 中注明来源")
        elif c == "range":
            if self.low is None or self.high is None or self.value is not None:
                raise ValueError("range 目标需要 low 与 high，且不设 value")
            if self.low > self.high:
                raise ValueError(f"range 目标 low ({self.low}) 大于 high ({self.high})")
        elif c in DIRECTIONAL:
            if self.value is not None or self.low is not None or self.high is not None:
                raise ValueError(f"{c} 目标为定性方向，不应给出数值")
        else:
            if self.value is None or self.low is not None or self.high is not None:
                raise ValueError(f"{c} 目标需要 value（且不设 low/high）")
        if c in CUMULATIVE:
            if self.period_start is None or self.period_end is None:
                raise ValueError(f"{c} 累计目标需要 period_start 与 period_end")
            if not self.period_start <= self.period_end == self.year:
                raise ValueError("累计目标的期间应以目标年份结束且 period_start ≤ period_end")
        elif self.period_start is not None or self.period_end is not None:
            if not self.each_year:
                raise ValueError("只有累计目标或逐年目标（each_year）可以设定期间")
        if self.tolerance is not None and c not in ("approx", "cumulative_approx"):
            raise ValueError("tolerance 只适用于“左右”（approx）目标")
        return self

    @property
    def cumulative(self) -> bool:
        return self.comparator in CUMULATIVE

    def effective_tolerance(self) -> float:
        """Relative tolerance for "左右" targets (per-target value or the default)."""
        return self.tolerance if self.tolerance is not None else DEFAULT_APPROX_TOLERANCE

    def bounds(self) -> tuple[float | None, float | None]:
        """The accepted interval (low, high); None means unbounded on that side.
        Directional targets have no fixed bounds and return (None, None)."""
        c = self.comparator
        v = self.value
        if c == "range":
            return self.low, self.high
        if v is None or c in RELATIVE:  # a relative target's reference varies by year
            return None, None
        if c in ("ge", "cumulative_ge"):
            return v, None
        if c in ("le", "cumulative_le"):
            return None, v
        if c in ("approx", "cumulative_approx"):
            d = abs(v) * self.effective_tolerance()
            return v - d, v + d
        return v, v  # eq

    def accepts(self, value: float, baseline: float | None = None) -> bool:
        """Whether ``value`` (for cumulative targets: the period total) meets the target.
        Directional targets compare with ``baseline`` and need it."""
        if self.comparator == "increase":
            if baseline is None:
                raise ValueError("increase 目标需要基期值比较")
            return value > baseline
        if self.comparator == "decrease":
            if baseline is None:
                raise ValueError("decrease 目标需要基期值比较")
            return value < baseline
        if self.comparator in RELATIVE:
            if self.value is None:
                raise ValueError(f"{self.comparator} 目标需要参照值比较")
            return value < self.value if self.comparator == "below" else value > self.value
        lo, hi = self.bounds()
        return (lo is None or value >= lo - 1e-12) and (hi is None or value <= hi + 1e-12)

    def describe_zh(self, unit: str = "") -> str:
        """Short Chinese rendering, e.g. "≈1500万人（左右，±1%）" or "103~107"."""
        c = self.comparator
        u = "" if unit in ("", "—") else unit
        # "8.5" + "1/10万" would read as 8.51/10万; such units go in brackets.
        if u and (u[0].isdigit() or "=" in u):
            u = f"（{u}）"
        if c == "range":
            text = f"{_fmt(self.low)}~{_fmt(self.high)}{u}"
        elif c in DIRECTIONAL:
            text = COMPARATOR_ZH[c]
        elif c in RELATIVE:
            text = f"{COMPARATOR_ZH[c]}{self.reference}同年值"
        elif c in ("approx", "cumulative_approx"):
            pre = "累计" if c == "cumulative_approx" else ""
            text = (f"{pre}{_fmt(self.value)}{u}左右"
                    f"（±{self.effective_tolerance() * 100:g}%）")
        else:
            text = f"{COMPARATOR_ZH[c]}{_fmt(self.value)}{u}"
        if self.cumulative:
            text += f"（{self.period_start}—{self.period_end}年）"
        if self.each_year:
            text += "（期间逐年）"
        if self.nature == "projection":
            text += "（预测）"
        return text


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}"


class ZoneRule(_Frozen):
    """An indicator of function zones (功能区), which are not divisions: it is reported by
    departments until the store defines every zone it names (:mod:`renkou.plans.zones`),
    then computed by ``formula`` over their 街镇."""

    names: tuple[str, ...] = Field(min_length=1)
    formula: str
    # Where the zones' extent comes from, set when they are defined (shown with the value).
    source: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ZoneRule:
        if self.formula not in ZONE_FORMULAS:
            raise ValueError(f"功能区指标的公式 {self.formula!r} 不可用"
                             f"（可选：{'、'.join(sorted(ZONE_FORMULAS))}）")
        if len(set(self.names)) != len(self.names) or any(
                not n or "|" in n for n in self.names):
            raise ValueError("功能区名称不能为空、重复或含有“|”")
        return self


class Indicator(_Frozen):
    """One quantitative indicator of a plan (规划指标)."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    category: Category
    kind: IndicatorKind
    # Engine function for computed indicators (a key of FORMULAS); None when reported.
    formula: str | None = None
    population_basis: PopulationBasis | None = None
    # Computed over an area group of the plan's jurisdiction rather than the whole of it (a
    # group key of its jurisdiction file, e.g. "outer" for 外围五区), or over a named
    # sub-area (e.g. a function zone) described in ``notes``.
    area_group: str | None = None
    # Function zones the indicator is about (reported until the store defines them).
    zones: ZoneRule | None = None
    baselines: tuple[Baseline, ...] = ()
    targets: tuple[Target, ...] = ()
    # A goal the text states in words only (e.g. "与经济增长基本同步"); never a number.
    qualitative_target: str | None = None
    departments: tuple[str, ...] = ()
    department_basis: DepartmentBasis = "mandate"
    section: str
    quote: str
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if not _CODE_RE.match(self.code):
            raise ValueError(f"指标代码 {self.code!r} 不符合格式（如 TJ14-POP-01）")
        if self.kind == "computed":
            if self.formula not in FORMULAS:
                raise ValueError(f"计算类指标 {self.code} 的 formula {self.formula!r} 未登记"
                                 f"（可选：{', '.join(sorted(FORMULAS))}）")
        elif self.formula is not None:
            raise ValueError(f"填报类指标 {self.code} 不应设 formula")
        if self.zones is not None:
            if self.area_group:
                raise ValueError(f"指标 {self.code} 不能同时设 area_group 与 zones")
            if (self.kind == "computed") != (self.zones.source is not None) or (
                    self.kind == "computed" and self.formula != self.zones.formula):
                raise ValueError(f"功能区指标 {self.code} 在规划中为填报类；计算类只在功能区"
                                 "范围定义后生成（须注明来源，公式同 zones.formula）")
        if not self.departments:
            raise ValueError(f"指标 {self.code} 缺少责任部门")
        years = [b.year for b in self.baselines if b.period_start is None]
        if len(years) != len(set(years)):
            raise ValueError(f"指标 {self.code} 同一年份有多个基期值")
        keys = [(t.year, t.nature) for t in self.targets]
        if len(keys) != len(set(keys)):
            raise ValueError(f"指标 {self.code} 同一年份有多个目标")
        return self

    def assessed_targets(self) -> tuple[Target, ...]:
        """Targets proper (nature == "target"), ordered by year."""
        return tuple(sorted((t for t in self.targets if t.nature == "target"),
                            key=lambda t: t.year))

    def target_for(self, year: int) -> Target | None:
        for t in self.targets:
            if t.year == year and t.nature == "target":
                return t
        return None

    def latest_baseline(self, before: int | None = None) -> Baseline | None:
        """The most recent point baseline (not a period total), optionally before a year."""
        points = [b for b in self.baselines if b.period_start is None
                  and (before is None or b.year < before)]
        return max(points, key=lambda b: b.year) if points else None


class Figure(_Frozen):
    """Any other number the text states that is not a monitored indicator: a service
    standard, a subsidy amount, a past achievement, a planning figure (数据点)."""

    code: str
    name_zh: str
    name_en: str
    value: float
    # "不少于4托位/千人" → ge; "90%以上" → ge; otherwise eq.
    comparator: BaselineComparator = "eq"
    unit: str
    year: int | None = None
    # For figures that cover a period (e.g. "十三五" totals).
    period_start: int | None = None
    period_end: int | None = None
    kind: FigureKind
    section: str
    quote: str
    notes: str | None = None


class Department(_Frozen):
    """A government department (责任部门), shared by all plans."""

    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name_zh: str
    name_en: str
    level: DepartmentLevel
    # Other spellings used in the texts (e.g. "市文化旅游局" for 市文化和旅游局).
    aliases: tuple[str, ...] = ()


class Task(_Frozen):
    """One key task (重点任务) with its measures (具体工作举措) and departments."""

    code: str
    plan: str
    # 序号 in the official list; None where the list prints no number.
    number: int | None = None
    section: str
    title: str
    measures: tuple[str, ...] = Field(min_length=1)
    # A task division list may rank no one ("排名不分先后"): the lead is set only where a row
    # names a single specific department (besides "等相关单位" or the district governments).
    lead_department: str | None = None
    # All responsible departments, the lead included.
    departments: tuple[str, ...] = ()
    # The 责任部门 cell verbatim, including "等相关单位按职责分工负责".
    department_text: str | None = None
    department_basis: DepartmentBasis = "task-division"
    notes: str | None = None

    @property
    def participating(self) -> tuple[str, ...]:
        """The responsible departments other than the lead (参与部门)."""
        return tuple(d for d in self.departments if d != self.lead_department)

    @model_validator(mode="after")
    def _lead_is_responsible(self) -> Task:
        if self.lead_department and self.lead_department not in self.departments:
            raise ValueError(f"任务 {self.code} 的牵头部门不在责任部门中")
        if not self.departments:
            raise ValueError(f"任务 {self.code} 缺少责任部门")
        return self


class Plan(_Frozen):
    """A population development plan (人口发展规划) as data."""

    code: str = Field(pattern=r"^[a-z]+-[0-9a-z-]+$")
    name_zh: str
    name_en: str
    area_code: str = Field(pattern=r"^\d{6}$")
    area_name: str
    period_start: int
    period_end: int
    issuing_body: str | None = None
    issued: dt.date | None = None
    document_number: str | None = None
    # Seed text file(s) under plans/data/sources/, the first one the plan itself.
    source_files: tuple[str, ...] = Field(min_length=1)
    lead_department: str | None = None
    indicators: tuple[Indicator, ...] = ()
    tasks: tuple[Task, ...] = ()
    figures: tuple[Figure, ...] = ()
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        if self.period_start > self.period_end:
            raise ValueError("规划期起始年份晚于结束年份")
        for kind, codes in (("指标", [i.code for i in self.indicators]),
                            ("任务", [t.code for t in self.tasks]),
                            ("数据点", [f.code for f in self.figures])):
            dup = {c for c in codes if codes.count(c) > 1}
            if dup:
                raise ValueError(f"{kind}代码重复：{', '.join(sorted(dup))}")
        for ind in self.indicators:
            for t in ind.targets:
                if t.nature == "target" and not (
                        self.period_start <= t.year <= self.period_end):
                    raise ValueError(f"指标 {ind.code} 的目标年份 {t.year} 不在规划期内")
        for task in self.tasks:
            if task.plan != self.code:
                raise ValueError(f"任务 {task.code} 属于 {task.plan}，不属于 {self.code}")
        return self

    @property
    def source_file(self) -> str:
        return self.source_files[0]

    def indicator(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise NotFoundError(f"规划 {self.code} 中没有指标 {code}")

    def computed_indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.kind == "computed")

    def reported_indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.kind == "reported")
