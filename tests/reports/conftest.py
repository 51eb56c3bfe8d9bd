from __future__ import annotations

import pytest
from report_helpers import Rendered, file_everything, make_workspace

from branchflow.reports import render_period


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """One workspace with the test's drops ingested, its November and W46 documents rendered."""
    settings = make_workspace(tmp_path_factory.mktemp("reports") / "ws")
    file_everything(settings)
    notes: list[str] = []
    month = render_period(settings, period="2026-11", week=None, notes=notes.append)
    week = render_period(settings, period=None, week="2026-W46", notes=notes.append)
    return Rendered.of(settings, month, week, notes)


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """A workspace where nobody has filed anything."""
    settings = make_workspace(tmp_path_factory.mktemp("empty") / "ws")
    notes: list[str] = []
    month = render_period(settings, period="2026-11", week=None, notes=notes.append)
    week = render_period(settings, period=None, week="2026-W46", notes=notes.append)
    return Rendered.of(settings, month, week, notes)
