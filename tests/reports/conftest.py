from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from report_helpers import file_everything, make_workspace

from branchflow.config import Settings
from branchflow.reports import render_period


@dataclass(frozen=True)
class Rendered:
    settings: Settings
    month: list[Path]  # outbox/reports/2026-11/*.docx
    week: list[Path]  # outbox/reports/2026-W46/*.docx
    notes: list[str]

    def doc(self, name: str) -> Path:
        found = [p for p in (*self.month, *self.week) if p.name == name]
        assert found, f"{name} not rendered; have {[p.name for p in self.month]}"
        return found[0]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """One workspace with the test's drops ingested, its November and W46 documents rendered."""
    settings = make_workspace(tmp_path_factory.mktemp("reports") / "ws")
    file_everything(settings)
    notes: list[str] = []
    month = render_period(settings, period="2026-11", week=None, notes=notes.append)
    week = render_period(settings, period=None, week="2026-W46", notes=notes.append)
    return Rendered(settings, month, week, notes)


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """A workspace where nobody has filed anything."""
    settings = make_workspace(tmp_path_factory.mktemp("empty") / "ws")
    notes: list[str] = []
    month = render_period(settings, period="2026-11", week=None, notes=notes.append)
    week = render_period(settings, period=None, week="2026-W46", notes=notes.append)
    return Rendered(settings, month, week, notes)
