"""Console accounts, their sessions and the audit log (SQL only; hashing lives in console/auth)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from branchflow.archive.schema import audit_log, console_sessions, users


@dataclass(frozen=True)
class Account:
    """A console user as the console sees it (never with the password hash)."""

    id: int
    name: str
    role: str  # admin / sales / department / branch
    scope: str | None  # the department or branch a department / branch account sees
    disabled: bool
    created_at: datetime
    password_changed_at: datetime


def _account(row: Any) -> Account:
    return Account(
        row.id,
        row.name,
        row.role,
        row.scope,
        bool(row.disabled),
        row.created_at,
        row.password_changed_at,
    )


def add_user(
    conn: Connection, name: str, role: str, scope: str | None, password_hash: str, now: datetime
) -> int | None:
    """A new account; None when the name is taken."""
    if conn.scalar(select(users.c.id).where(users.c.name == name)) is not None:
        return None
    result = conn.execute(
        insert(users).values(
            name=name,
            role=role,
            scope=scope,
            password_hash=password_hash,
            disabled=False,
            created_at=now,
            password_changed_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def set_password(conn: Connection, name: str, password_hash: str, now: datetime) -> bool:
    """Replace an account's password (and enable it again); its sessions end."""
    found = conn.execute(
        update(users)
        .where(users.c.name == name)
        .values(password_hash=password_hash, password_changed_at=now, disabled=False)
    ).rowcount
    _end_sessions_of(conn, name)
    return bool(found)


def disable_user(conn: Connection, name: str) -> bool:
    """An account that can no longer log in; its sessions end at once."""
    found = conn.execute(update(users).where(users.c.name == name).values(disabled=True)).rowcount
    _end_sessions_of(conn, name)
    return bool(found)


def _end_sessions_of(conn: Connection, name: str) -> None:
    ids = select(users.c.id).where(users.c.name == name).scalar_subquery()
    conn.execute(delete(console_sessions).where(console_sessions.c.user_id == ids))


def list_users(conn: Connection) -> list[Account]:
    return [_account(r) for r in conn.execute(select(users).order_by(users.c.name))]


def credentials(conn: Connection, name: str) -> tuple[Account, str] | None:
    """(account, password hash) for a login attempt; None for an unknown name."""
    row = conn.execute(select(users).where(users.c.name == name)).first()
    return None if row is None else (_account(row), row.password_hash)


def rehash(conn: Connection, user_id: int, password_hash: str) -> None:
    """Store a stronger hash of the same password (Argon2 parameters raised since)."""
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


# ── sessions ─────────────────────────────────────────────────────────────────────────────────


def open_session(
    conn: Connection, token_hash: str, user_id: int, csrf: str, now: datetime, expires: datetime
) -> None:
    conn.execute(delete(console_sessions).where(console_sessions.c.expires_at < now))
    conn.execute(
        insert(console_sessions).values(
            token_hash=token_hash, user_id=user_id, csrf=csrf, created_at=now, expires_at=expires
        )
    )


def session_account(conn: Connection, token_hash: str, now: datetime) -> tuple[Account, str] | None:
    """(account, CSRF token) of a live session of an enabled account."""
    row = conn.execute(
        select(users, console_sessions.c.csrf)
        .join(console_sessions, console_sessions.c.user_id == users.c.id)
        .where(
            console_sessions.c.token_hash == token_hash,
            console_sessions.c.expires_at > now,
            users.c.disabled.is_(False),
        )
    ).first()
    return None if row is None else (_account(row), row.csrf)


def close_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == token_hash))


# ── the audit log ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    user_name: str | None
    action: str
    target: str = ""
    detail: str = ""
    ip: str = ""


def audit(conn: Connection, entry: AuditEntry) -> None:
    conn.execute(
        insert(audit_log).values(
            at=entry.at,
            user_name=entry.user_name,
            action=entry.action,
            target=entry.target[:500],
            detail=entry.detail[:2000],
            ip=entry.ip[:64],
        )
    )


def failed_logins(conn: Connection, name: str, ip: str, since: datetime) -> int:
    """Failed logins for this name, or from this address, since `since`."""
    return int(
        conn.scalar(
            select(func.count()).where(
                audit_log.c.action == "login_failed",
                audit_log.c.at >= since,
                or_(audit_log.c.user_name == name, audit_log.c.ip == ip),
            )
        )
        or 0
    )


def read_audit(
    conn: Connection, action: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[AuditEntry], int]:
    """The newest entries first (optionally of one action), and how many there are."""
    query = select(audit_log)
    count = select(func.count()).select_from(audit_log)
    if action:
        query = query.where(audit_log.c.action == action)
        count = count.where(audit_log.c.action == action)
    rows = conn.execute(
        query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit).offset(offset)
    )
    found = [AuditEntry(r.at, r.user_name, r.action, r.target, r.detail, r.ip) for r in rows]
    return found, int(conn.scalar(count) or 0)
