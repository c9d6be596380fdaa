"""Shared fixtures of the plans tests: the shipped Tianjin plan, loaded from its file so the
tests do not depend on the other plans being present."""

from __future__ import annotations

from importlib import resources

import pytest

from renkou.plans.model.catalog import load_plan_file
from renkou.plans.model.plan import Plan


@pytest.fixture(scope="session")
def tianjin() -> Plan:
    base = resources.files("renkou.plans").joinpath("data")
    return load_plan_file(str(base.joinpath("tianjin-14th.yaml")),
                          str(base.joinpath("tasks-tianjin-14th.yaml")))
