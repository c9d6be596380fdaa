"""Population impact assessment of major decisions (重大决策人口影响评估), as the CLI and the
API call it: read the decision file, run it against the store's baseline, write the table
and the Word report. A down-scaled synthetic store is raised to the jurisdiction's census
population first (:func:`renkou.app.sample.resident_scale`), so that the decision's persons
meet a population of the right size; the report says so."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from renkou.app.sample import resident_scale
from renkou.app.services import jurisdiction_norms
from renkou.app.stores import registry_at
from renkou.errors import NotFoundError
from renkou.impact.decision import Decision, load_decision, parse_decision
from renkou.impact.run import Assessment, compute, read
from renkou.tables import write_table as write_frame


def example_names() -> list[str]:
    """The shipped example decision files (name without .yaml)."""
    folder = resources.files("renkou.impact").joinpath("data/decisions")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def example_text(name: str) -> str:
    entry = resources.files("renkou.impact").joinpath(f"data/decisions/{name}.yaml")
    if not entry.is_file():
        raise NotFoundError(f"没有示例决策 {name}；可选：{'、'.join(example_names())}")
    return entry.read_text(encoding="utf-8")


def example_decision(name: str) -> Decision:
    return parse_decision(yaml.safe_load(example_text(name)), f"{name}.yaml")


def examples_for(jurisdiction_key: str) -> list[str]:
    """The examples tied to a jurisdiction."""
    return [n for n in example_names() if example_decision(n).jurisdiction == jurisdiction_key]


def assess_decision(db: Path, decision: Decision | Path, *, subsidies: bool = True
                    ) -> Assessment:
    """Run a decision (a file or a parsed one) against the store's baseline projection.
    The store is read first (a few queries) and closed before the projections run."""
    parsed = decision if isinstance(decision, Decision) else load_decision(decision)
    with registry_at(db) as registry:
        jurisdiction = registry.jurisdiction()
        norms = jurisdiction_norms(jurisdiction)
        synthetic = registry.provenance().synthetic
        # A sample store's scale counts the residents on the census day: read in the same
        # scan as the baseline's dates when the baseline is of residents.
        census = ((jurisdiction.census_date,) if synthetic and parsed.caliber == "resident"
                  else ())
        reads = read(registry, parsed, norms, subsidies=subsidies, extra_dates=census)
        scale, note = 1.0, ""
        if synthetic:
            factor = resident_scale(registry, jurisdiction.code,
                                    reads.data if census else None)
            scale, note = factor.value, factor.basis
    return compute(parsed, norms, reads, scale=scale, scale_note=note)


def write_table(assessment: Assessment, out: Path) -> Path:
    return write_frame(assessment.table, out)


def write_report(assessment: Assessment, out: Path) -> Path:
    from renkou.reports.impact_docx import write_impact_docx

    return write_impact_docx(assessment, out)
