"""Claims on inbox files and concurrent writers: several processes (machines) on one store."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archive_helpers import A, B, customer, customers_batch, drop, incoming, make_settings
from sqlalchemy import create_engine, insert

from branchflow.archive.claims import ClaimLost, FileClaims, pid_alive
from branchflow.archive.schema import claims
from branchflow.archive.store import Archive
from branchflow.errors import StoreError

FILE = f"{A}/客户档案.xlsx"


@pytest.fixture
def two(tmp_path: Path, store_url: str) -> Iterator[tuple[Archive, Archive]]:
    """Two archives on one store, as two watcher processes (or machines) would open it; their
    claims run out after half a second."""
    settings = dataclasses.replace(make_settings(tmp_path, store_url=store_url), claim_timeout=0.5)
    with Archive.open(settings) as one, Archive.open(settings) as other:
        one._claims.claimant, other._claims.claimant = "machine-1:101", "machine-2:202"
        yield one, other


def test_only_one_process_holds_a_file_and_it_is_free_after(two: tuple[Archive, Archive]) -> None:
    one, other = two
    with one.claim(FILE) as mine:
        assert mine
        with other.claim(FILE) as theirs:
            assert not theirs
        with other.claim(f"{B}/客户档案.xlsx") as theirs:
            assert theirs  # another file is free
    with other.claim(FILE) as theirs:
        assert theirs


def test_a_live_holder_keeps_its_claim_past_the_timeout(two: tuple[Archive, Archive]) -> None:
    one, other = two
    with one.claim(FILE) as mine:
        assert mine
        time.sleep(1.2)  # well past the 0.5 s timeout: the heartbeat renews it
        with other.claim(FILE) as theirs:
            assert not theirs


def test_a_dead_holders_claim_is_taken_over_after_the_timeout(
    two: tuple[Archive, Archive],
) -> None:
    one, other = two
    _crashed_claim(one, "machine-9:999")
    with other.claim(FILE) as theirs:
        assert not theirs
    time.sleep(0.7)
    with other.claim(FILE) as theirs:
        assert theirs


def test_a_killed_process_of_this_machine_is_taken_over_at_once(
    two: tuple[Archive, Archive],
) -> None:
    one, _ = two
    one._claims.claimant = FileClaims(one._engine).claimant  # this machine, this process
    host = one._claims.claimant.rpartition(":")[0]
    dead = 4_000_000  # above any pid_max: no such process
    assert not pid_alive(dead)
    _crashed_claim(one, f"{host}:{dead}")
    with one.claim(FILE) as mine:
        assert mine


def test_a_write_after_the_claim_was_taken_over_is_refused_and_rolled_back(
    two: tuple[Archive, Archive],
) -> None:
    one, other = two
    batch = customers_batch(A, [customer(1, "13800000001")])
    with one.claim(FILE) as mine:
        assert mine
        one._claims.close()  # its heartbeat stops, as if the machine had hung
        time.sleep(0.7)
        with other.claim(FILE) as theirs:
            assert theirs
            with pytest.raises(ClaimLost, match="已由另一进程接手"):
                drop(one, batch)
            assert one.ledger() == [] and one.customers() == []
            drop(other, batch)
    assert [c["phone"] for c in other.customers()] == ["13800000001"]


def test_concurrent_drops_of_the_same_customers_write_each_once(
    two: tuple[Archive, Archive],
) -> None:
    """Two processes record drops with the same phones at the same moment: the writers are
    serialised, so each phone is inserted once and the later drop sees it (never both insert,
    never a lost update)."""
    phones = [f"1380000{n:04d}" for n in range(60)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def write(archive: Archive, branch: str, grade: str, tag: bytes) -> None:
        try:
            start.wait()
            for round_ in range(3):
                rows = [customer(i, p, grade=grade) for i, p in enumerate(phones, 1)]
                drop(archive, customers_batch(branch, rows), data=tag + bytes([round_]))
        except BaseException as exc:
            errors.append(exc)

    one, other = two
    threads = [
        threading.Thread(target=write, args=(one, A, "A", b"one")),
        threading.Thread(target=write, args=(other, A, "C", b"other")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    customers = one.customers()
    assert sorted(c["phone"] for c in customers) == phones
    entries = one.ledger()
    assert len(entries) == 6
    created = sum(one.result_for(e.file_id).new_customers for e in entries)  # type: ignore[union-attr]
    assert created == 60
    # Every grade change was seen by the other writer: history tells the whole story.
    assert {c["grade"] for c in customers} <= {"A", "C"}


def test_a_read_that_fails_is_a_store_error(archive: Archive) -> None:
    """The watcher retries a StoreError later; any other exception would quarantine the file."""
    archive._reader = create_engine("sqlite:////nonexistent-folder/x/y.sqlite3")
    with pytest.raises(StoreError, match="读取档案数据库失败"):
        archive.find_by_sha(incoming(A).sha256)


def _crashed_claim(archive: Archive, claimant: str) -> None:
    """The row a process leaves when it dies holding a claim: its heartbeat long stopped."""
    old = datetime.now(UTC) - timedelta(seconds=0.2)
    with archive._engine.begin() as conn:
        conn.execute(
            insert(claims).values(
                relative=FILE, claimant=claimant, claimed_at=old, heartbeat_at=old
            )
        )
