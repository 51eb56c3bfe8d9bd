"""The reporting calendar: due dates, the submission matrix and 待报提醒, on a real store."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from branchflow.archive.store import Archive
from branchflow.calendar import (
    PeriodError,
    Submission,
    deliverables_due_in,
    matrix_lines,
    parse_month,
    send_reminders,
    submission_matrix,
    write_reminders,
)
from branchflow.calendar.deadlines import deliverable, due_date, find_deadline
from branchflow.config import RECEIPTS_DIR, Settings, parse_settings
from branchflow.errors import ConfigError
from branchflow.intake import IncomingFile
from branchflow.validate.batch import ValidatedBatch

A, B, HQ = "东莞分中心", "宁波分中心", "总部"
SH = ZoneInfo("Asia/Shanghai")
_serial = itertools.count()


def make_settings(
    workspace: Path, calendar: dict[str, Any] | None = None, timezone: str = "Asia/Shanghai"
) -> Settings:
    raw: dict[str, Any] = {
        "company": {"timezone": timezone},
        "branches": [{"name": A, "city": "东莞市"}, {"name": B, "city": "宁波市"}],
        "projects": [{"name": "黔龙阳光·湄江府", "county": "湄潭县", "town": "湄江街道"}],
        "calendar": calendar or {},
    }
    return parse_settings(raw, workspace)


def at(text: str, tz: ZoneInfo = SH) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    with Archive.open(settings) as opened:
        yield opened


def drop(
    archive: Archive,
    folder: str,
    kind: str,
    period: str | None,
    when: datetime,
    status: str = "accepted",
    data: bytes | None = None,
) -> int:
    """Record a report drop the way the pipeline does (same bytes again → a duplicate)."""
    data = data if data is not None else f"{folder}{kind}{period}{next(_serial)}".encode()
    sha = hashlib.sha256(data).hexdigest()
    name = f"{kind}-{next(_serial)}.xlsx"
    incoming = IncomingFile(
        Path("/inbox") / folder / name, folder, f"{folder}/{name}", len(data), sha, when, data
    )
    original = archive.keep_original(incoming)
    earlier = archive.find_by_sha(sha)
    if earlier is not None:
        result = archive.record(
            incoming, None, "duplicate", (), when, 90, original, duplicate_of=earlier.file_id
        )
        return result.file_id
    batch = ValidatedBatch(kind, folder, period, "罗明", {}, {}, ())
    result = archive.record(
        incoming, batch if period else None, status, (), when, 90, original, kind=kind
    )
    return result.file_id


def cell(matrix: list[Submission], branch: str, kind: str, period: str) -> Submission:
    return next(s for s in matrix if (s.branch, s.deliverable, s.period) == (branch, kind, period))


# ── due dates ───────────────────────────────────────────────────────────────────────────────


def test_default_calendar_follows_the_company_rules(settings: Settings) -> None:
    due = {d.kind: d for d in deliverables_due_in(settings, 2026, 11) if d.kind != "weekly"}
    assert due["monthly"].due == at("2026-11-25T23:59")
    assert due["monthly"].cutoff == at("2026-11-28T17:00")
    assert due["market"].due == at("2026-11-28T23:59")
    assert due["market"].cutoff is None
    assert due["hq_briefing"].due == at("2026-11-02T23:59")  # before the 例会 on the 3rd


@pytest.mark.parametrize(
    ("day", "period", "expected"),
    [
        (30, "2026-02", date(2026, 2, 28)),
        (31, "2026-02", date(2026, 2, 28)),
        (30, "2028-02", date(2028, 2, 29)),  # leap year
        (31, "2026-11", date(2026, 11, 30)),
        (31, "2026-12", date(2026, 12, 31)),
        (29, "2027-02", date(2027, 2, 28)),
    ],
)
def test_a_day_the_month_lacks_is_its_last_day(
    tmp_path: Path, day: int, period: str, expected: date
) -> None:
    settings = make_settings(tmp_path, {"monthly": {"day": day, "final_day": day}})
    item = deliverable(find_deadline(settings, "monthly"), period, settings.timezone)
    assert item.due.date() == expected
    assert item.cutoff is not None
    assert item.cutoff.date() == expected


@pytest.mark.parametrize(
    ("week", "due"),
    [
        ("2026-W47", date(2026, 11, 23)),
        ("2026-W52", date(2026, 12, 28)),
        ("2026-W53", date(2027, 1, 4)),  # 2026 has 53 ISO weeks
        ("2027-W01", date(2027, 1, 11)),
        ("2024-W52", date(2024, 12, 30)),  # due on a Monday that is already in 2025-W01
        ("2025-W01", date(2025, 1, 6)),
    ],
)
def test_weekly_news_is_due_the_monday_after_its_week(
    settings: Settings, week: str, due: date
) -> None:
    assert due_date(find_deadline(settings, "weekly"), week) == due


@pytest.mark.parametrize(
    ("year", "month", "weeks"),
    [
        (2026, 11, ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]),
        (2026, 12, ["2026-W49", "2026-W50", "2026-W51", "2026-W52"]),
        (2027, 1, ["2026-W53", "2027-W01", "2027-W02", "2027-W03"]),
        (2024, 12, ["2024-W48", "2024-W49", "2024-W50", "2024-W51", "2024-W52"]),
        (2025, 1, ["2025-W01", "2025-W02", "2025-W03", "2025-W04"]),
    ],
)
def test_a_month_holds_the_weeks_whose_monday_due_date_falls_in_it(
    settings: Settings, year: int, month: int, weeks: list[str]
) -> None:
    found = [d for d in deliverables_due_in(settings, year, month) if d.kind == "weekly"]
    assert [d.period for d in found] == weeks
    assert all((d.due.year, d.due.month) == (year, month) for d in found)
    assert all(d.due.isoweekday() == 1 for d in found)


def test_period_arguments(settings: Settings) -> None:
    assert parse_month("2026-11") == (2026, 11)
    assert parse_month("2026年11月") == (2026, 11)
    for bad in ("2026-13", "2026-W47", "下个月", ""):
        with pytest.raises(PeriodError, match="不是月份"):
            parse_month(bad)
    assert issubclass(PeriodError, ConfigError)  # the CLI exits 2, as for bad usage


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        ({"weekly": {"day": 5}}, "应填 weekday"),
        ({"monthly": {"weekday": 1}}, "应填 day"),
        ({"monthly": {"day": 32}}, "day = 32"),
        ({"weekly": {"weekday": 8}}, "weekday = 8"),
        ({"market": {"day": "28"}}, "day = '28'"),
        ({"montly": {"day": 25}}, r"\[calendar.montly\] 不是报送项"),
        ({"monthly": {"time": "5pm"}}, "应为 HH:MM"),
    ],
)
def test_a_wrong_calendar_is_a_config_error(
    tmp_path: Path, calendar: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        make_settings(tmp_path, calendar)


# ── on time or late, in the configured zone ─────────────────────────────────────────────────


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
@pytest.mark.parametrize(
    ("clock", "state", "hours"),
    [
        ("16:59", "on_time", None),
        ("17:00", "on_time", None),
        ("17:00:59", "on_time", None),  # the due minute itself still counts
        ("17:01", "late", 0.1),
        ("19:31", "late", 2.5),
    ],
)
def test_the_due_minute_in_the_configured_zone(
    tmp_path: Path, zone: str, clock: str, state: str, hours: float | None
) -> None:
    tz = ZoneInfo(zone)
    settings = make_settings(tmp_path, {"market": {"day": 28, "time": "17:00"}}, timezone=zone)
    local = at(f"2026-11-28T{clock}", tz)
    with Archive.open(settings) as archive:
        # stored in UTC, as the store does; the matrix must compare in the configured zone
        drop(archive, A, "market", "2026-11", local.astimezone(UTC))
        matrix = submission_matrix(
            settings, "2026-11", archive=archive, now=at("2026-12-01T09:00", tz)
        )
    found = cell(matrix, A, "market", "2026-11")
    assert (found.state, found.late_hours) == (state, hours)
    assert found.due == at("2026-11-28T17:00", tz)
    assert found.submitted_at == local


@pytest.mark.parametrize(
    ("clock", "past_cutoff"),
    [("16:59", False), ("17:00", False), ("17:01", True)],
)
def test_a_monthly_drop_after_the_statistics_cutoff_is_flagged(
    settings: Settings, archive: Archive, clock: str, past_cutoff: bool
) -> None:
    drop(archive, A, "monthly", "2026-11", at(f"2026-11-28T{clock}"))
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-12-01T09:00"))
    found = cell(matrix, A, "monthly", "2026-11")
    assert found.state == "late"  # due the 25th
    assert found.past_cutoff is past_cutoff
    missing = cell(matrix, B, "monthly", "2026-11")
    assert (missing.state, missing.past_cutoff) == ("missing", True)


def test_late_hours_count_from_the_due_time(settings: Settings, archive: Archive) -> None:
    drop(archive, A, "weekly", "2026-W46", at("2026-11-17T09:30"))  # due Mon 16th 23:59
    drop(archive, A, "monthly", "2026-11", at("2026-11-27T15:30"))
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-12-01T09:00"))
    assert cell(matrix, A, "weekly", "2026-W46").late_hours == 9.5
    assert cell(matrix, A, "monthly", "2026-11").late_hours == 39.5


# ── re-drops, rejections, missing ────────────────────────────────────────────────────────────


def test_the_first_accepted_drop_counts(settings: Settings, archive: Archive) -> None:
    drop(archive, A, "monthly", "2026-11", at("2026-11-20T10:00"), status="rejected")
    drop(archive, A, "monthly", "2026-11", at("2026-11-24T10:00"))
    drop(archive, A, "monthly", "2026-11", at("2026-11-27T10:00"))  # a later version, late
    drop(archive, B, "monthly", "2026-11", at("2026-11-25T10:00"), data=b"same")
    drop(archive, B, "monthly", "2026-11", at("2026-11-29T10:00"), data=b"same")
    assert [e.status for e in archive.ledger("2026-11") if e.folder == B] == [
        "accepted",
        "duplicate",
    ]
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-12-01T09:00"))
    a, b = cell(matrix, A, "monthly", "2026-11"), cell(matrix, B, "monthly", "2026-11")
    assert (a.state, a.submitted_at, a.attempts) == ("on_time", at("2026-11-24T10:00"), 3)
    assert (b.state, b.submitted_at, b.attempts) == ("on_time", at("2026-11-25T10:00"), 1)


def test_rejected_then_accepted_late_counts_from_the_accepted_drop(
    settings: Settings, archive: Archive
) -> None:
    drop(archive, A, "market", "2026-11", at("2026-11-28T11:00"), status="rejected")
    drop(archive, A, "market", "2026-11", at("2026-11-29T11:59"))
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-12-01T09:00"))
    found = cell(matrix, A, "market", "2026-11")
    assert (found.state, found.submitted_at, found.late_hours) == (
        "late",
        at("2026-11-29T11:59"),
        12.0,
    )


def test_rejected_means_every_attempt_rejected(settings: Settings, archive: Archive) -> None:
    drop(archive, A, "market", "2026-11", at("2026-11-27T11:00"), status="rejected")
    drop(archive, A, "market", "2026-11", at("2026-11-28T09:00"), status="rejected")
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-12-01T09:00"))
    found = cell(matrix, A, "market", "2026-11")
    assert (found.state, found.submitted_at, found.late_hours) == (
        "rejected",
        at("2026-11-28T09:00"),
        None,
    )


def test_a_rejected_drop_without_a_readable_period_counts_for_the_nearest_due(
    settings: Settings, archive: Archive
) -> None:
    drop(archive, A, "monthly", None, at("2026-11-26T10:00"), status="rejected")  # late Nov
    drop(archive, A, "weekly", None, at("2026-11-24T08:00"), status="rejected")  # late W47
    drop(archive, B, "weekly", None, at("2026-11-21T08:00"), status="rejected")  # early W47
    drop(archive, B, "weekly", None, at("2026-11-19T08:00"), status="rejected")  # late W46
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-12-01T09:00"))
    assert cell(matrix, A, "monthly", "2026-11").state == "rejected"
    assert cell(matrix, A, "weekly", "2026-W47").state == "rejected"
    assert cell(matrix, B, "weekly", "2026-W47").state == "rejected"
    assert cell(matrix, B, "weekly", "2026-W46").state == "rejected"
    assert cell(matrix, A, "weekly", "2026-W48").state == "missing"


def test_missing_before_and_after_the_due_time(settings: Settings, archive: Archive) -> None:
    drop(archive, A, "monthly", "2026-11", at("2026-11-30T10:00"))  # after `now`: not seen
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-11-26T09:30"))
    monthly = cell(matrix, A, "monthly", "2026-11")
    market = cell(matrix, A, "market", "2026-11")
    assert (monthly.state, monthly.due_passed, monthly.submitted_at) == ("missing", True, None)
    assert (market.state, market.due_passed) == ("missing", False)
    assert monthly.as_json()["state"] == market.as_json()["state"] == "missing"


def test_the_matrix_covers_every_branch_and_the_hq_briefing(
    settings: Settings, archive: Archive
) -> None:
    drop(archive, HQ, "hq_briefing", "2026-11", at("2026-11-01T10:30"))
    drop(archive, HQ, "monthly", "2026-11", at("2026-11-20T10:30"), status="rejected")
    drop(archive, A, "hq_briefing", "2026-11", at("2026-11-01T10:30"), status="rejected")
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-12-01T09:00"))
    keys = [(s.branch, s.deliverable, s.period) for s in matrix]
    weeks = [f"2026-W{w}" for w in range(44, 49)]
    per_branch = [("monthly", "2026-11"), ("market", "2026-11")] + [("weekly", w) for w in weeks]
    assert keys == [
        *((A, k, p) for k, p in per_branch),
        *((B, k, p) for k, p in per_branch),
        ("湄江府营销部", "dept_plan", "2026-11"),  # the project's 营销部, by its default name
        (HQ, "hq_briefing", "2026-11"),
    ]
    assert matrix[-1].state == "on_time"
    assert cell(matrix, A, "monthly", "2026-11").state == "missing"  # HQ's drop is not A's


def test_json_shape(settings: Settings, archive: Archive) -> None:
    drop(archive, A, "weekly", "2026-W46", at("2026-11-17T09:30"))
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=at("2026-12-01T09:00"))
    assert cell(matrix, A, "weekly", "2026-W46").as_json() == {
        "branch": A,
        "deliverable": "weekly",
        "period": "2026-W46",
        "due": "2026-11-16T23:59:00+08:00",
        "submitted_at": "2026-11-17T09:30:00+08:00",
        "state": "late",
        "late_hours": 9.5,
        "past_cutoff": False,
        "due_passed": True,
    }


def test_terminal_table(settings: Settings, archive: Archive) -> None:
    drop(archive, A, "weekly", "2026-W46", at("2026-11-17T09:30"))
    drop(archive, A, "market", "2026-11", at("2026-11-20T09:30"), status="rejected")
    now = at("2026-11-26T09:30")
    matrix = submission_matrix(settings, "2026-11", archive=archive, now=now)
    lines = matrix_lines(matrix, settings)
    header = next(line for line in lines if line.startswith("分中心"))
    assert header.split() == [
        "分中心", "月度总结", "市场报告", "周报W44", "周报W45", "周报W46", "周报W47", "周报W48",
        "按时", "迟交", "未交", "退回",
    ]  # fmt: skip
    row_a = next(line for line in lines if line.startswith(A))
    assert row_a.split() == [A, "未交", "退回", "未交", "未交", "迟交", "9.5h", "未交", "未到期",
                             "0", "1", "4", "1"]  # fmt: skip
    assert any(line.startswith("总部  总部月度简报 2026-11") and "未交" in line for line in lines)
    assert "\x1b[" not in "".join(lines)
    painted = "\n".join(matrix_lines(matrix, settings, color=True))
    assert "\x1b[33m迟交 9.5h\x1b[0m" in painted  # late: yellow
    assert "\x1b[35m退回" in painted and "\x1b[31m未交" in painted and "\x1b[2m未到期" in painted


# ── 待报提醒 ─────────────────────────────────────────────────────────────────────────────────


def reminder(settings: Settings, folder: str, day: str) -> Path:
    return settings.inbox / folder / RECEIPTS_DIR / f"待报提醒-{day}.txt"


def test_reminders_for_what_falls_due_in_three_days(settings: Settings, archive: Archive) -> None:
    drop(archive, A, "weekly", "2026-W47", at("2026-11-22T20:00"))  # A is done
    drop(archive, B, "monthly", "2026-11", at("2026-11-21T20:00"), status="rejected")
    # Sunday evening: W47 is due Mon 23rd, the monthly Wed 25th, the market report Sat 28th
    written = write_reminders(settings, archive, at("2026-11-22T21:00"))
    assert written == [reminder(settings, A, "2026-11-22"), reminder(settings, B, "2026-11-22")]
    text_a = written[0].read_bytes()
    assert text_a.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in text_a and b"\n" not in text_a.replace(b"\r\n", b"")
    body_a = text_a.decode("utf-8-sig")
    assert "月度工作总结及下月工作计划 2026-11：11月25日（星期三）23:59 前，还有 3 天" in body_a
    assert "11月28日（星期六）17:00 为月报统计截止" in body_a
    assert "营销活动周报" not in body_a  # accepted at 20:00
    body_b = written[1].read_text(encoding="utf-8-sig")
    assert "营销活动周报 2026-W47：11月23日（星期一）23:59 前，明天截止" in body_b
    assert "已退回" in body_b
    assert "市场研究报告" not in body_a + body_b  # 6 days off
    assert not reminder(settings, HQ, "2026-11-22").exists()  # briefing due 12-02


def test_the_same_reminder_is_never_written_twice_on_one_day(
    settings: Settings, archive: Archive
) -> None:
    first = write_reminders(settings, archive, at("2026-11-22T09:30"))
    before = {p: p.read_bytes() for p in first}
    assert write_reminders(settings, archive, at("2026-11-22T18:00")) == []
    assert {p: p.read_bytes() for p in first} == before
    again = send_reminders(settings, archive, at("2026-11-22T18:00"))
    assert [r.written for r in again] == [False, False]
    assert [r.path for r in again] == first
    assert write_reminders(settings, archive, at("2026-11-23T08:00")) == [
        reminder(settings, A, "2026-11-23"),
        reminder(settings, B, "2026-11-23"),
    ]


def test_nothing_for_folders_that_are_done(settings: Settings, archive: Archive) -> None:
    for branch in (A, B):
        drop(archive, branch, "weekly", "2026-W47", at("2026-11-23T08:00"))
        drop(archive, branch, "monthly", "2026-11", at("2026-11-23T08:00"))
    assert write_reminders(settings, archive, at("2026-11-23T09:00")) == []
    assert not list(settings.inbox.glob(f"*/{RECEIPTS_DIR}/待报提醒-*"))


def test_the_window_is_three_calendar_days_and_past_dues_are_left_out(
    settings: Settings, archive: Archive
) -> None:
    # Mon 23rd 23:59 already passed for W47; monthly (25th) is 2 days ahead, market (28th) 5.
    items = send_reminders(settings, archive, at("2026-11-24T00:30"))
    assert [(s.deliverable, s.period) for s in items[0].items] == [("monthly", "2026-11")]
    hq = send_reminders(settings, archive, at("2026-11-29T07:00"))
    assert [r.owner for r in hq] == [A, B, HQ]
    assert [(s.deliverable, s.period) for s in hq[-1].items] == [("hq_briefing", "2026-12")]
    assert hq[-1].path == reminder(settings, HQ, "2026-11-29")


def test_a_reminder_day_follows_the_configured_zone(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Archive.open(settings) as archive:
        # 2026-11-22 17:30 UTC is already the 23rd in Shanghai: W47 is due today
        found = send_reminders(settings, archive, datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
    assert found[0].path.name == "待报提醒-2026-11-23.txt"
    assert "今天截止" in found[0].path.read_text(encoding="utf-8-sig")
