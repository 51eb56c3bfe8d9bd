"""The documents' reads: counts per branch and month, values as they were at a moment, lists of
customers streamed most urgent first (both backends)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from archive_helpers import NOW, PROJECT, TZ, A, B, customer, customers_batch, drop, followup

from branchflow.archive.documents import Span
from branchflow.archive.leadlists import LATER, OVERDUE, SOON, Standing
from branchflow.archive.store import Archive

NOVEMBER = Span("2026-11", date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 1, tzinfo=TZ))
OCTOBER = Span("2026-10", date(2026, 10, 1), date(2026, 10, 31), datetime(2026, 11, 1, tzinfo=TZ))
LATER_DROP = datetime(2026, 12, 5, 10, 0, tzinfo=TZ)  # after November: its changes are undone


def fill(archive: Archive) -> None:
    drop(
        archive,
        customers_batch(
            A,
            [
                customer(1, "13800000001", name="张一", grade="A", project=PROJECT),
                customer(
                    2,
                    "13800000002",
                    name="张二",
                    grade="B",
                    project=PROJECT,
                    registered_on=date(2026, 11, 20),
                    payment="公积金贷款",
                ),
                customer(
                    3,
                    "13800000003",
                    name="张三",
                    grade="C",
                    township="复兴镇",
                    registered_on=date(2026, 10, 9),
                ),
                customer(4, "13800000004", name="张四", grade="A", project=PROJECT, status="签约"),
            ],
            [
                followup(1, "13800000001", date=date(2026, 11, 10), next_date=date(2026, 11, 25)),
                followup(2, "13800000002", date=date(2026, 11, 21), next_date=date(2026, 12, 3)),
                followup(3, "13800000003", date=date(2026, 10, 10), next_date=date(2026, 10, 20)),
            ],
        ),
        data=b"a",
    )
    drop(
        archive,
        customers_batch(B, [customer(1, "13900000001", name="李一", grade="A", project=PROJECT)]),
        data=b"b",
    )
    # in December 张三 becomes A and intends 湄江府; 张一 drops to C: November knew otherwise
    later = customers_batch(
        A,
        [
            customer(
                3,
                "13800000003",
                name="张三",
                grade="A",
                township="复兴镇",
                registered_on=date(2026, 10, 9),
                project=PROJECT,
            ),
            customer(1, "13800000001", name="张一", grade="C", project=PROJECT),
        ],
    )
    drop(archive, later, at=LATER_DROP, data=b"c")


def test_counts_per_branch_and_month_with_later_changes_undone(archive: Archive) -> None:
    fill(archive)
    with archive.documents() as reads:
        months = reads.months([OCTOBER, NOVEMBER])
        mix = reads.mix(NOVEMBER.last)
    november, october = months["2026-11"][A], months["2026-10"][A]
    assert (november.new, november.followups) == (3, 2)
    assert dict(november.townships) == {("湄潭县", "永兴镇"): 3}
    assert dict(november.grades) == {"A": 2, "B": 1, "C": 1}  # 张一 still A, 张三 still C
    assert (october.new, october.followups, dict(october.grades)) == (1, 1, {"C": 1})
    assert months["2026-11"][B].grades == {"A": 1}
    assert mix[A]["payment"] == {None: 3, "公积金贷款": 1}
    assert sum(mix[A]["income"].values()) == 4


def test_leads_as_they_stood_most_urgent_first(archive: Archive) -> None:
    fill(archive)
    end = NOVEMBER.end
    with archive.documents() as reads:
        leads = list(reads.project_leads(Standing(end, NOVEMBER.last), date(2026, 12, 1)))
    # 张四 signed; 张三 was C in November; 张一 was still A
    assert [(r["name"], r["urgency"]) for r in leads] == [
        ("张一", OVERDUE),
        ("张二", SOON),
        ("李一", LATER),
    ]
    assert leads[0]["grade_at"] == "A" and leads[0]["last_date"] == date(2026, 11, 10)
    with archive.documents() as reads:
        now = Standing(LATER_DROP + timedelta(hours=1), date(2026, 12, 5))
        today = list(reads.project_leads(now, date(2026, 12, 5)))
    assert [r["name"] for r in today] == ["张三", "张二", "李一"]  # as things stand now


def test_follow_ups_due_by_branch_earliest_first(archive: Archive) -> None:
    fill(archive)
    moment = datetime.combine(date(2026, 11, 30), datetime.max.time(), tzinfo=TZ)
    with archive.documents() as reads:
        due = list(reads.due_followups(Standing(moment, date(2026, 11, 30)), NOVEMBER.last))
    assert [(r["owner_branch"], r["name"], r["next_date"]) for r in due] == [
        (A, "张三", date(2026, 10, 20)),
        (A, "张一", date(2026, 11, 25)),
    ]


def test_the_months_conflicts_name_the_customer(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13800000001", name="张一")]), data=b"a")
    later = customer(1, "13800000001", name="张一", registered_on=date(2026, 11, 20))
    drop(archive, customers_batch(B, [later]), at=NOW + timedelta(hours=1), data=b"b")
    with archive.documents() as reads:
        found = list(reads.conflicts(NOVEMBER.end - timedelta(days=30), NOVEMBER.end))
        changes = reads.changes(NOVEMBER.end - timedelta(days=30), NOVEMBER.end, 10)
    assert [(c["customer_name"], c["masked_phone"], c["claimant_branch"]) for c in found] == [
        ("张一", "138****0001", B)
    ]
    assert changes.total == 0 and changes.latest == ()
