"""The console's way into the archive: accounts, sessions, audit, page reads, 撞单 rulings.

One object over an open Archive, so the console shares the watcher's store (SQLite or
PostgreSQL) and its transactions; every statement is in the archive's own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from branchflow.archive import accounts, console_reads, outbox, rulings
from branchflow.archive.accounts import Account, AuditEntry
from branchflow.archive.console_reads import CustomerQuery, DropFilter
from branchflow.archive.outbox import OutboxMessage
from branchflow.archive.protection import protect
from branchflow.archive.rulings import Ruling
from branchflow.archive.store import Archive

__all__ = ["Account", "AuditEntry", "ConsoleStore", "CustomerQuery", "DropFilter", "Ruling"]


class ConsoleStore:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._tz = archive.settings.timezone
        self._rule = archive.settings.protection
        self._townships: dict[tuple[Any, ...], list[dict[str, Any]]] = {}

    # ── accounts ─────────────────────────────────────────────────────────────────────────────

    def add_user(
        self, name: str, role: str, scope: str | None, password_hash: str, now: datetime
    ) -> bool:
        """False when the name is taken."""
        with self.archive.write_transaction("添加账号") as conn:
            return accounts.add_user(conn, name, role, scope, password_hash, now) is not None

    def set_password(self, name: str, password_hash: str, now: datetime) -> bool:
        with self.archive.write_transaction("修改密码") as conn:
            return accounts.set_password(conn, name, password_hash, now)

    def disable_user(self, name: str) -> bool:
        with self.archive.write_transaction("停用账号") as conn:
            return accounts.disable_user(conn, name)

    def users(self) -> list[Account]:
        with self.archive.read_transaction() as conn:
            return accounts.list_users(conn)

    def credentials(self, name: str) -> tuple[Account, str] | None:
        with self.archive.read_transaction() as conn:
            return accounts.credentials(conn, name)

    def rehash(self, user_id: int, password_hash: str) -> None:
        with self.archive.write_transaction("更新密码哈希") as conn:
            accounts.rehash(conn, user_id, password_hash)

    # ── sessions and the audit log ───────────────────────────────────────────────────────────

    def open_session(
        self,
        token_hash: str,
        user_id: int,
        csrf: str,
        expires: datetime,
        entry: AuditEntry,
    ) -> None:
        """A new session, and its login in the audit log, in one transaction."""
        with self.archive.write_transaction("登录") as conn:
            accounts.open_session(conn, token_hash, user_id, csrf, entry.at, expires)
            accounts.audit(conn, entry)

    def session_account(self, token_hash: str, now: datetime) -> tuple[Account, str] | None:
        with self.archive.read_transaction() as conn:
            return accounts.session_account(conn, token_hash, now)

    def close_session(self, token_hash: str, entry: AuditEntry) -> None:
        with self.archive.write_transaction("退出登录") as conn:
            accounts.close_session(conn, token_hash)
            accounts.audit(conn, entry)

    def audit(self, entry: AuditEntry) -> None:
        with self.archive.write_transaction("记录操作日志") as conn:
            accounts.audit(conn, entry)

    def failed_logins(self, name: str, ip: str, since: datetime) -> int:
        with self.archive.read_transaction() as conn:
            return accounts.failed_logins(conn, name, ip, since)

    def audit_entries(
        self, action: str | None, limit: int, offset: int
    ) -> tuple[list[AuditEntry], int]:
        with self.archive.read_transaction() as conn:
            return accounts.read_audit(conn, action, limit, offset)

    # ── page reads ───────────────────────────────────────────────────────────────────────────

    def drops(self, where: DropFilter, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        with self.archive.read_transaction() as conn:
            return console_reads.drops(conn, self._tz, where, limit, offset)

    def drop(self, file_id: int) -> dict[str, Any] | None:
        with self.archive.read_transaction() as conn:
            return console_reads.drop(conn, self._tz, file_id)

    def search_customers(
        self, query: CustomerQuery, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Matching customers (each with its protected_until) and how many match."""
        with self.archive.read_transaction() as conn:
            rows, total = console_reads.search_customers(conn, self._tz, query, limit)
            return protect(conn, self._rule, rows), total

    def customer(self, customer_id: int) -> dict[str, Any] | None:
        """The customer page's record (see console_reads.customer), with its protected_until."""
        with self.archive.read_transaction() as conn:
            found = console_reads.customer(conn, self._tz, customer_id)
            return protect(conn, self._rule, [found])[0] if found is not None else None

    def conflicts(
        self, branch: str | None, ruled: bool, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        with self.archive.read_transaction() as conn:
            return console_reads.conflict_page(conn, self._tz, branch, ruled, limit, offset)

    def conflict(self, conflict_id: int) -> dict[str, Any] | None:
        with self.archive.read_transaction() as conn:
            return console_reads.conflict(conn, self._tz, conflict_id)

    def townships(self, start: date, end: date, owner: str | None) -> list[dict[str, Any]]:
        """Township counts of a month; kept until the archive changes (a drop or a ruling is
        recorded), since counting scans an index of every customer."""
        with self.archive.read_transaction() as conn:
            key = (console_reads.archive_version(conn), start, end, owner)
            if key not in self._townships:
                if len(self._townships) >= 64:
                    self._townships.clear()
                self._townships[key] = console_reads.township_month(conn, start, end, owner)
            return [dict(row) for row in self._townships[key]]

    # ── 撞单 rulings ─────────────────────────────────────────────────────────────────────────

    def rule(
        self,
        conflict_id: int,
        outcome: str,
        reason: str,
        entry: AuditEntry,
        messages: Callable[[Ruling], Sequence[OutboxMessage]] | None = None,
    ) -> Ruling:
        """Record 销售管理部's ruling (moving the customer if needed), its audit entry and the
        notifications it sends (`messages`, made from the ruling) in one transaction.
        RulingError for an unknown conflict, a bad outcome or no reason."""
        assert entry.user_name is not None
        with self.archive.write_transaction("记录撞单裁定") as conn:
            ruling = rulings.rule(conn, conflict_id, outcome, reason, entry.user_name, entry.at)
            accounts.audit(conn, entry)
            if messages is not None:
                outbox.insert_messages(conn, messages(ruling), entry.at)
        return ruling
