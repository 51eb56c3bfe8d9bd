"""保护期至: judged by dated events, extended by the owner's valid follow-ups when configured,
and 销售管理部's ruling kept in force over the rule."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from archive_helpers import NOW, A, B, customer, customers_batch, drop, followup, make_settings

from branchflow.archive.accounts import AuditEntry
from branchflow.archive.console import ConsoleStore
from branchflow.archive.protection import protection_end
from branchflow.archive.store import Archive
from branchflow.config import Protection

PHONE = "13812345678"
DAY0 = date(2026, 7, 1)
EXTEND = {"extend_on": ["到访", "上门拜访"], "extend_days": 30}


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


@pytest.fixture
def extended(tmp_path: Path, store_url: str) -> Iterator[Archive]:
    """An archive whose valid follow-ups (到访, 上门拜访) extend protection by 30 days."""
    settings = make_settings(tmp_path, store_url=store_url, conflicts=EXTEND)
    with Archive.open(settings) as opened:
        yield opened


def _owner_visits(archive: Archive, method: str, on: int) -> None:
    drop(archive, customers_batch(A, [customer(1, PHONE, registered_on=DAY0)]), data=b"a")
    visit = followup(1, PHONE, date=day(on), method=method, content="邀约到访售楼部")
    drop(archive, customers_batch(A, [], [visit]), data=b"a-visit")


def _claim(archive: Archive, on: int, data: bytes = b"b") -> bool:
    """宁波 registers the customer on day `on`; True when the owner keeps it."""
    claim = customer(1, PHONE, name="张老三", registered_on=day(on))
    result = drop(archive, customers_batch(B, [claim]), at=NOW + timedelta(hours=1), data=data)
    [conflict] = result.conflicts
    return conflict.kept


# ── the rule itself ─────────────────────────────────────────────────────────────────────────


RULE = Protection(90, ("到访", "上门拜访"), 30)


def test_protection_end_without_extension() -> None:
    assert protection_end(DAY0, [day(80)], Protection(90)) == day(90)
    assert protection_end(None, [], RULE) is None


def test_each_valid_follow_up_while_protected_extends_it() -> None:
    assert protection_end(DAY0, [day(80)], RULE) == day(110)
    assert protection_end(DAY0, [day(105), day(80)], RULE) == day(135)  # a chain
    assert protection_end(DAY0, [day(10)], RULE) == day(90)  # never shortens it
    assert protection_end(DAY0, [day(95)], RULE) == day(90)  # lapsed: not revived
    assert protection_end(day(50), [day(20)], RULE) == day(140)  # before ownership: ignored


# ── 撞单 judged by it ───────────────────────────────────────────────────────────────────────


def test_with_extension_a_visit_on_day_80_keeps_a_claimant_on_day_100_out(
    extended: Archive,
) -> None:
    _owner_visits(extended, "到访", on=80)
    assert _claim(extended, on=100)
    [row] = extended.customers()
    assert (row["owner_branch"], row["name"]) == (A, "张三")
    [recorded] = extended.conflicts()
    assert (recorded["within_protection"], recorded["resolution"]) == (True, "kept_by_owner")
    # …and from day 111 the customer may move
    assert not _claim(extended, on=111, data=b"b2")
    assert extended.customers()[0]["owner_branch"] == B


def test_without_extension_the_claimant_wins_on_day_100(archive: Archive) -> None:
    _owner_visits(archive, "到访", on=80)
    assert not _claim(archive, on=100)
    assert archive.customers()[0]["owner_branch"] == B


def test_a_phone_call_does_not_extend(extended: Archive) -> None:
    _owner_visits(extended, "电话", on=80)
    assert not _claim(extended, on=100)


def test_the_claimant_message_says_protection_was_extended(extended: Archive) -> None:
    _owner_visits(extended, "上门拜访", on=85)
    claim = customer(1, PHONE, registered_on=day(100))
    result = drop(extended, customers_batch(B, [claim]), data=b"b")
    [issue] = result.issues
    assert issue.code == "conflict.owned_by_other_branch"
    assert "有效跟进顺延" in issue.message and str(day(85)) not in issue.message


def test_the_decision_does_not_depend_on_when_it_is_processed(
    new_store: Callable[[Path], str], tmp_path: Path
) -> None:
    owners = []
    for n, delay in enumerate((timedelta(0), timedelta(days=400))):
        workspace = tmp_path / str(n)
        settings = make_settings(workspace, store_url=new_store(workspace), conflicts=EXTEND)
        with Archive.open(settings) as archive:
            _owner_visits(archive, "到访", on=80)
            claim = customer(1, PHONE, registered_on=day(100))
            drop(archive, customers_batch(B, [claim]), at=NOW + delay, data=b"b")
            owners.append(archive.customers()[0]["owner_branch"])
    assert owners == [A, A]


# ── 销售管理部's ruling over the rule ────────────────────────────────────────────────────────


def test_a_ruling_stays_in_force_when_the_claimant_drops_again(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, PHONE, registered_on=DAY0)]), data=b"a")
    assert not _claim(archive, on=100)  # the rule moved it to 宁波…
    [conflict] = archive.conflicts()
    entry = AuditEntry(NOW + timedelta(hours=2), "张敏", "ruling", "撞单", "")
    ConsoleStore(archive).rule(int(conflict["id"]), "owner", "东莞一直在跟进", entry)
    assert archive.customers()[0]["owner_branch"] == A  # …销售管理部 gave it back
    claim = customer(1, PHONE, name="张老三", registered_on=day(100))
    grown = [claim, customer(2, "13900000002", name="李四")]
    again = drop(archive, customers_batch(B, grown), at=NOW + timedelta(days=1), data=b"b2")
    [kept] = again.conflicts
    assert (kept.within_protection, kept.ruled, kept.kept) == (False, True, True)
    assert [i.code for i in again.issues] == ["conflict.ruled"]
    assert archive.customers()[0]["owner_branch"] == A
    assert len(archive.conflicts()) == 1  # nothing new for 销售管理部 to rule on
    stored = archive.result_for(again.file_id)
    assert stored is not None and stored.conflicts[0].ruled
