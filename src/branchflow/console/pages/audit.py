"""操作日志 (admin only): logins, downloads, full-phone views, rulings, re-renders; and the
accounts (managed with `branchflow users`)."""

from __future__ import annotations

from starlette.responses import Response

from branchflow.console import access
from branchflow.console.filters import AUDIT_ACTIONS
from branchflow.console.web import Page

PAGE_SIZE = 100


def page(page: Page) -> Response:
    access.require(page.viewer, "admin")
    action = page.arg("action")
    action = action if action in AUDIT_ACTIONS else ""
    number = max(1, page.int_arg("page", 1))
    entries, total = page.store.audit_entries(action or None, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    return page.render(
        "audit.html",
        entries=entries,
        total=total,
        action=action,
        actions=AUDIT_ACTIONS,
        number=number,
        pages=max(1, -(-total // PAGE_SIZE)),
        users=page.store.users(),
        active="/audit",
    )
