"""The customers one drop touches, loaded in a few bulk queries and looked up by phone.

A key is (phone, scope): a full number has scope "", a masked number (138****5678) is scoped to
the branch that wrote it, since the same masked form may stand for different people elsewhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Column, Connection, MetaData, String, Table, and_, delete, select
from sqlalchemy.schema import CreateTable

from branchflow.archive.bulk import fetch_dicts, insert_many
from branchflow.archive.schema import BOUND_KEYS, CUSTOMER_KEYS, customers
from branchflow.validate.normalize import is_masked_phone, mask_phone

Key = tuple[str, str]
CHUNK = 900  # bound parameters per IN list, under SQLite's oldest limit (999)

T = TypeVar("T")

# The keys of one drop, joined against customers: one query however many rows the drop has
# (an IN list per few hundred keys costs more in parameter handling than the lookup itself).
# Temporary, so private to the connection; emptied after each use.
drop_keys = Table(
    "branchflow_drop_keys",
    MetaData(),
    Column("phone", String(20), nullable=False),
    Column("phone_scope", String(200), nullable=False),
    prefixes=["TEMPORARY"],
)

# What the upsert needs of an archived customer: its fields and its ownership.
LOADED = (
    customers.c.id,
    *(customers.c[k] for k in CUSTOMER_KEYS),
    *(customers.c[k] for k in BOUND_KEYS),
    customers.c.originals,
    customers.c.phone_scope,
    customers.c.masked_phone,
    customers.c.owner_branch,
    customers.c.owned_since,
    customers.c.first_registered_on,
    customers.c.sheet_grade,
    customers.c.grade_on,
)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Resolution:
    """Where a phone written in a drop points to, and how it got there."""

    key: Key
    how: str = "exact"  # exact / masked_matched / masked_ambiguous / masked_completed
    candidates: int = 0  # masked_ambiguous: how many full numbers fit


class PhoneBook:
    """Customer rows by key for one drop of one branch; rows are plain dicts, id None when new."""

    def __init__(self, conn: Connection, branch: str) -> None:
        self.conn = conn
        self.branch = branch
        self.rows: dict[Key, dict[str, Any]] = {}
        self._full_by_mask: dict[str, list[str]] = {}
        self._completed: dict[str, Key] = {}  # full number → the masked key it completes

    def key_of(self, phone: str) -> Key:
        return (phone, self.branch) if is_masked_phone(phone) else (phone, "")

    def prepare(self, customer_phones: Sequence[str], other_phones: Sequence[str] = ()) -> None:
        """Load every row the drop may touch; work out masked matches and completions."""
        keys = {self.key_of(p) for p in (*customer_phones, *other_phones)}
        self.load(keys)
        new_full = [p for p in dict.fromkeys(customer_phones) if (p, "") not in self.rows]
        new_full = [p for p in new_full if not is_masked_phone(p)]
        if new_full:
            self._complete_masked(new_full)
        masked = [p for p in (*customer_phones, *other_phones) if is_masked_phone(p)]
        if masked:
            self._load_candidates(customer_phones)
            self.load(self.resolve(p).key for p in masked)

    def load(self, keys: Iterable[Key]) -> None:
        """Fetch the rows for keys not yet known, in one join with a temporary key table."""
        wanted = [{"phone": p, "phone_scope": s} for p, s in keys if (p, s) not in self.rows]
        if not wanted:
            return
        self.conn.execute(CreateTable(drop_keys, if_not_exists=True))
        self.conn.execute(delete(drop_keys))
        insert_many(self.conn, drop_keys, wanted)
        query = select(*LOADED).join(
            drop_keys,
            and_(
                customers.c.phone == drop_keys.c.phone,
                customers.c.phone_scope == drop_keys.c.phone_scope,
            ),
        )
        for row in fetch_dicts(self.conn, query):
            self.rows[(row["phone"], row["phone_scope"])] = row
        self.conn.execute(delete(drop_keys))

    def resolve(self, phone: str) -> Resolution:
        """The key a phone in this drop stands for."""
        if not is_masked_phone(phone):
            if phone in self._completed:
                return Resolution((phone, ""), "masked_completed")
            return Resolution((phone, ""))
        found = self._full_by_mask.get(phone, [])
        if len(found) == 1:
            return Resolution((found[0], ""), "masked_matched", 1)
        if len(found) > 1:
            return Resolution((phone, self.branch), "masked_ambiguous", len(found))
        return Resolution((phone, self.branch))

    def _complete_masked(self, new_full: Sequence[str]) -> None:
        # A full number for someone the branch registered earlier under a masked number takes
        # over that row instead of creating a second customer (only when exactly one fits).
        query = select(*LOADED).where(
            customers.c.owner_branch == self.branch, customers.c.phone_scope == self.branch
        )
        masked_rows = {row["phone"]: row for row in fetch_dicts(self.conn, query)}
        if not masked_rows:
            return
        by_mask: dict[str, list[str]] = defaultdict(list)
        for phone in new_full:
            by_mask[mask_phone(phone)].append(phone)
        for masked, row in masked_rows.items():
            fits = by_mask.get(masked, [])
            if len(fits) == 1:
                self.rows[(fits[0], "")] = row
                self.rows[(masked, self.branch)] = row
                self._completed[fits[0]] = (masked, self.branch)

    def _load_candidates(self, customer_phones: Sequence[str]) -> None:
        # Full numbers a masked number may stand for: the branch's own customers, and the full
        # numbers this drop registers that no other branch owns.
        query = select(customers.c.phone).where(
            customers.c.owner_branch == self.branch, customers.c.phone_scope == ""
        )
        full = set(self.conn.scalars(query))
        for phone in customer_phones:
            row = self.rows.get((phone, ""))
            if not is_masked_phone(phone) and (row is None or row["owner_branch"] == self.branch):
                full.add(phone)
        by_mask: dict[str, list[str]] = defaultdict(list)
        for phone in sorted(full):
            by_mask[mask_phone(phone)].append(phone)
        self._full_by_mask = dict(by_mask)
