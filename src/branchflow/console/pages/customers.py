"""客户查询: search by phone (full or 前三后四), name, township; one customer's whole story.

Phones are shown 前三后四. Roles that may see a full number ask for it with a button (a POST
with the CSRF token); each such view is written to the audit log.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from branchflow.archive.console import CustomerQuery
from branchflow.console import access
from branchflow.console.web import Page

LIMIT = 50
GRADE_FIELDS = ("grade", "status", "owner_branch")  # the history the page leads with


def search(page: Page) -> Response:
    owner = access.customer_owner(page.viewer)
    given = {k: page.arg(k) for k in ("phone", "name", "county", "township")}
    query = CustomerQuery(
        phone=normalise_phone(given["phone"]),
        name=given["name"][:50],
        county=given["county"][:50],
        township=given["township"][:50],
        owner=owner,
    )
    rows: list[dict[str, Any]] = []
    total = 0
    if not query.empty:
        rows, total = page.store.search_customers(query, LIMIT)
    return page.render(
        "customers.html",
        given=given,
        searched=not query.empty,
        bad_phone=bool(given["phone"]) and not _searchable(query.phone),
        rows=rows,
        total=total,
        limit=LIMIT,
        active="/customers",
    )


def detail(page: Page) -> Response:
    return _detail(page, reveal=False)


def reveal(page: Page) -> Response:
    """The same page with the full number, for a role that may see it; audited."""
    return _detail(page, reveal=True)


def _detail(page: Page, reveal: bool) -> Response:
    owner = access.customer_owner(page.viewer)
    customer_id = int(page.request.path_params["customer_id"])
    row = page.store.customer(customer_id)
    if row is None:
        raise HTTPException(404, f"没有编号为 {customer_id} 的客户")
    if owner is not None and row["owner_branch"] != owner:
        raise access.deny()
    may_reveal = (
        access.full_phone_allowed(page.viewer, row["owner_branch"]) and not row["masked_phone"]
    )
    if reveal:
        if not may_reveal:
            raise access.deny()
        page.audit(
            "full_phone", f"客户 {customer_id}", f"{row['name'] or ''} {row['owner_branch']}"
        )
    if owner is not None:  # a branch sees the other side of its 撞单 masked, without the record
        row["conflicts"] = [_as_seen_by(owner, c) for c in row["conflicts"]]
        row["sources"] = [s for s in row["sources"] if s["folder"] == owner]
    return page.render(
        "customer.html",
        c=row,
        full_phone=row["phone"] if reveal else None,
        may_reveal=may_reveal,
        protected_until=row["protected_until"],
        key_history=[h for h in row["history"] if h["field"] in GRADE_FIELDS],
        other_history=[h for h in row["history"] if h["field"] not in GRADE_FIELDS],
        active="/customers",
    )


def _as_seen_by(branch: str, conflict: dict[str, Any]) -> dict[str, Any]:
    if conflict["owner_branch"] == branch:
        return conflict
    return {**conflict, "owner_registered_on": None}


def normalise_phone(text: str) -> str:
    """What staff type: spaces, dashes, +86 and full-width digits allowed; * for 前三后四."""
    cleaned = re.sub(r"[^0-9*]", "", text.translate(_FULL_WIDTH))
    if len(cleaned) == 13 and cleaned.startswith("86"):
        cleaned = cleaned[2:]
    return cleaned


_FULL_WIDTH = str.maketrans("０１２３４５６７８９＊", "0123456789*")


def _searchable(phone: str) -> bool:
    return len(phone) == 11 and phone[:3].isdigit() and phone[7:].isdigit()
