"""撞单: open (not yet ruled) and ruled conflicts; 销售管理部 rules with a written reason.

A ruling is stored with who/when/why in the same transaction as the ownership change and its
audit entry (with the messages for the notification channels), then told to both branches in
their 回执/ folders.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from branchflow.archive.outbox import OutboxMessage
from branchflow.archive.rulings import Ruling, RulingError
from branchflow.config import Settings
from branchflow.console import access
from branchflow.console.notices import ruling_notices
from branchflow.console.web import Page, redirect
from branchflow.notify.events import conflict_decision_messages

PAGE_SIZE = 50
MIN_REASON = 4  # characters: a ruling is explained, not just clicked


def listing(page: Page) -> Response:
    branch = access.conflict_branch(page.viewer)
    ruled = page.arg("show") == "ruled"
    number = max(1, page.int_arg("page", 1))
    rows, total = page.store.conflicts(branch, ruled, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    rows = [_as_seen_by(page, row) for row in rows]
    return page.render(
        "conflicts.html",
        rows=rows,
        total=total,
        ruled=ruled,
        number=number,
        pages=max(1, -(-total // PAGE_SIZE)),
        active="/conflicts",
    )


def detail(page: Page, error: str = "", reason: str = "") -> Response:
    row = _visible(page, int(page.request.path_params["conflict_id"]))
    written = page.arg("notices")
    return page.render(
        "conflict.html",
        c=row,
        may_rule=access.may_rule(page.viewer),
        error=error,
        reason=reason,
        notices=[n for n in written.split("|") if n] if written else [],
        active="/conflicts",
    )


def ruling(page: Page) -> Response:
    if not access.may_rule(page.viewer):
        raise access.deny()
    conflict_id = int(page.request.path_params["conflict_id"])
    outcome = page.form.get("outcome", "")
    reason = page.form.get("reason", "").strip()
    if outcome not in ("owner", "claimant") or len(reason) < MIN_REASON:
        problem = (
            "请选择客户归属哪一方"
            if outcome not in ("owner", "claimant")
            else f"请写明裁定理由（至少 {MIN_REASON} 个字）"
        )
        return _again(page, problem, reason)
    found = page.store.conflict(conflict_id)
    if found is None:
        raise HTTPException(404, f"没有编号为 {conflict_id} 的撞单")
    winner = found["owner_branch"] if outcome == "owner" else found["claimant_branch"]
    entry = page.entry("ruling", f"撞单 {conflict_id}", f"归{winner}：{reason}")
    try:
        decided = page.store.rule(
            conflict_id, outcome, reason, entry, lambda r: _group_messages(page.settings, r)
        )
    except RulingError as exc:
        raise HTTPException(404, f"无法记录裁定：{exc}") from exc
    written = ruling_notices(page.settings, decided)
    names = "|".join(f"{p.parent.parent.name}/{p.parent.name}/{p.name}" for p in written)
    return redirect(f"/conflicts/{conflict_id}", notices=names)


def _group_messages(settings: Settings, ruling: Ruling) -> list[OutboxMessage]:
    """The ruling for the branches' and 总部's notification channels (none configured: none)."""
    decision = ("改归" if ruling.moved else "继续归属") + f"{ruling.winner_branch}：{ruling.reason}"
    return conflict_decision_messages(
        settings, ruling.masked_phone, ruling.owner_branch, ruling.claimant_branch, decision
    )


def _again(page: Page, problem: str, reason: str) -> Response:
    response = detail(page, problem, reason)
    response.status_code = 400
    return response


def _visible(page: Page, conflict_id: int) -> dict[str, Any]:
    branch = access.conflict_branch(page.viewer)
    row = page.store.conflict(conflict_id)
    if row is None:
        raise HTTPException(404, f"没有编号为 {conflict_id} 的撞单")
    if branch is not None and branch not in (row["owner_branch"], row["claimant_branch"]):
        raise access.deny()
    return _as_seen_by(page, row)


def _as_seen_by(page: Page, row: dict[str, Any]) -> dict[str, Any]:
    """A branch learns the masked phone and who owns the customer; the name and the owner's
    registration date only when the customer is its own."""
    branch = access.conflict_branch(page.viewer)
    row = {**row, "phone": None} if branch is not None else dict(row)
    if branch is not None and row["current_owner"] != branch:
        row.update(customer_name=None, customer_id=None)
    if branch is not None and row["owner_branch"] != branch:
        row["owner_registered_on"] = None
    return row
