"""Who may see what: the four roles and their scopes, in one place.

- admin (管理员): every page read-only, phones masked; the audit log; re-renders documents.
- sales (销售管理部): everything; full phones on request (audited); rules on 撞单.
- department (部门): 报送情况 and 收件记录 of its own folder; documents except other
  departments' packets; 乡镇分布 (counts only). No customers, no 撞单.
- branch (分中心): its own row, drops, receipts and customers (full phone on request, audited),
  its own 撞单 with the other side's phone masked, its own documents and the weekly news, the
  township counts of its own customers.
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
