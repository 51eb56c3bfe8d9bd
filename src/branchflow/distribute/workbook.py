"""分中心档案-<分中心>.xlsx as a branch receives it in 下发/: its own customers in full, with
保护期至, the follow-ups due soon, its 撞单 (the other branch's customer masked), the month's
receipts, and a 来电查询 sheet to look a caller up by phone.

Nothing of another branch's customers goes in: customers are the ones the branch owns, follow-ups
those it made on them (or on phones nobody has registered yet), 撞单 show the masked phone only
and the customer's name only when the branch is the owner. Every string is written as a string
(strings_to_formulas off): staff text that looks like a formula stays text.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from branchflow.archive.protection import extending, protected_since, protection_end, rule_text
from branchflow.archive.results import LedgerEntry
from branchflow.archive.store import Archive
from branchflow.config import Protection, Settings
from branchflow.distribute.place import FINGERPRINT_PROPERTY, STAMP_PREFIX, fingerprint
from branchflow.export import BRANCH_PREFIX, CUSTOMER_COLUMNS, FOLLOWUP_COLUMNS, RESOLUTIONS
from branchflow.exportcells import Column, cell_value
from branchflow.reports.figures import CLOSED_STATUSES
from branchflow.reports.periods import Month
from branchflow.templates.definitions import KIND_NAMES
from branchflow.templates.xlsx import WORKBOOK_OPTIONS

FORMAT = 1  # bump when the layout changes, so every branch gets the new layout once
LOOKUP, CUSTOMERS, DUE, FOLLOWUPS, CONFLICTS, RECEIPTS = (
    "来电查询",
    "本分中心客户",
    "近期待跟进",
    "跟进记录",
    "撞单记录",
    "本月回执",
)
OUTCOMES = {"accepted": "已接收", "rejected": "已退回", "duplicate": "重复件"}
ROLES = {True: "本分中心为归属方", False: "本分中心为提交方"}

_OWN = tuple(c for c in CUSTOMER_COLUMNS if c.key not in ("owner_branch", "updated_at"))
CUSTOMER_SHEET = (
    *_OWN[:-1],
    Column("protected_until", "保护期至", "date", 12),
    Column("last_date", "最近跟进", "date", 12),
    Column("next_date", "下次跟进", "date", 12),
    Column("updated_at", "最近更新", "datetime", 17),
    _OWN[-1],
)
DUE_SHEET = (
    Column("next_date", "下次跟进日期", "date", 13),
    Column("when", "到期", width=10),
    Column("name", "客户姓名", width=10),
    Column("phone", "手机号码", width=14),
    Column("grade", "客户等级", width=8),
    Column("status", "状态", width=8),
    Column("project", "意向项目", width=18),
    Column("last_date", "最近跟进日期", "date", 13),
    Column("method", "最近跟进方式", width=12),
    Column("content", "最近跟进内容", width=40),
    Column("staff", "跟进人", width=10),
)
FOLLOWUP_SHEET = tuple(c for c in FOLLOWUP_COLUMNS if c.key != "branch")
CONFLICT_SHEET = (
    Column("masked_phone", "手机号码(前三后四)", width=18),
    Column("name", "客户姓名(本分中心客户)", width=14),
    Column("role", "本分中心是", width=16),
    Column("other", "对方分中心", width=14),
    Column("our_registration", "本分中心登记日期", "date", 15),
    Column("detected_at", "发现时间", "datetime", 17),
    Column("within_protection", "在保护期内", "flag", 11),
    Column("resolution", "处理结果", width=12, labels=RESOLUTIONS),
)
RECEIPT_SHEET = (
    Column("received_at", "收到时间", "datetime", 17),
    Column("name", "文件名", width=30),
    Column("kind", "报表", width=22),
    Column("period", "报告期", width=10),
    Column("status", "结果", width=8),
    Column("rows", "行数", "number", 7),
    Column("errors", "错误", "number", 7),
    Column("warnings", "提醒", "number", 7),
    Column("receipt", "回执", width=40),
)
# 来电查询: what the lookup shows, from which column of 本分中心客户
LOOKUP_FIELDS = (
    ("客户姓名", "name"),
    ("客户等级", "grade"),
    ("状态", "status"),
    ("意向项目", "project"),
    ("置业顾问", "consultant"),
    ("登记日期", "registered_on"),
    ("保护期至", "protected_until"),
    ("最近跟进", "last_date"),
    ("下次跟进", "next_date"),
)


PROMPT = "请在上面黄色格子里输入手机号码"
DATE_FIELDS = frozenset({"registered_on", "protected_until", "last_date", "next_date"})


def file_name(branch: str) -> str:
    return f"{BRANCH_PREFIX}{branch}.xlsx"


@dataclass(frozen=True)
class SheetData:
    name: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]  # cell values as the writer takes them


@dataclass(frozen=True)
class BranchBook:
    """Everything one branch's workbook shows, as cell values."""

    branch: str
    month: Month
    today: date
    due_days: int
    protection: Protection
    sheets: tuple[SheetData, ...]

    @property
    def content(self) -> str:
        """The fingerprint of what the workbook says (not when it was made)."""
        rule = self.protection
        extension = (list(rule.extend_on), rule.extend_days) if rule.extends else ()
        return fingerprint(
            FORMAT,
            self.branch,
            self.due_days,
            rule.days,
            *extension,
            [(s.name, s.rows) for s in self.sheets],
        )

    @property
    def holds_anything(self) -> bool:
        return any(self.count(name) for name in (CUSTOMERS, FOLLOWUPS, CONFLICTS, RECEIPTS))

    def count(self, sheet: str) -> int:
        return next(len(s.rows) for s in self.sheets if s.name == sheet)

    def summary(self) -> str:
        """One line for 下发说明.txt."""
        return (
            f"本分中心名下客户 {self.count(CUSTOMERS)} 人（含保护期至、最近和下次跟进）；"
            f"{self.due_days} 天内到期或已逾期的跟进 {self.count(DUE)} 人；"
            f"撞单 {self.count(CONFLICTS)} 条；{self.month.label}回执 {self.count(RECEIPTS)} 份；"
            f"第一页“{LOOKUP}”可按手机号查客户"
        )


def branch_book(
    settings: Settings,
    archive: Archive,
    ledger: Iterable[LedgerEntry],
    branch: str,
    month: Month,
    today: date,
) -> BranchBook:
    """The branch's workbook as of `today`: its own customers, follow-ups and 撞单 read from the
    archive (this branch's only, never the whole archive)."""
    own = archive.customers(branch)
    ids = {c["id"] for c in own}
    visits = sorted(
        (
            f
            for f in archive.followups(branch)
            if f["customer_id"] is None or f["customer_id"] in ids
        ),
        key=lambda f: (f["date"], f["id"]),
    )
    last = {f["customer_id"]: f for f in visits if f["customer_id"] is not None}
    rule = settings.protection
    extending_visits: dict[int, list[date]] = defaultdict(list)
    for f in visits:
        if f["customer_id"] is not None and extending(f, branch, rule):
            extending_visits[f["customer_id"]].append(f["date"])
    people = [_customer(c, last.get(c["id"]), extending_visits, rule) for c in own]
    due = _due(people, today, settings.distribution.due_days)
    mine = archive.conflicts(branch)
    names = {c["id"]: c["name"] for c in own}
    receipts = [e for e in ledger if e.folder == branch and _in(month, e.received_at, settings)]
    sheets = (
        _sheet(CUSTOMERS, CUSTOMER_SHEET, people),
        _sheet(DUE, DUE_SHEET, due),
        _sheet(FOLLOWUPS, FOLLOWUP_SHEET, visits),
        _sheet(CONFLICTS, CONFLICT_SHEET, [_conflict(c, branch, names) for c in mine]),
        _sheet(RECEIPTS, RECEIPT_SHEET, [_receipt(e) for e in receipts]),
    )
    return BranchBook(branch, month, today, settings.distribution.due_days, rule, sheets)


def _customer(
    customer: Mapping[str, Any],
    last: Mapping[str, Any] | None,
    visits: Mapping[int, list[date]],
    rule: Protection,
) -> dict:
    end = protection_end(protected_since(customer), visits.get(customer["id"], ()), rule)
    return {
        **customer,
        "protected_until": end,
        "last_date": last["date"] if last else None,
        "next_date": last["next_date"] if last else None,
        "_last": last,
    }


def _due(people: Sequence[Mapping[str, Any]], today: date, days: int) -> list[dict[str, Any]]:
    """Customers whose next follow-up falls within `days` days, or is past with none since."""
    horizon = today + timedelta(days=days)
    rows = []
    for person in people:
        nxt, last = person["next_date"], person["_last"]
        if nxt is None or last is None or nxt > horizon or person["status"] in CLOSED_STATUSES:
            continue
        left = (nxt - today).days
        when = "今天" if left == 0 else f"还有 {left} 天" if left > 0 else f"逾期 {-left} 天"
        rows.append(
            {
                **person,
                "when": when,
                "method": last["method"],
                "content": last["content"],
                "staff": last["staff"],
            }
        )
    return sorted(rows, key=lambda r: (r["next_date"], r["name"] or ""))


def _conflict(
    conflict: Mapping[str, Any], branch: str, names: Mapping[int, str | None]
) -> dict[str, Any]:
    owner = conflict["owner_branch"] == branch
    return {
        "masked_phone": conflict["masked_phone"],
        "name": names.get(conflict["customer_id"]) if owner else None,
        "role": ROLES[owner],
        "other": conflict["claimant_branch"] if owner else conflict["owner_branch"],
        "our_registration": conflict["owner_registered_on" if owner else "claimant_registered_on"],
        "detected_at": conflict["detected_at"],
        "within_protection": conflict["within_protection"],
        "resolution": conflict["resolution"],
    }


def _receipt(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "received_at": entry.received_at,
        "name": entry.original_name or entry.relative.rsplit("/", 1)[-1],
        "kind": KIND_NAMES.get(entry.kind, entry.kind),
        "period": entry.period,
        "status": OUTCOMES.get(entry.status, entry.status),
        "rows": entry.rows,
        "errors": entry.errors,
        "warnings": entry.warnings,
        "receipt": entry.receipt_path.replace("\\", "/").rsplit("/", 1)[-1]
        if entry.receipt_path
        else None,
    }


def _in(month: Month, moment: datetime, settings: Settings) -> bool:
    return month.holds(moment.astimezone(settings.timezone).date())


def _sheet(name: str, columns: tuple[Column, ...], rows: Iterable[Mapping[str, Any]]) -> SheetData:
    cells = tuple(tuple(cell_value(c, row.get(c.key)) for c in columns) for row in rows)
    return SheetData(name, columns, cells)


# ── writing ─────────────────────────────────────────────────────────────────────────────────


def write_book(book: BranchBook, company: str, now: datetime) -> bytes:
    """The workbook's bytes, its fingerprint stored inside."""
    out = io.BytesIO()
    options = {**WORKBOOK_OPTIONS, "in_memory": True}
    with Workbook(out, options) as workbook:
        workbook.set_properties(
            {
                "title": f"分中心档案（{book.branch}）",
                "author": "branchflow",
                "company": company,
                "created": now.replace(tzinfo=None),
            }
        )
        workbook.set_custom_property(FINGERPRINT_PROPERTY, STAMP_PREFIX + book.content, "text")
        writer = _Writer(workbook)
        writer.lookup(book, now)
        for sheet in book.sheets:
            writer.table(sheet)
    return out.getvalue()


class _Writer:
    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.head = workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "vcenter"}
        )
        self.text = workbook.add_format({"num_format": "@"})
        self.day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    def table(self, sheet: SheetData) -> None:
        ws = self.workbook.add_worksheet(sheet.name)
        for col, column in enumerate(sheet.columns):
            ws.write_string(0, col, column.title, self.head)
            fmt = {"date": self.day, "datetime": self.moment}.get(column.kind, self.text)
            ws.set_column(col, col, column.width, fmt)
        for r, row in enumerate(sheet.rows, start=1):
            for col, value in enumerate(row):
                self._cell(ws, r, col, value, sheet.columns[col])
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(1, len(sheet.rows)), len(sheet.columns) - 1)

    def _cell(self, ws: Worksheet, row: int, col: int, value: Any, column: Column) -> None:
        if value is None:
            return
        if isinstance(value, str):
            ws.write_string(row, col, value)
        elif isinstance(value, datetime | date):
            ws.write_datetime(
                row, col, value, self.moment if column.kind == "datetime" else self.day
            )
        else:
            ws.write_number(row, col, value)

    def lookup(self, book: BranchBook, now: datetime) -> None:
        """来电查询: type a phone number, see whether and how the caller is this branch's."""
        ws = self.workbook.add_worksheet(LOOKUP)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 60)
        big = self.workbook.add_format({"bold": True, "font_size": 14})
        label = self.workbook.add_format({"bold": True, "align": "right"})
        entry = self.workbook.add_format({"num_format": "@", "bg_color": "#FFF2CC", "border": 1})
        ws.write_string(0, 0, f"{book.branch} 来电查询：输入手机号码，看是不是本分中心的客户", big)
        ws.write_string(2, 0, "手机号码：", label)
        ws.write_blank(2, 1, None, entry)
        ws.activate()
        columns = [c.key for c in CUSTOMER_SHEET]
        phones = _range(columns.index("phone"))
        key = 'SUBSTITUTE(SUBSTITUTE(TRIM($B$3)," ",""),"-","")'
        found = f"MATCH({key},{phones},0)"
        ws.write_string(4, 0, "查询结果：", label)
        # The cached results are what a program that does not recalculate on opening shows.
        ws.write_formula(
            4,
            1,
            f'=IF($B$3="","{PROMPT}",IF(ISNUMBER({found}),"本分中心的客户",'
            '"不是本分中心名下的客户（新客户请登记；如已由其他分中心登记，报送后系统会判定撞单）"))',
            None,
            PROMPT,
        )
        for row, (title, field) in enumerate(LOOKUP_FIELDS, start=5):
            value = f"INDEX({_range(columns.index(field))},{found})"
            fmt = self.day if field in DATE_FIELDS else None
            ws.write_string(row, 0, f"{title}：", label)
            ws.write_formula(row, 1, f'=IFERROR(IF({value}="","",{value}),"")', fmt, "")
        notes = (
            f"本工作簿只含{book.branch}名下的客户（客户总档案中归属本分中心的），共 "
            f"{book.count(CUSTOMERS)} 人；其他分中心的客户不在其中。",
            f"保护期至 = 本分中心取得该客户之日起 {rule_text(book.protection)}（每次顺延到该次"
            "跟进日期之后，取较晚者）；期内其他分中心再报送同一客户为撞单，客户仍归本分中心。"
            if book.protection.extends
            else f"保护期至 = 本分中心取得该客户之日起 {book.protection.days} 天；期内其他分中心"
            "再报送同一客户为撞单，客户仍归本分中心。",
            f"“{DUE}”列出截至 {book.today:%Y-%m-%d} 已逾期和 {book.due_days} 天内到期的下次跟进。",
            f"由 branchflow 于 {now:%Y-%m-%d %H:%M} 根据档案生成；档案有变化时自动更新。",
        )
        for row, text in enumerate(notes, start=6 + len(LOOKUP_FIELDS)):
            ws.write_string(row, 0, text)


def _range(col: int) -> str:
    letter = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letter = chr(65 + rest) + letter
    return f"'{CUSTOMERS}'!${letter}:${letter}"
