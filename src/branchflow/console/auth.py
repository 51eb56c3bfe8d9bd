"""Passwords (Argon2), sessions (a random token in an HttpOnly cookie, its hash in the store),
CSRF tokens, and the login rate limit (failed attempts counted from the audit log, so the limit
holds across restarts and across console processes on one store).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from branchflow.archive.console import Account, AuditEntry, ConsoleStore

SESSION_COOKIE = "bf_session"
LOGIN_CSRF_COOKIE = "bf_login"  # double-submit token of the login form (no session yet)
SESSION_HOURS = 12
MAX_FAILURES = 5  # failed logins per name, or per address, within the window
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 8

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in Chinese; None if acceptable."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少需要 {MIN_PASSWORD} 个字符"
    if password.strip() != password:
        return "密码首尾不能有空格或换行"
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of two tokens."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Viewer:
    """The logged-in account of a request, with its session's CSRF token."""

    account: Account
    csrf: str
    token_hash: str

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def scope(self) -> str | None:
        return self.account.scope


@dataclass(frozen=True)
class LoginResult:
    token: str | None  # the new session's cookie value; None when refused
    message: str = ""  # why it was refused, for the login page
    limited: bool = False  # refused by the rate limit


def log_in(store: ConsoleStore, name: str, password: str, ip: str, now: datetime) -> LoginResult:
    """Check the password (unless the rate limit says no), then open a session."""
    if store.failed_logins(name, ip, now - FAILURE_WINDOW) >= MAX_FAILURES:
        store.audit(AuditEntry(now, name, "login_limited", ip=ip))
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        return LoginResult(None, f"登录失败次数过多，请 {minutes} 分钟后再试", limited=True)
    found = store.credentials(name)
    account = _verified(store, found, password)
    if account is None:
        store.audit(AuditEntry(now, name, "login_failed", ip=ip))
        return LoginResult(None, "用户名或密码不正确，或账号已停用")
    token = new_token()
    store.open_session(
        token_hash(token),
        account.id,
        new_token(),
        now + timedelta(hours=SESSION_HOURS),
        AuditEntry(now, account.name, "login", ip=ip),
    )
    return LoginResult(token)


def _verified(
    store: ConsoleStore, found: tuple[Account, str] | None, password: str
) -> Account | None:
    stored = found[1] if found is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if found is None or found[0].disabled:
        return None
    account = found[0]
    if _hasher.check_needs_rehash(stored):
        store.rehash(account.id, _hasher.hash(password))
    return account


def viewer_of(store: ConsoleStore, token: str | None, now: datetime) -> Viewer | None:
    """The account behind a session cookie, if the session is live and the account enabled."""
    if not token:
        return None
    hashed = token_hash(token)
    found = store.session_account(hashed, now)
    return None if found is None else Viewer(found[0], found[1], hashed)
