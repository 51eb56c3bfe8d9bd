"""What `branchflow users` does: add, change the password of, disable and list accounts."""

from __future__ import annotations

from branchflow.archive.console import ConsoleStore
from branchflow.archive.schema import ROLES
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.console.access import ROLE_NAMES
from branchflow.console.auth import hash_password, password_problem
from branchflow.errors import BranchflowError, ConfigError

MAX_NAME = 100


def add_user(settings: Settings, name: str, role: str, scope: str | None, password: str) -> str:
    """Create an account; returns the line to print. ConfigError for bad input."""
    name = _check_name(name)
    scope = _check_scope(settings, role, scope)
    _check_password(password)
    with Archive.open(settings) as archive:
        added = ConsoleStore(archive).add_user(
            name, role, scope, hash_password(password), settings.now()
        )
    if not added:
        raise BranchflowError(f"账号“{name}”已存在；改密码请用 branchflow users passwd {name}")
    where = f"（{scope}）" if scope else ""
    return f"已添加账号 {name}：{ROLE_NAMES[role]}{where}"


def change_password(settings: Settings, name: str, password: str) -> str:
    _check_password(password)
    with Archive.open(settings) as archive:
        found = ConsoleStore(archive).set_password(name, hash_password(password), settings.now())
    if not found:
        raise BranchflowError(f"没有账号“{name}”；运行 branchflow users list 查看")
    return f"已修改 {name} 的密码（账号已启用，原有登录已失效）"


def disable_user(settings: Settings, name: str) -> str:
    with Archive.open(settings) as archive:
        found = ConsoleStore(archive).disable_user(name)
    if not found:
        raise BranchflowError(f"没有账号“{name}”；运行 branchflow users list 查看")
    return f"已停用账号 {name}（已登录的会话同时失效；用 users passwd 可重新启用）"


def list_lines(settings: Settings) -> list[str]:
    with Archive.open(settings) as archive:
        found = ConsoleStore(archive).users()
    if not found:
        return ["尚无账号：运行 branchflow users add admin --role admin --password-stdin"]
    lines = ["账号\t角色\t范围\t状态\t密码修改时间"]
    for user in found:
        changed = user.password_changed_at.astimezone(settings.timezone)
        lines.append(
            f"{user.name}\t{ROLE_NAMES[user.role]}\t{user.scope or '全部'}\t"
            f"{'已停用' if user.disabled else '启用'}\t{changed:%Y-%m-%d %H:%M}"
        )
    return lines


def users_exist(archive: Archive) -> bool:
    return bool(ConsoleStore(archive).users())


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(ch.isspace() for ch in name):
        raise ConfigError(f"账号名“{name}”无效：不能为空、不能含空格，最长 {MAX_NAME} 个字符")
    return name


def _check_scope(settings: Settings, role: str, scope: str | None) -> str | None:
    if role not in ROLES:
        raise ConfigError(f"角色 {role} 无效，可用：{'、'.join(ROLES)}")
    if role in ("admin", "sales"):
        if scope:
            raise ConfigError(f"{ROLE_NAMES[role]}账号看全部数据，不需要 --scope")
        return None
    names = settings.branch_names if role == "branch" else _department_names(settings)
    if not scope:
        raise ConfigError(
            f"{ROLE_NAMES[role]}账号需要 --scope 名称，可用：{'、'.join(names) or '（配置中没有）'}"
        )
    if scope not in names:
        raise ConfigError(
            f"--scope {scope} 不在 branchflow.toml 的{ROLE_NAMES[role]}中，可用：{'、'.join(names)}"
        )
    return scope


def _department_names(settings: Settings) -> tuple[str, ...]:
    """HQ's departments and the projects' 营销部 (whose plan folders they see)."""
    marketing = (p.marketing for p in settings.projects if p.marketing)
    return tuple(dict.fromkeys((*(d.name for d in settings.departments), *marketing)))


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ConfigError(problem)
