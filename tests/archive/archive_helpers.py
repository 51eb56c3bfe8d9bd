"""Builders for archive tests: settings, incoming files, records and batches, no Excel needed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from branchflow.archive.results import ArchiveResult
from branchflow.archive.store import Archive
from branchflow.config import Settings, parse_settings
from branchflow.intake import IncomingFile
from branchflow.validate.batch import Record, ValidatedBatch
from branchflow.validate.issues import Issue, cell_address

A = "东莞分中心"
B = "宁波分中心"
HQ = "总部"
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=TZ)
PROJECT = "黔龙阳光·湄江府"

CUSTOMER_COLUMNS = (
    "name", "gender", "phone", "id_number", "county", "township", "village", "work_city",
    "employer", "occupation", "monthly_income", "family_size", "project", "unit_type", "area",
    "budget", "payment", "purpose", "channel", "grade", "customer_type", "registered_on",
    "status", "consultant", "remark",
)  # fmt: skip
FOLLOW_UP_COLUMNS = ("phone", "date", "method", "content", "grade_after", "next_date", "staff")


def make_settings(
    workspace: Path,
    store_url: str = "",
    originals: str = "",
    conflicts: dict[str, Any] | None = None,
) -> Settings:
    raw: dict[str, Any] = {
        "company": {"protection_days": 90},
        "branches": [{"name": A, "city": "东莞市"}, {"name": B, "city": "宁波市"}],
        "projects": [{"name": PROJECT, "county": "湄潭县", "town": "湄江街道"}],
        "store": {"url": store_url, "originals": originals},
        "conflicts": conflicts or {},
    }
    return parse_settings(raw, workspace)


def incoming(
    folder: str, name: str = "客户档案.xlsx", data: bytes | None = None, at: datetime = NOW
) -> IncomingFile:
    data = data if data is not None else f"{folder}/{name}/{at.isoformat()}".encode()
    return IncomingFile(
        path=Path("/inbox") / folder / name,
        folder=folder,
        relative=f"{folder}/{name}",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=at,
        data=data,
    )


def cells(sheet_row: int, keys: Sequence[str]) -> dict[str, str]:
    return {key: cell_address(sheet_row, col) for col, key in enumerate(keys, start=1)}


def customer(row: int, phone: str, **values: Any) -> Record:
    """A validated 客户档案 row (data rows start at sheet row 5)."""
    base: dict[str, Any] = dict.fromkeys(CUSTOMER_COLUMNS)
    base.update(
        name="张三",
        phone=phone,
        county="湄潭县",
        township="永兴镇",
        grade="B",
        registered_on=date(2026, 11, 3),
        consultant="李四",
    )
    base.update(values)
    return Record("客户档案", row + 4, base, cells(row + 4, CUSTOMER_COLUMNS))


def followup(row: int, phone: str, **values: Any) -> Record:
    base: dict[str, Any] = {
        "phone": phone,
        "date": date(2026, 11, 10),
        "method": "电话",
        "content": "电话沟通，意向湄江府",
        "grade_after": None,
        "next_date": None,
        "staff": "李四",
    }
    base.update(values)
    return Record("跟进记录", row + 1, base, cells(row + 1, FOLLOW_UP_COLUMNS))


def customers_batch(
    branch: str,
    customers: Sequence[Record] = (),
    followups: Sequence[Record] = (),
    issues: Sequence[Issue] = (),
) -> ValidatedBatch:
    return ValidatedBatch(
        kind="customers",
        branch=branch,
        period=None,
        reporter="王五",
        values={"branch": branch, "reporter": "王五"},
        tables={"customers": tuple(customers), "followups": tuple(followups)},
        issues=tuple(issues),
    )


def drop(
    archive: Archive,
    batch: ValidatedBatch,
    at: datetime = NOW,
    name: str = "客户档案.xlsx",
    status: str = "accepted",
    data: bytes | None = None,
    protection_days: int = 90,
) -> ArchiveResult:
    """Keep the bytes and record the drop, as the pipeline does."""
    incoming_file = incoming(batch.branch, name, data, at)
    original = archive.keep_original(incoming_file)
    return archive.record(
        incoming_file,
        batch,
        status,
        batch.issues,
        at,
        protection_days,
        original,
    )
