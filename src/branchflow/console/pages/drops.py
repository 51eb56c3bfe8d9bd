"""收件记录: every drop, filtered; one drop's issues; its original, receipt or annotated copy.

Files are found through the ledger (the original's place in the originals folder, the answer's
place in the folder's 回执/), and each is checked to lie inside that folder before it is sent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePath

from starlette.exceptions import HTTPException
from starlette.responses import Response

from branchflow.archive.console import DropFilter
from branchflow.config import RECEIPTS_DIR
from branchflow.console import access
from branchflow.console.filters import STATUS_NAMES
from branchflow.console.web import Page, inside
from branchflow.templates.definitions import KIND_NAMES

PAGE_SIZE = 50


def listing(page: Page) -> Response:
    allowed = access.folders(page.viewer, page.settings)
    folder = page.arg("folder")
    if folder:
        access.require_folder(page.viewer, page.settings, folder)
    tz = page.settings.timezone
    since, until = _day(page.arg("since")), _day(page.arg("until"))
    where = DropFilter(
        folders=(folder,) if folder else allowed,
        status=page.arg("status") if page.arg("status") in STATUS_NAMES else None,
        kind=page.arg("kind") if page.arg("kind") in KIND_NAMES else None,
        period=page.arg("period")[:10] or None,
        since=datetime.combine(since, time(), tzinfo=tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), tzinfo=tz) if until else None,
    )
    number = max(1, page.int_arg("page", 1))
    rows, total = page.store.drops(where, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    folders = allowed if allowed is not None else _all_folders(page)
    return page.render(
        "drops.html",
        rows=rows,
        total=total,
        number=number,
        pages=max(1, -(-total // PAGE_SIZE)),
        folders=folders,
        filters={k: page.arg(k) for k in ("folder", "status", "kind", "period", "since", "until")},
        statuses=STATUS_NAMES,
        kinds=dict(KIND_NAMES),
        active="/drops",
    )


def detail(page: Page) -> Response:
    row = _visible_drop(page, int(page.request.path_params["file_id"]))
    return page.render(
        "drop.html",
        row=row,
        receipt_name=_receipt_name(row),
        annotated=_annotated(row),
        active="/drops",
    )


def download(page: Page) -> Response:
    row = _visible_drop(page, int(page.request.path_params["file_id"]))
    what = page.request.path_params["what"]
    if what == "original":
        originals = page.settings.originals_dir
        path = inside(originals / str(row["original_path"]), originals)
        name = str(row["original_name"])
    elif what == "receipt" and row["receipt_path"]:
        # Only the answer's file name is taken from the ledger (its folder may have moved with
        # the workspace): the file is looked for in this folder's 回执/ and nowhere else.
        folder = page.settings.inbox / str(row["folder"]) / RECEIPTS_DIR
        name = PurePath(str(row["receipt_path"]).replace("\\", "/")).name
        path = inside(folder / name, folder)
    else:
        raise HTTPException(404, "这份报送没有该文件")
    if path is None:
        raise HTTPException(404, "文件不在应有的文件夹中，未提供下载")
    return page.download(path, name, f"收件 {row['id']} {what}")


def _visible_drop(page: Page, file_id: int) -> dict[str, object]:
    row = page.store.drop(file_id)
    if row is None:
        raise HTTPException(404, f"没有编号为 {file_id} 的报送")
    access.require_folder(page.viewer, page.settings, str(row["folder"]))
    return row


def _receipt_name(row: dict[str, object]) -> str:
    if not row.get("receipt_path"):
        return ""
    return Path(str(row["receipt_path"])).name


def _annotated(row: dict[str, object]) -> bool:
    """A rejected workbook's answer is its annotated copy (错误清单 + marked cells)."""
    return row.get("status") == "rejected" and _receipt_name(row).endswith(".xlsx")


def _all_folders(page: Page) -> tuple[str, ...]:
    return page.settings.drop_folders


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
