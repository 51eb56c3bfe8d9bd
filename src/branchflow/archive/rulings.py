"""销售管理部's rulings on 撞单 (判客): who keeps the customer, why, decided by whom and when.

A ruling names the winner — the conflict's first registrant (owner) or the later one
(claimant) — whatever the protection-period rule decided at the time. If the customer is not
already the winner's, ownership moves: owner_branch changes, the winner's protection starts at
its own registration date, and a history row (branch "销售管理部") records it, so the next
export and documents show the new owner and the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, insert, or_, select, update

from branchflow.archive.schema import (
    RULING_OUTCOMES,
    conflict_rulings,
    conflicts,
    customer_history,
    customers,
)
from branchflow.archive.versions import bump
from branchflow.validate.normalize import mask_phone

RULING_BRANCH = "销售管理部"  # who made the change, in customer_history.branch


@dataclass(frozen=True)
class Ruling:
    """A recorded ruling, with what the notices to both branches need."""

    id: int
    conflict_id: int
    customer_id: int
    masked_phone: str
    owner_branch: str  # the conflict's first registrant
    claimant_branch: str  # the branch whose later drop made the 撞单
    winner_branch: str
    previous_owner: str  # who owned the customer just before the ruling
    reason: str
    decided_by: str
    decided_at: datetime

    @property
    def moved(self) -> bool:
        return self.previous_owner != self.winner_branch


class RulingError(ValueError):
    """A ruling that cannot be recorded (unknown conflict, bad outcome, no reason)."""


def rule(
    conn: Connection, conflict_id: int, outcome: str, reason: str, decided_by: str, now: datetime
) -> Ruling:
    """Record a ruling and move the customer to the winner if needed (one transaction)."""
    if outcome not in RULING_OUTCOMES:
        raise RulingError(f"unknown outcome {outcome!r}")
    if not reason.strip():
        raise RulingError("a ruling needs its reason")
    found = conn.execute(select(conflicts).where(conflicts.c.id == conflict_id)).first()
    if found is None:
        raise RulingError(f"no conflict {conflict_id}")
    customer = conn.execute(
        select(customers.c.owner_branch, customers.c.owned_since).where(
            customers.c.id == found.customer_id
        )
    ).one()
    winner = found.owner_branch if outcome == "owner" else found.claimant_branch
    since = found.owner_registered_on if outcome == "owner" else found.claimant_registered_on
    if customer.owner_branch != winner:
        _move(conn, found.customer_id, found.file_id, customer.owner_branch, winner, since, now)
    # Both branches' 撞单记录 show the ruling; a move changes both branches' customers.
    bump(conn, {found.owner_branch, found.claimant_branch, customer.owner_branch}, now)
    ruling_id = conn.execute(
        insert(conflict_rulings).values(
            conflict_id=conflict_id,
            customer_id=found.customer_id,
            outcome=outcome,
            winner_branch=winner,
            previous_owner=customer.owner_branch,
            reason=reason.strip(),
            decided_by=decided_by,
            decided_at=now,
        )
    ).inserted_primary_key
    assert ruling_id is not None
    return Ruling(
        id=int(ruling_id[0]),
        conflict_id=conflict_id,
        customer_id=found.customer_id,
        masked_phone=mask_phone(found.phone),
        owner_branch=found.owner_branch,
        claimant_branch=found.claimant_branch,
        winner_branch=winner,
        previous_owner=customer.owner_branch,
        reason=reason.strip(),
        decided_by=decided_by,
        decided_at=now,
    )


def _move(
    conn: Connection,
    customer_id: int,
    file_id: int,
    before: str,
    winner: str,
    since: date | None,
    now: datetime,
) -> None:
    conn.execute(
        update(customers)
        .where(customers.c.id == customer_id)
        .values(owner_branch=winner, owned_since=since, updated_at=now)
    )
    # customer_history.file_id is required: the drop whose 撞单 this ruling settles.
    conn.execute(
        insert(customer_history).values(
            customer_id=customer_id,
            field="owner_branch",
            old_value=before,
            new_value=winner,
            file_id=file_id,
            changed_at=now,
            branch=RULING_BRANCH,
            event_date=since,
            source="ruling",
        )
    )


def ruling_in_force(conn: Connection, customer_id: int, owner: str, claimant: str) -> bool:
    """True when 销售管理部's latest ruling on a 撞单 between these two branches over this
    customer gave it to `owner`: the protection-period rule does not undo a ruling."""
    between = or_(
        and_(conflicts.c.owner_branch == owner, conflicts.c.claimant_branch == claimant),
        and_(conflicts.c.owner_branch == claimant, conflicts.c.claimant_branch == owner),
    )
    winner = conn.scalar(
        select(conflict_rulings.c.winner_branch)
        .join(conflicts, conflicts.c.id == conflict_rulings.c.conflict_id)
        .where(conflict_rulings.c.customer_id == customer_id, between)
        .order_by(conflict_rulings.c.id.desc())
        .limit(1)
    )
    return winner == owner
