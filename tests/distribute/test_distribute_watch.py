"""The watcher brings the 下发 folders up to date on the quiet tick after a burst of drops."""

from __future__ import annotations

import pytest
from exchange_helpers import PERIOD, A, folder

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.pipeline import FileOutcome
from branchflow.watch import aftercare


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_after_a_burst_the_folders_follow_once_quiet(
    ws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aftercare, "_render", lambda settings, period: None)
    clock = Clock()
    with Archive.open(ws) as archive:
        care = aftercare.Aftercare(ws, archive, debounce=1.0, max_wait=30.0, clock=clock)
        care.note(FileOutcome(f"{A}/a.xlsx", A, "customers", PERIOD, "accepted", rows=3))
        clock.now += 2
        care.run_if_due(busy=False)  # export and documents first
        assert not folder(ws, A).exists()
        care.run_if_due(busy=True)  # drops on their way: the folders wait
        assert not folder(ws, A).exists()
        care.run_if_due(busy=False)
        assert (folder(ws, A) / f"分中心档案-{A}.xlsx").is_file()
        written = {p.name: p.stat().st_mtime_ns for p in folder(ws, A).iterdir()}
        care.daily()  # the day's run finds nothing changed
        care.run_if_due(busy=False)
        assert {p.name: p.stat().st_mtime_ns for p in folder(ws, A).iterdir()} == written
