"""A sample workspace where HQ, two departments and two branches have filed, built through the
real templates (filled with openpyxl as staff fill them) and the real pipeline."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from docx import Document

from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, DISTRIBUTION_DIR, Settings
from branchflow.pipeline import FileOutcome, ingest
from branchflow.sample.fill import Filling, fill_template
from branchflow.templates.definitions import TEMPLATES

A, B, C = "东莞分中心", "宁波分中心", "苏州分中心"
HQ, MARKET_DEPT, PROJECT_TEAM = "总部", "市场策划部", "湄江府营销部"
PERIOD = "2026-11"
A_PHONES = ("13800000001", "13800000002", "13800000003")
B_PHONES = ("13900000001", "13900000002")


def at(text: str, settings: Settings) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=settings.timezone)


def moment(settings: Settings, text: str) -> Settings:
    return dataclasses.replace(settings, now_override=at(text, settings))


def put(settings: Settings, folder: str, name: str, filling: Filling) -> Path:
    """A workbook filled from the folder's own pre-filled blank, dropped into the folder."""
    blank = settings.inbox / folder / BLANKS_DIR / f"{TEMPLATES[filling.kind].title}-{folder}.xlsx"
    path = settings.inbox / folder / name
    path.write_bytes(fill_template(blank, filling))
    return path


def run(settings: Settings, when: str) -> list[FileOutcome]:
    """Ingest what is waiting, as of `when`."""
    now = moment(settings, when)
    with Archive.open(now) as archive:
        return [o for o in ingest(now, archive).outcomes if o.status != "ignored"]


def customer(name: str, phone: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "phone": phone,
        "county": "湄潭县",
        "township": "永兴镇",
        "grade": "A",
        "registered_on": date(2026, 10, 20),
        "consultant": "罗明",
        **extra,
    }


def followup(phone: str, day: date, next_day: date) -> dict[str, Any]:
    return {
        "phone": phone,
        "date": day,
        "method": "电话",
        "content": "约春节返乡看房",
        "next_date": next_day,
        "staff": "罗明",
    }


def plan(owner: str, items: Iterable[tuple[str, str]], period: str = "2026-10") -> Filling:
    """A 部门月度工作计划: (工作事项, 需分中心配合) per row, due in the month planned."""
    rows = [
        {
            "item": item,
            "detail": f"{item}：请相关分中心配合",
            "due": date(2026, 11, 10 + n),
            "cooperation": ask,
            "projects": "黔龙阳光·湄江府",
            "contact": "李娜 13908510001",
        }
        for n, (item, ask) in enumerate(items)
    ]
    return Filling("dept_plan", {"branch": owner, "reporter": "张伟", "period": period},
                   {"items": rows})  # fmt: skip


def hq_briefing(settings: Settings) -> Filling:
    return Filling(
        "hq_briefing",
        {"branch": HQ, "reporter": "销售管理部", "period": PERIOD,
         "sales_brief": "10月签约 86 套 & 回款 4200 万元 <省外 21%>",
         "key_work": "邀约 A/B 类客户春节返乡看房"},
        {"nodes": [{"project": settings.project_names[0], "node": "二期开盘",
                    "date": date(2026, 11, 18), "note": "开盘当天 9.8 折"}],
         "properties": [{"project": settings.project_names[0], "unit_type": "三室两厅",
                         "area": "110–126㎡", "available": 40, "price_range": "4200–4800 元/㎡",
                         "offers": "返乡置业优惠 1 万元"}]},
    )  # fmt: skip


def file_everything(settings: Settings) -> None:
    """October's plans (for November), HQ's November briefing, two branches' customers (B
    submits one of A's customers: a 撞单 inside A's protection period)."""
    put(settings, MARKET_DEPT, "11月计划.xlsx",
        plan(MARKET_DEPT, [("全员推介会", "全部"), ("抖音直播看房", "东莞、宁波"),
                           ("样板间拍摄", "无")]))  # fmt: skip
    put(settings, PROJECT_TEAM, "计划.xlsx",
        plan(PROJECT_TEAM, [("返乡看房专车", "宁波分中心"), ("二期开盘", "各分中心")]))  # fmt: skip
    run(settings, "2026-10-27T10:00")
    put(settings, HQ, "简报.xlsx", hq_briefing(settings))
    rows = [customer(f"东莞客户{n}", p) for n, p in enumerate(A_PHONES)]
    rows[0]["name"] = '=HYPERLINK("http://x","点我")'  # staff text that looks like a formula
    visits = [followup(A_PHONES[1], date(2026, 10, 30), date(2026, 11, 12))]
    put(settings, A, "客户.xlsx", Filling("customers", {"branch": A, "reporter": "罗明"},
                                          {"customers": rows, "followups": visits}))  # fmt: skip
    run(settings, "2026-11-01T10:00")
    rows = [customer("宁波客户", B_PHONES[0]), customer("宁波客户2", B_PHONES[1]),
            customer("重复的客户", A_PHONES[2], registered_on=date(2026, 11, 2))]  # fmt: skip
    put(settings, B, "客户.xlsx", Filling("customers", {"branch": B, "reporter": "罗明"},
                                          {"customers": rows}))  # fmt: skip
    run(settings, "2026-11-03T09:00")


def folder(settings: Settings, branch: str, period: str = PERIOD) -> Path:
    return settings.inbox / branch / DISTRIBUTION_DIR / period


def texts(path: Path) -> str:
    """Every piece of text a branch can read in a placed file."""
    if path.suffix == ".docx":
        document = Document(str(path))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join(parts)
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return "\n".join(
            str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
            for v in row if v is not None
        )  # fmt: skip
    if path.suffix == ".pdf":
        return ""  # made from the .docx beside it, which is checked
    return path.read_text(encoding="utf-8-sig")


def stamps(path: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(path.iterdir())}


def core_identifier(path: Path) -> str:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        return package.read("docProps/core.xml").decode("utf-8")
