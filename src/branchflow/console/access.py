"""Who may see what: the four roles and their scopes, in one place.

| page      | admin        | sales (销售管理部)   | department (部门)        | branch (分中心)           |
|-----------|--------------|---------------------|--------------------------|---------------------------|
| 报送情况   | all          | all                 | its own folder's row     | its own row               |
| 收件记录   | all          | all                 | its own folder           | its own folder            |
| 客户查询   | masked       | full phone (audited) | —                        | own customers, full phone (audited) |
| 撞单       | read         | read, rules         | —                        | its own, masked phone     |
| 文档       | all, re-render | all               | all but other packets    | its own and the weekly news |
| 乡镇分布   | all          | all                 | all (counts only)        | its own customers         |
| 操作日志   | read         | —                   | —                        | —                         |
"""

from __future__ import annotations

from starlette.exceptions import HTTPException

from branchflow.config import Settings
from branchflow.console.auth import Viewer

ROLE_NAMES = {
    "admin": "管理员",
    "sales": "销售管理部",
    "department": "部门",
    "branch": "分中心",
}
HQ_ROLES = frozenset({"admin", "sales"})


def deny() -> HTTPException:
    return HTTPException(403, "无权访问此页面")


def require(viewer: Viewer, *roles: str) -> None:
    """403 unless the viewer has one of `roles`."""
    if viewer.role not in roles:
        raise deny()


def folders(viewer: Viewer, settings: Settings) -> tuple[str, ...] | None:
    """The drop folders the viewer may see; None = every folder."""
    if viewer.role in HQ_ROLES:
        return None
    return (viewer.scope,) if viewer.scope else ()


def require_folder(viewer: Viewer, settings: Settings, folder: str) -> None:
    allowed = folders(viewer, settings)
    if allowed is not None and folder not in allowed:
        raise deny()


def customer_owner(viewer: Viewer) -> str | None:
    """Only this branch's customers (None: all); 403 for roles that see no customer."""
    if viewer.role in HQ_ROLES:
        return None
    if viewer.role == "branch" and viewer.scope:
        return viewer.scope
    raise deny()


def full_phone_allowed(viewer: Viewer, owner_branch: str) -> bool:
    """销售管理部 may reveal any number, a branch its own customers' (each reveal audited)."""
    if viewer.role == "sales":
        return True
    return viewer.role == "branch" and viewer.scope == owner_branch


def conflict_branch(viewer: Viewer) -> str | None:
    """Only 撞单 involving this branch (None: all); 403 for departments."""
    if viewer.role in HQ_ROLES:
        return None
    if viewer.role == "branch" and viewer.scope:
        return viewer.scope
    raise deny()


def may_rule(viewer: Viewer) -> bool:
    return viewer.role == "sales"


def township_owner(viewer: Viewer) -> str | None:
    """Counts of this branch's customers only (None: everyone's)."""
    if viewer.role == "branch":
        return viewer.scope or ""
    return None


def document_visible(viewer: Viewer, settings: Settings, name: str) -> bool:
    """Whether a file in outbox/reports/ is for this viewer."""
    if viewer.role in HQ_ROLES:
        return True
    stem = name.rsplit(".", 1)[0]
    if viewer.role == "department":
        packets = {f"部门资料包-{d.name}" for d in settings.departments}
        return stem not in packets or stem == f"部门资料包-{viewer.scope}"
    return stem.endswith(f"-{viewer.scope}") or stem.startswith("营销活动周报-")


def may_render(viewer: Viewer) -> bool:
    return viewer.role == "admin"


def nav(viewer: Viewer) -> list[tuple[str, str]]:
    """The menu: (path, title) of the pages this viewer may open."""
    items = [("/status", "报送情况"), ("/drops", "收件记录")]
    if viewer.role != "department":
        items += [("/customers", "客户查询"), ("/conflicts", "撞单")]
    items += [("/documents", "文档"), ("/townships", "乡镇分布")]
    if viewer.role == "admin":
        items += [("/audit", "操作日志")]
    return items
