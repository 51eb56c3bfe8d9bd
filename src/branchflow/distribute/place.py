"""Putting a file into a branch's 下发 folder: only when what it says changed, atomically, and
beside the old one when someone at the branch has it open.

Each document and workbook carries a fingerprint of its content (a sha256 of what it was made
from, not of its bytes, which hold the time they were made): in a .docx the core property
dc:identifier, in a .xlsx the custom property branchflow_content. A run that would write the
same fingerprint writes nothing, so files keep their times and branches are not told of changes
that are none. The fingerprint travels with the file, so several HQ machines sharing the inbox
agree on what is there.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from docx import Document

from branchflow.errors import BranchflowError

FINGERPRINT_PROPERTY = "branchflow_content"
STAMP_PREFIX = "branchflow:"
_CORE = re.compile(r"<dc:identifier>([^<]*)</dc:identifier>")
_CUSTOM = re.compile(
    rf'name="{FINGERPRINT_PROPERTY}"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>', re.DOTALL
)
RETRIES = 3
RETRY_DELAY = 0.5  # seconds between tries on a file someone holds open


def fingerprint(*parts: Any) -> str:
    """sha256 of `parts` as canonical JSON (dates as ISO text, rich text by its XML)."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    xml = getattr(value, "xml", None)  # docxtpl RichText
    return xml if isinstance(xml, str) else repr(value)


def read_fingerprint(path: Path) -> str | None:
    """The fingerprint a .docx or .xlsx we wrote carries; None for anything else."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            for part, pattern in (("docProps/core.xml", _CORE), ("docProps/custom.xml", _CUSTOM)):
                if part in names:
                    found = pattern.search(package.read(part).decode("utf-8", "replace"))
                    if found and found[1].startswith(STAMP_PREFIX):
                        return found[1].removeprefix(STAMP_PREFIX)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return None
    return None


def stamp_docx(data: bytes, content: str) -> bytes:
    """The document with its fingerprint in dc:identifier."""
    document = Document(io.BytesIO(data))
    document.core_properties.identifier = STAMP_PREFIX + content
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def holder(target: Path, content: str) -> Path | None:
    """The file that already holds this content: the target, or a copy written beside it while
    the target was open (例会资料-东莞分中心-20261128-101500.docx)."""
    if read_fingerprint(target) == content:
        return target
    for sibling in sorted(target.parent.glob(f"{target.stem}-*{target.suffix}")):
        if read_fingerprint(sibling) == content:
            return sibling
    return None


@dataclass(frozen=True)
class Placed:
    """Where one file's new content went."""

    target: Path
    path: Path | None  # the target, a copy beside it, or None (could not be written)
    state: str  # new / updated / beside / failed
    note: str = ""


def place(
    target: Path,
    data: bytes | Callable[[], bytes],
    now: datetime,
    *,
    retries: int = RETRIES,
    delay: float | None = None,
) -> Placed:
    """Write `data` to `target` atomically (temp file, then rename). A target held open (Windows)
    is retried, then written beside it; nothing is ever half-written."""
    delay = RETRY_DELAY if delay is None else delay
    existed = target.exists()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        temp.write_bytes(data() if callable(data) else data)
    except OSError as exc:
        note = f"{target.name} 未能写入：{exc}"
        return Placed(target, None, "failed", note)
    try:
        return _rename(temp, target, existed, now, retries, delay)
    finally:
        temp.unlink(missing_ok=True)


def _rename(
    temp: Path, target: Path, existed: bool, now: datetime, retries: int, delay: float
) -> Placed:
    for attempt in range(retries + 1):
        try:
            temp.replace(target)
            return Placed(target, target, "updated" if existed else "new")
        except PermissionError:  # open in Word/Excel on a Windows share
            if attempt < retries:
                time.sleep(delay)
        except OSError as exc:
            return Placed(target, None, "failed", f"{target.name} 未能写入：{exc}")
    beside = _free(target, now)
    try:
        temp.replace(beside)
    except OSError as exc:
        return Placed(target, None, "failed", f"{target.name} 正被占用，未能写入：{exc}")
    note = (
        f"{target.name} 正被占用（可能有人打开着），新版本另存为 {beside.name}；"
        "关闭后下次更新时写回原文件"
    )
    return Placed(target, beside, "beside", note)


def adopt(copy: Path, target: Path) -> bool:
    """Move a copy written beside a busy target onto it, once the target is free."""
    try:
        copy.replace(target)
    except OSError:
        return False
    return True


def _free(target: Path, now: datetime) -> Path:
    beside = target.with_name(f"{target.stem}-{now:%Y%m%d-%H%M%S}{target.suffix}")
    number = 2
    while beside.exists():
        beside = target.with_name(f"{target.stem}-{now:%Y%m%d-%H%M%S}-{number}{target.suffix}")
        number += 1
    return beside


def write_text(path: Path, text: str, now: datetime) -> None:
    """UTF-8 with BOM and CRLF (Notepad), written beside and renamed into place."""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8-sig")
    placed = place(path, data, now)
    if placed.state == "failed":
        raise BranchflowError(placed.note + "；请检查该文件夹的写入权限")
