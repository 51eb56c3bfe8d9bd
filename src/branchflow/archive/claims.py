"""Claims on inbox files, made in the database: one processor per file across machines.

Two watchers (two machines) sharing an inbox and a PostgreSQL store both see every drop. Before
processing one, a watcher inserts a row for the file's inbox path into `claims`; the primary key
lets only one insert win. The holder refreshes its heartbeat while it works and deletes the row
when done. A holder that died (kill -9, power cut, cable pulled) stops beating; after `timeout`
seconds another watcher may take the claim over. Times come from the database server's clock,
so the machines' clocks need not agree. A claim held by a process of this same machine that no
longer runs (a watcher killed and restarted) is taken over at once.

The claim is also checked inside the transaction that records the file (`check`): had the
holder been presumed dead and its claim taken over, its late write is refused, so even then a
file is recorded once.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from branchflow.archive.db import error_line, failure
from branchflow.archive.schema import claims
from branchflow.errors import StoreError

log = logging.getLogger("branchflow.archive")

DEFAULT_TIMEOUT = 60.0


class ClaimLost(StoreError):
    """Another process took over this process's claim on a file (it was presumed dead)."""


def claimant_id() -> str:
    """Who claims: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class FileClaims:
    """This process's claims on inbox files, with a heartbeat thread while it holds any."""

    def __init__(
        self, engine: Engine, timeout: float = DEFAULT_TIMEOUT, claimant: str | None = None
    ) -> None:
        # Not the writers' engine: a claim must not wait for another machine's long write.
        postgres = engine.dialect.name == "postgresql"
        self._engine = (
            engine.execution_options(isolation_level="READ COMMITTED") if postgres else engine
        )
        self.timeout = timeout
        self.claimant = claimant or claimant_id()
        self._held: set[str] = set()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._beater: threading.Thread | None = None
        self._last_beat = time.monotonic()

    @contextmanager
    def hold(self, relative: str) -> Iterator[bool]:
        """Claim the file at inbox/`relative` for the block; yields False when another live
        process holds it (then nothing is held)."""
        try:
            taken = self._take(relative)
        except SQLAlchemyError as exc:
            raise failure(
                f"无法在档案数据库中认领 inbox/{relative}：{error_line(exc)}；稍后会重试", exc
            ) from exc
        if not taken:
            yield False
            return
        with self._guard:
            self._held.add(relative)
        self._start_heartbeat()
        try:
            yield True
        finally:
            with self._guard:
                self._held.discard(relative)
            self._release(relative)

    def holds(self, relative: str) -> bool:
        with self._guard:
            return relative in self._held

    def check(self, conn: Connection, relative: str) -> None:
        """Last thing inside the transaction that records the file: raise ClaimLost unless this
        process still holds the claim on `relative` (when it holds one at all). Renews the
        heartbeat and locks the claim row till commit, so a takeover cannot slip in between."""
        if not self.holds(relative):
            return
        renewed = conn.execute(
            update(claims)
            .where(claims.c.relative == relative, claims.c.claimant == self.claimant)
            .values(heartbeat_at=database_now(conn))
        )
        if renewed.rowcount != 1:
            raise ClaimLost(
                f"inbox/{relative} 已由另一进程接手处理（本进程超过 {self.timeout:g} 秒"
                f"未能续约认领）；本次写入已撤销，不会重复入库"
            )

    def close(self) -> None:
        self._stop.set()
        if self._beater is not None:
            self._beater.join(timeout=5)
            self._beater = None

    # ── the database side ──────────────────────────────────────────────────────────────────

    def _take(self, relative: str) -> bool:
        with self._engine.begin() as conn:
            now = database_now(conn)
            values = {
                "relative": relative,
                "claimant": self.claimant,
                "claimed_at": now,
                "heartbeat_at": now,
            }
            insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert
            statement = insert(claims).values(values)
            statement = statement.on_conflict_do_update(
                index_elements=[claims.c.relative],
                set_={k: statement.excluded[k] for k in ("claimant", "claimed_at", "heartbeat_at")},
                where=(claims.c.claimant == self.claimant)
                | (claims.c.heartbeat_at < now - timedelta(seconds=self.timeout)),
            )
            conn.execute(statement)  # no RETURNING: older SQLite (before 3.35) lacks it
            holder = conn.scalar(select(claims.c.claimant).where(claims.c.relative == relative))
            if holder == self.claimant:
                return True
            if holder is None or not _dead_neighbour(holder, self.claimant):
                return False
            # A process of this machine that is gone (killed): no need to wait for its timeout.
            taken = conn.execute(
                update(claims)
                .where(claims.c.relative == relative, claims.c.claimant == holder)
                .values(claimant=self.claimant, claimed_at=now, heartbeat_at=now)
            )
            return bool(taken.rowcount == 1)

    def _release(self, relative: str) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    delete(claims).where(
                        claims.c.relative == relative, claims.c.claimant == self.claimant
                    )
                )
        except SQLAlchemyError as exc:  # the claim runs out by itself
            log.warning("无法释放对 inbox/%s 的处理认领（%s 秒后自动失效）：%s",
                        relative, f"{self.timeout:g}", error_line(exc))  # fmt: skip

    def _beat(self) -> None:
        with self._guard:
            held = sorted(self._held)
        if not held:
            return
        with self._engine.begin() as conn:
            conn.execute(
                update(claims)
                .where(claims.c.claimant == self.claimant, claims.c.relative.in_(held))
                .values(heartbeat_at=database_now(conn))
            )

    def _start_heartbeat(self) -> None:
        if self._beater is not None and self._beater.is_alive():
            return
        self._stop.clear()
        self._last_beat = time.monotonic()
        self._beater = threading.Thread(target=self._heartbeat, name="claims", daemon=True)
        self._beater.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.timeout / 4):
            try:
                self._beat()
            except SQLAlchemyError as exc:
                # A busy SQLite store or a short outage delays a beat; say so only when the
                # claim is at risk of being taken over.
                if time.monotonic() - self._last_beat > self.timeout / 2:
                    log.warning("处理认领续约失败（稍后重试）：%s", error_line(exc))
            else:
                self._last_beat = time.monotonic()


def _dead_neighbour(holder: str, me: str) -> bool:
    """Is `holder` (host:pid) a process of this machine that no longer runs?"""
    host, _, pid = holder.rpartition(":")
    if host != me.rpartition(":")[0] or not pid.isdigit():
        return False
    return not pid_alive(int(pid))


def pid_alive(pid: int) -> bool:
    """Does a process with this id run on this machine? (True when it cannot be told.)"""
    if sys.platform == "win32":
        import ctypes

        kernel = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() != 87  # ERROR_INVALID_PARAMETER: no such process
        code = ctypes.c_ulong()
        try:
            kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but not ours to signal
        return True
    return True


def database_now(conn: Connection) -> datetime:
    """The database server's clock (PostgreSQL), or this machine's (SQLite is on this machine)."""
    if conn.dialect.name == "postgresql":
        moment = conn.exec_driver_sql("SELECT clock_timestamp()").scalar_one()
        return moment.astimezone(UTC)
    return datetime.now(UTC)
