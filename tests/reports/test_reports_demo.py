"""The demo is what HQ sees first: its data tells one story, and its documents are readable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from report_helpers import open_doc, rows_of, tables, technical_words, wrapped_cells

from branchflow.archive.store import Archive
from branchflow.config import Settings, load_settings
from branchflow.sample.demo import run_demo

WEEKS = ("2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48")  # due in November


@dataclass(frozen=True)
class Demo:
    settings: Settings
    documents: list[Path]
    monthly: dict[str, dict[str, Any]]  # period → branch → report
    weekly: dict[str, set[str]]  # week → branches that filed
    customers: list[dict[str, Any]]
    followups: list[dict[str, Any]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("demo") / "ws"
    run_demo(folder)
    settings = load_settings(folder)
    with Archive.open(settings) as archive:
        monthly = {
            p: {r.branch: r for r in archive.reports("monthly", p)}
            for p in ("2026-09", "2026-10", "2026-11")
        }
        weekly = {w: {r.branch for r in archive.reports("weekly", w)} for w in WEEKS}
        customers, followups = archive.customers(), archive.followups()
    documents = sorted(settings.reports_dir.glob("*/*.docx"))
    return Demo(settings, documents, monthly, weekly, customers, followups)


def kpis(report: Any) -> dict[str, dict[str, Any]]:
    return {row["kpi"]: row for row in report.tables["kpis"]}


def test_targets_carry_from_one_month_to_the_next(demo: Demo) -> None:
    for before, after in (("2026-09", "2026-10"), ("2026-10", "2026-11")):
        for branch, report in demo.monthly[after].items():
            planned = {
                r["kpi"]: r["target"] for r in demo.monthly[before][branch].tables["targets"]
            }
            asked = {k: row["target"] for k, row in kpis(report).items()}
            assert planned == asked, (branch, after)


def test_signings_are_priced_like_county_town_homes(demo: Demo) -> None:
    for period in ("2026-10", "2026-11"):
        for branch, report in demo.monthly[period].items():
            row = kpis(report)
            units, amount = row["签约套数"]["actual"], row["签约金额(万元)"]["actual"]
            assert units and 40 <= amount / units <= 80, (branch, period, units, amount)
            assert 40 <= row["签约金额(万元)"]["target"] / row["签约套数"]["target"] <= 80


def test_each_branch_has_its_own_problems(demo: Demo) -> None:
    problems = [r.values["problems"] for r in demo.monthly["2026-11"].values()]
    assert len(problems) >= 4 and len(set(problems)) == len(problems)


def test_weekly_news_for_every_due_week_but_one(demo: Demo) -> None:
    branches = set(demo.settings.branch_names)
    missing = [(b, w) for w in WEEKS for b in sorted(branches - demo.weekly[w])]
    assert missing == [("深圳分中心", "2026-W47")]


def test_every_meeting_lists_every_overdue_follow_up(demo: Demo) -> None:
    """Counted here from the archive's rows: a customer whose latest follow-up by the 例会
    (11-03) set a next date before November, and who has not been followed up since."""
    meeting, month_start = date(2026, 11, 3), date(2026, 11, 1)
    latest: dict[int, dict[str, Any]] = {}
    for visit in sorted(demo.followups, key=lambda f: (f["date"], f["id"])):
        if visit["date"] <= meeting and visit["customer_id"] is not None:
            latest[visit["customer_id"]] = visit
    shown = 0
    for branch in demo.settings.branch_names:
        expected = sorted(
            (c["name"], latest[c["id"]]["next_date"].isoformat())
            for c in demo.customers
            if c["owner_branch"] == branch
            and c["id"] in latest
            and latest[c["id"]]["next_date"] is not None
            and latest[c["id"]]["next_date"] < month_start
            and c["status"] not in ("签约", "放弃")
        )
        doc = open_doc(demo.settings.reports_dir / "2026-11" / f"例会资料-{branch}.docx")
        found = [t for t in tables(doc) if "逾期" in t[0]]
        listed = sorted((r[0], r[5]) for r in rows_of(found[0])) if found else []
        assert listed == expected, branch
        shown += len(listed)
    assert shown  # the demo does have overdue customers to show


def test_demo_documents_are_readable(demo: Demo) -> None:
    assert len(demo.documents) == 23
    for path in demo.documents:
        document = open_doc(path)
        assert technical_words(document) == [], path.name
        assert wrapped_cells(document) == [], path.name


def test_demo_documents_open_with_their_comparison(demo: Demo) -> None:
    summary = open_doc(demo.settings.reports_dir / "2026-11" / "月度工作总结-汇总.docx")
    ranking = rows_of(next(t for t in tables(summary) if t[0][0] == "排名"))
    overall = [float(r[-1].rstrip("%")) for r in ranking if r[0] != "—"]
    assert overall == sorted(overall, reverse=True) and len(overall) == 4
    assert ranking[-1][0] == "—" and ranking[-1][1] == "温州分中心"  # not filed: last, unranked
