"""销售管理部's 撞单 rulings: ownership moves (or stays), with history, and reads show the ruling."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from archive_helpers import NOW, A, B, customer, customers_batch, drop

from branchflow.archive.accounts import AuditEntry
from branchflow.archive.console import ConsoleStore
from branchflow.archive.outbox import OutboxMessage
from branchflow.archive.rulings import RULING_BRANCH, Ruling, RulingError
from branchflow.archive.store import Archive


def _conflict(archive: Archive) -> dict[str, object]:
    drop(archive, customers_batch(A, [customer(1, "13812345678", name="张三")]), data=b"a")
    later = customer(1, "13812345678", name="张三", registered_on=date(2026, 11, 20))
    drop(archive, customers_batch(B, [later]), at=NOW + timedelta(hours=1), data=b"b")
    return archive.conflicts()[0]


def _entry() -> AuditEntry:
    return AuditEntry(NOW + timedelta(hours=2), "张敏", "ruling", "撞单", "")


def test_ruling_for_the_claimant_moves_the_customer(archive: Archive) -> None:
    conflict = _conflict(archive)
    assert conflict["resolution"] == "kept_by_owner" and conflict["ruling_winner"] is None
    ruling = ConsoleStore(archive).rule(
        int(conflict["id"]), "claimant", "客户确认由宁波带看", _entry()
    )
    assert (ruling.previous_owner, ruling.winner_branch, ruling.moved) == (A, B, True)
    assert ruling.masked_phone == "138****5678"
    owned = archive.customers()[0]
    assert (owned["owner_branch"], owned["owned_since"]) == (B, date(2026, 11, 20))
    change = [h for h in archive.history() if h["field"] == "owner_branch"]
    assert [(h["old_value"], h["new_value"], h["branch"]) for h in change] == [
        (A, B, RULING_BRANCH)
    ]
    shown = archive.conflicts()[0]
    assert (shown["ruling_winner"], shown["ruling_reason"], shown["ruled_by"]) == (
        B,
        "客户确认由宁波带看",
        "张敏",
    )


def test_upholding_the_owner_changes_nothing_but_is_recorded(archive: Archive) -> None:
    conflict = _conflict(archive)
    ruling = ConsoleStore(archive).rule(int(conflict["id"]), "owner", "首次登记有效", _entry())
    assert not ruling.moved and archive.customers()[0]["owner_branch"] == A
    assert [h for h in archive.history() if h["field"] == "owner_branch"] == []
    assert archive.conflicts()[0]["ruling_winner"] == A


def test_the_latest_ruling_is_in_force(archive: Archive) -> None:
    conflict_id = int(_conflict(archive)["id"])
    store = ConsoleStore(archive)
    store.rule(conflict_id, "claimant", "先判给宁波", _entry())
    store.rule(conflict_id, "owner", "复核后改回东莞", _entry())
    assert archive.customers()[0]["owner_branch"] == A
    assert archive.conflicts()[0]["ruling_reason"] == "复核后改回东莞"
    assert len(store.conflict(conflict_id)["rulings"]) == 2  # type: ignore[index]


@pytest.mark.parametrize(
    ("outcome", "reason", "conflict_id"),
    [("both", "理由", None), ("owner", "  ", None), ("owner", "理由", 999)],
)
def test_bad_rulings_change_nothing(
    archive: Archive, outcome: str, reason: str, conflict_id: int | None
) -> None:
    real = int(_conflict(archive)["id"])
    with pytest.raises(RulingError):
        ConsoleStore(archive).rule(conflict_id or real, outcome, reason, _entry())
    assert archive.customers()[0]["owner_branch"] == A
    assert ConsoleStore(archive).audit_entries(None, 10, 0)[1] == 0


def test_a_ruling_writes_its_notifications_in_its_own_transaction(archive: Archive) -> None:
    conflict_id = int(_conflict(archive)["id"])
    store = ConsoleStore(archive)

    def messages(ruling: Ruling) -> list[OutboxMessage]:
        return [
            OutboxMessage(
                "东莞群", "conflict", branch, f"{ruling.masked_phone} 归{ruling.winner_branch}"
            )
            for branch in (ruling.owner_branch, ruling.claimant_branch)
        ]

    def failing(ruling: Ruling) -> list[OutboxMessage]:
        raise RuntimeError("the ruling's transaction fails after the ownership change")

    with pytest.raises(RuntimeError):
        store.rule(conflict_id, "claimant", "客户确认由宁波带看", _entry(), failing)
    assert archive.customers()[0]["owner_branch"] == A  # rolled back together
    assert archive.outbox.listing(("pending",)) == []
    store.rule(conflict_id, "claimant", "客户确认由宁波带看", _entry(), messages)
    queued = archive.outbox.listing(("pending",))
    assert sorted((m.scope, m.body) for m in queued) == [
        (A, f"138****5678 归{B}"),
        (B, f"138****5678 归{B}"),
    ]
