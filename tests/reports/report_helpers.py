"""Build a workspace with known drops, and read rendered Word documents back as text."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.oxml.ns import qn

from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, CONFIG_NAME, Settings, load_settings
from branchflow.pipeline import ingest
from branchflow.sample.fill import Filling, fill_template
from branchflow.templates.definitions import KPIS, TEMPLATES
from branchflow.workspace import create_workspace

A, B = "东莞分中心", "宁波分中心"
MEIJIANG, FENGGANG = "黔龙阳光·湄江府", "黔龙阳光·凤冈城"
COMPANY = '黔龙 & <阳光> "营销" 中心'  # every header and footer carries it: escaping test
TRICKY = 'A&B <推介会> "老乡" 5>3 & 2<4'
NOW = datetime(2026, 12, 1, 10, 0)  # documents are rendered after the month
FILED = datetime(2026, 11, 26, 9, 30)  # when the drops were ingested (and 撞单 detected)

# ── the test's own input: what the branches file ──────────────────────────────────────────


def customer(name: str, phone: str, county: str, township: str, grade: str, day: date,
             project: str, status: str = "意向") -> dict[str, Any]:  # fmt: skip
    return {
        "name": name, "phone": phone, "county": county, "township": township, "grade": grade,
        "registered_on": day, "project": project, "status": status, "consultant": "罗明",
        "unit_type": "三室两厅", "area": 120, "budget": 50,
    }  # fmt: skip


A_CUSTOMERS = [
    customer("张一", "13800138001", "湄潭县", "永兴镇", "A", date(2026, 11, 3), MEIJIANG),
    customer("张二", "13800138002", "湄潭县", "永兴镇", "B", date(2026, 11, 5), MEIJIANG),
    customer("张三", "13800138003", "凤冈县", "琊川镇", "C", date(2026, 11, 10), FENGGANG),
    customer("张四", "13800138004", "湄潭县", "复兴镇", "A", date(2026, 11, 12), MEIJIANG, "签约"),
    customer("张五", "13800138005", "湄潭县", "复兴镇", "B", date(2026, 10, 20), FENGGANG),
    customer("张六", "13800138006", "凤冈县", "进化镇", "B", date(2026, 10, 8), FENGGANG),
]
A_FOLLOWUPS = [
    {"phone": "13800138001", "date": date(2026, 11, 4), "method": "电话", "content": "约看房",
     "next_date": date(2026, 12, 10), "staff": "罗明"},
    {"phone": "13800138002", "date": date(2026, 11, 6), "method": "微信", "content": "发资料",
     "next_date": date(2026, 11, 20), "staff": "罗明"},
    {"phone": "13800138005", "date": date(2026, 10, 25), "method": "电话", "content": "回访",
     "next_date": date(2026, 11, 8), "staff": "田秀英"},
    {"phone": "13800138006", "date": date(2026, 10, 9), "method": "微信", "content": "发户型图",
     "next_date": date(2026, 10, 20), "staff": "罗明"},  # overdue by the 例会 on 11-03
]  # fmt: skip
B_CUSTOMERS = [
    customer("李一", "13900139001", "湄潭县", "永兴镇", "B", date(2026, 11, 8), MEIJIANG),
    customer("李二", "13800138001", "湄潭县", "永兴镇", "A", date(2026, 11, 15), MEIJIANG),  # 撞单
]
# What 东莞 reports for November: (target, actual) per KPI; the rest left empty
A_KPIS = {"新增登记客户": (10, 5), "有效客户(A+B)": (6, 4), "覆盖乡镇数": (4, 2), "跟进人次": (3, 2),
          "签约金额(万元)": (100, 60)}  # fmt: skip
A_PLAN = [
    {"item": "返乡推介会 & 看房团 <第1批>", "detail": TRICKY, "owner": "罗明",
     "due": date(2026, 12, 12), "involves": "市场策划部"},
]  # fmt: skip
A_MERCHANT = {"name": "黔味 & 餐饮 <有限公司>", "business": "餐饮", "contact": "杨先生",
              "phone": "13900001111", "project": FENGGANG, "area": 120, "progress": "已看资料"}  # fmt: skip
A_ACTIVITY = {"date": date(2026, 11, 14), "name": "东莞老乡推介会", "type": "推介会",
              "place": "东莞贵州老乡会", "participants": 80, "new_registrations": 11,
              "news": "11月14日推介会 & 看房 <报名>。"}  # fmt: skip


def archive_expected() -> dict[str, int]:
    """东莞's November figures, counted here from the lists above (not by branchflow)."""
    november = [c for c in A_CUSTOMERS if c["registered_on"].month == 11]
    return {
        "新增登记客户": len(november),
        "有效客户(A+B)": sum(c["grade"] in "AB" for c in A_CUSTOMERS),
        "覆盖乡镇数": len({(c["county"], c["township"]) for c in november}),
        "跟进人次": sum(f["date"].month == 11 for f in A_FOLLOWUPS),
    }


# ── building the workspace ────────────────────────────────────────────────────────────────


def make_workspace(root: Path, company: str = COMPANY, **config: str) -> Settings:
    create_workspace(root)
    path = root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    text = text.replace('name = "黔龙阳光地产营销中心"', f"name = '{company}'", 1)
    for key, value in config.items():
        text = re.sub(rf'^{key} = ".*"$', f'{key} = "{value}"', text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return at(load_settings(root), NOW)


def at(settings: Settings, moment: datetime) -> Settings:
    return dataclasses.replace(settings, now_override=moment.replace(tzinfo=settings.timezone))


def drop(settings: Settings, folder: str, name: str, filling: Filling) -> None:
    blank = settings.inbox / folder / BLANKS_DIR / f"{TEMPLATES[filling.kind].title}-{folder}.xlsx"
    (settings.inbox / folder / name).write_bytes(fill_template(blank, filling))


def file_everything(settings: Settings) -> None:
    """The month's drops of the test: 东莞 files everything, 宁波 only customers."""
    head = {"reporter": "罗明", "period": "2026-11"}
    drop(settings, A, "客户.xlsx", Filling("customers", {"branch": A, **head},
         {"customers": A_CUSTOMERS, "followups": A_FOLLOWUPS}))  # fmt: skip
    drop(settings, A, "11月总结.xlsx", monthly_filling(A, "2026-11", A_KPIS, TRICKY))
    drop(
        settings,
        A,
        "10月总结.xlsx",
        monthly_filling(A, "2026-10", {"新增登记客户": (8, 1)}, "十月"),
    )
    drop(settings, A, "市场.xlsx", market_filling(A))
    drop(settings, A, "周报.xlsx", Filling("weekly", {"branch": A, "reporter": "田秀英",
         "period": "2026-W46"}, {"activities": [A_ACTIVITY]}))  # fmt: skip
    drop(settings, settings.hq_folder, "简报.xlsx", briefing_filling(settings))
    filed = at(settings, FILED)
    with Archive.open(filed) as archive:
        ingest(filed, archive)
    drop(settings, B, "客户.xlsx", Filling("customers", {"branch": B, **head},
         {"customers": B_CUSTOMERS}))  # fmt: skip
    with Archive.open(filed) as archive:
        outcomes = ingest(filed, archive).outcomes
    assert all(o.status == "accepted" for o in outcomes), [o.as_json() for o in outcomes]


def monthly_filling(
    branch: str, period: str, kpis: dict[str, tuple[int, int]], main_work: str
) -> Filling:
    return Filling(
        "monthly",
        {"branch": branch, "reporter": "罗明", "period": period, "main_work": main_work,
         "problems": "客户资金未到位", "support": "请提供贷款政策说明"},
        {
            "kpis": [{"kpi": k, "target": t, "actual": a} for k, (t, a) in kpis.items()],
            "targets": [{"kpi": KPIS[0], "target": 12}],
            "plan": A_PLAN if period == "2026-11" else [
                {"item": "十一月走访工地", "owner": "冉海", "due": date(2026, 11, 20)}],
            "merchants": [A_MERCHANT] if period == "2026-11" else [],
        },
    )  # fmt: skip


def market_filling(branch: str) -> Filling:
    return Filling(
        "market",
        {"branch": branch, "reporter": "罗明", "period": "2026-11",
         "worker_scale": "约 3 万人", "intent_ratio": "约 18%", "competitors": "两家中介派单",
         "suggestions": "春节看房团"},
        {"sources": [{"county": "湄潭县", "township": "永兴镇", "estimate": 1800}]},
    )  # fmt: skip


def briefing_filling(settings: Settings) -> Filling:
    return Filling(
        "hq_briefing",
        {"branch": settings.hq_folder, "reporter": "销售管理部", "period": "2026-11",
         "sales_brief": "10月签约 86 套", "key_work": "邀约 A/B 类客户返乡看房"},
        {"nodes": [{"project": MEIJIANG, "node": "二期开盘", "date": date(2026, 11, 18)}],
         "properties": [{"project": MEIJIANG, "unit_type": "三室两厅", "available": 40}]},
    )  # fmt: skip


# ── reading documents back ────────────────────────────────────────────────────────────────


def open_doc(path: Path) -> Document:
    return docx.Document(str(path))


def paragraphs(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def tables(document: Document) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]


def table_with(document: Document, first_header: str) -> list[list[str]]:
    """The first table whose header row starts with `first_header`."""
    return next(t for t in tables(document) if t[0][0] == first_header)


def tables_with(document: Document, first_header: str) -> list[list[list[str]]]:
    return [t for t in tables(document) if t[0][0] == first_header]


def headers_footers(document: Document) -> tuple[str, str]:
    section = document.sections[0]
    head = "\n".join(p.text for p in section.header.paragraphs)
    foot = "\n".join(p.text for p in section.footer.paragraphs)
    return head, foot


def all_text(document: Document) -> str:
    cells = [c for t in tables(document) for row in t for c in row]
    return "\n".join([*paragraphs(document), *cells, *headers_footers(document)])


def headings(document: Document, level: int = 1) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def rows_of(table: Sequence[Sequence[str]]) -> list[list[str]]:
    """The data rows (without the header row)."""
    return [list(r) for r in table[1:]]


# ── what a reader must never see, and cells that must never wrap ──────────────────────────

TECHNICAL = [
    ("the config file", re.compile(r"branchflow\.toml")),
    ("the tool's name", re.compile(r"branchflow", re.IGNORECASE)),
    ("a workbook file name", re.compile(r"\.(xlsx|xlsm|xls|xlsb|ods|csv)\b", re.IGNORECASE)),
    ("a cell reference", re.compile(r"![A-Z]{1,3}\d+")),
    ("a week code", re.compile(r"W\d\d")),
]
UNBREAKABLE = re.compile(
    r"^(1\d{2}(\*{4}|\d{4})\d{4}"  # a mobile, masked or not
    r"|0\d{2,3}-\d{7,8}"  # a landline
    r"|\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?"  # a date (and time)
    r"|[-+]?\d+(\.\d+)?%?"  # a number or a percentage
    r"|[-+]?\d+(\.\d+)? / \d+)$"  # reported / counted
)


def technical_words(document: Document) -> list[str]:
    """What a department head would have to edit out before forwarding the document."""
    core = document.core_properties
    texts = [all_text(document), core.title, core.author, core.comments, core.last_modified_by]
    return [
        f"{what}: {found.group(0)!r}"
        for what, pattern in TECHNICAL
        for text in texts
        if (found := pattern.search(text or ""))
    ]


def text_units(text: str) -> int:
    """Width in half-em units: a CJK character counts 2, anything else 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrapped_cells(document: Document) -> list[str]:
    """Cells holding a phone, a date or a number whose column is narrower than that text set
    at the cell's font size (plus the cell's left and right margins)."""
    found = []
    for number, table in enumerate(document.tables):
        margins = _cell_margins(table)
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    size = _size_pt(paragraph)
                    for line in paragraph.text.split("\n"):
                        if not UNBREAKABLE.match(line.strip()):
                            continue
                        need = text_units(line.strip()) * size / 2 * 20 + margins  # twips
                        have = cell.width.twips if cell.width is not None else 0
                        if have < need:
                            found.append(f"table {number}: {line!r} needs {need:.0f}, has {have}")
    return found


def _size_pt(paragraph: Any) -> float:
    sizes = [r.font.size.pt for r in paragraph.runs if r.font.size is not None]
    style = paragraph.style
    while not sizes and style is not None:
        if style.font.size is not None:
            sizes.append(style.font.size.pt)
        style = style.base_style
    return max(sizes, default=10.5)


def _cell_margins(table: Any) -> int:
    margins = table._tbl.tblPr.find(qn("w:tblCellMar"))
    total = 0
    for side in ("left", "right"):
        found = margins.find(qn(f"w:{side}")) if margins is not None else None
        total += int(found.get(qn("w:w"))) if found is not None else 108
    return total


@dataclasses.dataclass(frozen=True)
class Rendered:
    settings: Settings
    month: list[Path]  # outbox/reports/2026-11/*.docx
    week: list[Path]  # outbox/reports/2026-W46/*.docx
    notes: list[str]
    books: list[Path] = dataclasses.field(default_factory=list)  # 2026-11/*.xlsx (lead lists)

    @classmethod
    def of(
        cls, settings: Settings, month: list[Path], week: list[Path], notes: list[str]
    ) -> Rendered:
        """render_period's answers: the month's documents apart from its workbooks."""
        documents = [p for p in month if p.suffix == ".docx"]
        books = [p for p in month if p.suffix == ".xlsx"]
        assert len(documents) + len(books) == len(month), month
        return cls(settings, documents, week, notes, books)

    def doc(self, name: str) -> Path:
        found = [p for p in (*self.month, *self.week) if p.name == name]
        assert found, f"{name} not rendered; have {[p.name for p in self.month]}"
        return found[0]
