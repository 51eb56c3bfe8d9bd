"""Receipts, annotated rejection copies and duplicate notes, read back the way staff see them."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import xlsxwriter
from openpyxl.comments import Comment

from branchflow import feedback
from branchflow.annotate import AUTHOR, ERROR_FILL, ISSUE_SHEET, WARNING_FILL
from branchflow.archive.results import ArchiveResult, Conflict, LedgerEntry
from branchflow.config import Limits
from branchflow.feedback import (
    safe_file_part,
    write_duplicate,
    write_receipt,
    write_rejection,
)
from branchflow.intake import IncomingFile
from branchflow.validate.batch import Record, ValidatedBatch
from branchflow.validate.codes import make_issue
from branchflow.validate.issues import Issue
from builders import zip_bytes

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 9, 30, 5, tzinfo=TZ)
HYPERLINK_TEXT = '=HYPERLINK("http://x","点我")'
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def staff_workbook() -> bytes:
    """A 客户档案 as staff fill it: float phones, a text cell that looks like a formula, a real
    formula of their own, merged 户籍乡镇, an extra column and a comment of their own."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "客户档案"
    sheet.append(["分中心：", "东莞分中心", "填报人：", "罗明"])
    sheet.append([])
    sheet.append(["客户姓名*", "手机号码*", "户籍县(市、区)*", "户籍乡镇*", "备注", "我的记号"])
    sheet.append(["王强", 13812345678.0, "湄潭县", "永兴镇", None, "老乡"])
    sheet.append(["李芳", 1381234567.0, "湄潭县", None, None, "=1+1"])
    sheet.append(["张伟", 13987654321.0, "湄潭县", None, "见链接", None])
    sheet.merge_cells("D5:D6")
    sheet["D5"] = "兴隆镇"
    sheet["E4"] = HYPERLINK_TEXT
    sheet["E4"].data_type = "s"  # typed as text in Excel: must stay text in the copy
    sheet["A4"].comment = Comment("老客户，去年登记过", "罗明")
    follow = book.create_sheet("跟进记录")
    follow.append(["手机号码*", "跟进日期*", "跟进方式*", "跟进内容*", "跟进人*"])
    follow.append(["13812345678", date(2026, 11, 2), "电话", "约看房 & 问价 <急>", "罗明"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def incoming(
    tmp_path: Path, data: bytes, name: str = "客户档案 11月.xlsx", **kw: Any
) -> IncomingFile:
    path = tmp_path / "inbox" / "东莞分中心" / name
    return IncomingFile(
        path=path,
        folder="东莞分中心",
        relative=f"东莞分中心/{name}",
        size=len(data),
        sha256="0" * 64,
        received_at=NOW,
        data=data,
        **kw,
    )


HOSTILE = '=cmd|" /C calc"!A0 & <b>请改</b>'
ISSUES = (
    Issue("phone.invalid", "手机号码不是 11 位：请核对", "客户档案", "B5", "手机号码"),
    Issue("merge.value", "合并单元格的值已用于每一行", "客户档案", "D6", "户籍乡镇", "warning"),
    Issue("township.unknown", HOSTILE, "客户档案", "D6", "+户籍乡镇"),
    Issue("column.missing", "缺少必填列“登记日期”：请加上这一列", "客户档案", "", "-登记日期"),
    Issue("sheet.missing", "找不到工作表“月度”", "月度", "", "@表"),
    Issue("file.version", "模板版本较旧：下次请用新模板", severity="warning"),
    Issue("followup.content", "跟进内容太短", "跟进记录", "D2", "跟进内容", "warning"),
)


@pytest.fixture
def rejection(tmp_path: Path) -> Path:
    receipts = tmp_path / "inbox" / "东莞分中心" / "回执"
    return write_rejection(receipts, incoming(tmp_path, staff_workbook()), ISSUES, NOW)


def sheet_xml(path: Path) -> dict[str, ElementTree.Element]:
    """Sheet name → parsed worksheet XML, following workbook.xml and its relationships."""
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        found = {}
        for sheet in book.iterfind("m:sheets/m:sheet", NS):
            target = targets[sheet.get(REL_NS)].lstrip("/")
            part = target if target.startswith("xl/") else f"xl/{target}"
            found[sheet.get("name", "")] = ElementTree.fromstring(archive.read(part))
        return found


def formula_cells(path: Path) -> dict[str, set[str]]:
    """Sheet name → the cells that hold an <f> element."""
    return {
        name: {c.get("r", "") for c in xml.iterfind(".//m:c", NS) if c.find("m:f", NS) is not None}
        for name, xml in sheet_xml(path).items()
    }


def listed(path: Path) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(path)[ISSUE_SHEET]
    rows = list(sheet.iter_rows(min_row=2, max_col=6, values_only=True))
    return [row for row in rows if isinstance(row[0], int)]


def test_rejection_copy_lists_every_issue_first(rejection: Path) -> None:
    assert rejection.name == "退回-客户档案 11月-20261126-093005.xlsx"
    book = openpyxl.load_workbook(rejection)
    assert book.sheetnames == [ISSUE_SHEET, "客户档案", "跟进记录"]
    assert book.active.title == ISSUE_SHEET
    assert [c.value for c in book[ISSUE_SHEET][1]] == [
        "序号",
        "工作表",
        "单元格",
        "栏目",
        "问题及修改方法",
        "级别",
    ]
    assert [(n, s, c, f, level) for n, s, c, f, _, level in listed(rejection)] == [
        (1, "月度", None, "@表", "错误"),
        (2, "客户档案", None, "-登记日期", "错误"),
        (3, "客户档案", "B5", "手机号码", "错误"),
        (4, "客户档案", "D6", "+户籍乡镇", "错误"),
        (5, "（整个文件）", None, None, "提醒"),
        (6, "客户档案", "D6", "户籍乡镇", "提醒"),
        (7, "跟进记录", "D2", "跟进内容", "提醒"),
    ]
    assert listed(rejection)[3][4] == HOSTILE  # & < > and a leading "=" survive as text
    assert not any(s.sheet_view.tabSelected for s in book.worksheets[1:])


def test_bad_cells_are_filled_and_commented(rejection: Path) -> None:
    book = openpyxl.load_workbook(rejection)
    customers = book["客户档案"]
    phone = customers["B5"]
    assert phone.fill.fgColor.rgb == ERROR_FILL
    assert phone.comment.author == AUTHOR
    assert "手机号码不是 11 位" in phone.comment.text
    # D6 lies in the merge D5:D6, so its mark sits on D5; an error there outranks the warning.
    township = customers["D5"]
    assert township.fill.fgColor.rgb == ERROR_FILL
    assert HOSTILE in township.comment.text
    assert "合并单元格" in township.comment.text
    assert book["跟进记录"]["D2"].fill.fgColor.rgb == WARNING_FILL
    assert customers["A4"].comment.text == "老客户，去年登记过"  # staff's own comment untouched
    assert customers["C5"].comment is None
    link = book[ISSUE_SHEET]["C4"].hyperlink  # row of issue 3 (B5)
    assert link.location == "'客户档案'!B5"


def test_copy_keeps_staff_data_and_writes_no_formula_of_ours(rejection: Path) -> None:
    book = openpyxl.load_workbook(rejection)
    customers = book["客户档案"]
    assert customers["B4"].value == 13812345678.0
    assert customers["E4"].value == HYPERLINK_TEXT
    assert customers["E4"].data_type == "s"
    assert book["跟进记录"]["D2"].value == "约看房 & 问价 <急>"
    # Only the staff's own real formula is a formula; every string we wrote is text.
    assert formula_cells(rejection) == {ISSUE_SHEET: set(), "客户档案": {"F5"}, "跟进记录": set()}


def test_shared_string_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    """Excel stores text in the shared-string table; XlsxWriter does the same here."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"strings_to_formulas": False})
    sheet = book.add_worksheet("客户档案")
    sheet.write_string(0, 0, HYPERLINK_TEXT)
    sheet.write_string(0, 1, "@SUM(A1)")
    book.close()
    issue = Issue("x", "请改", "客户档案", "A1", "备注")
    path = write_rejection(tmp_path / "回执", incoming(tmp_path, out.getvalue()), [issue], NOW)
    copy = openpyxl.load_workbook(path)["客户档案"]
    assert (copy["A1"].value, copy["B1"].value) == (HYPERLINK_TEXT, "@SUM(A1)")
    assert formula_cells(path)["客户档案"] == set()


def test_a_returned_copy_dropped_again_is_marked_afresh(tmp_path: Path, rejection: Path) -> None:
    again = incoming(tmp_path, rejection.read_bytes(), name="退回-客户档案 11月.xlsx")
    issue = Issue("grade.invalid", "客户等级只能填 A/B/C/D", "客户档案", "C4", "客户等级")
    path = write_rejection(rejection.parent, again, [issue], NOW)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [ISSUE_SHEET, "客户档案", "跟进记录"]
    assert [row[2] for row in listed(path)] == ["C4"]
    customers = book["客户档案"]
    assert customers["B5"].comment is None  # the old mark is gone
    assert customers["B5"].fill.fgColor.rgb != ERROR_FILL
    assert customers["C4"].fill.fgColor.rgb == ERROR_FILL
    assert customers["A4"].comment.text == "老客户，去年登记过"


def test_cell_comment_keeps_the_staff_comment_below_ours(tmp_path: Path) -> None:
    issue = Issue("name.x", "姓名有误", "客户档案", "A4", "客户姓名")
    path = write_rejection(tmp_path, incoming(tmp_path, staff_workbook()), [issue], NOW)
    text = openpyxl.load_workbook(path)["客户档案"]["A4"].comment.text
    assert text.index("姓名有误") < text.index("老客户，去年登记过")


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert re.search(rb"(?<!\r)\n", raw) is None  # CRLF only, for Notepad
    return raw.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"just some text", "客户档案.xlsx", "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "客户档案.xls", "已损坏"),
        (zip_bytes({"xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"1"}), "a.xlsx", "宏"),
        (zip_bytes({"xl/workbook.xml": b"not xml at all"}), "客户档案.xlsx", "已损坏"),
    ],
)
def test_unreadable_files_get_a_text_answer(
    tmp_path: Path, data: bytes, name: str, expected: str
) -> None:
    issue = Issue("file.damaged", "无法读取")
    path = write_rejection(tmp_path / "回执", incoming(tmp_path, data, name=name), [issue], NOW)
    assert path.name == f"退回-{name}-20261126-093005.txt"
    text = read_text(path)
    assert expected in text
    assert "无法读取" in text
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind


def test_zip_bomb_is_not_opened(tmp_path: Path) -> None:
    bomb = zip_bytes({"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * 11 * 2**20})
    limits = Limits(max_compression_ratio=50)
    path = write_rejection(tmp_path, incoming(tmp_path, bomb), [], NOW, limits=limits)
    assert "异常巨大" in read_text(path)


def test_huge_workbook_gets_a_text_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedback, "MAX_COPY_UNPACKED", 1000)
    issue = Issue("phone.invalid", "手机号码不是 11 位", "客户档案", "B5", "手机号码")
    text = read_text(write_rejection(tmp_path, incoming(tmp_path, staff_workbook()), [issue], NOW))
    assert "没有生成标注副本" in text
    assert "1. 客户档案!B5 手机号码：手机号码不是 11 位" in text


def test_file_refused_at_intake_is_explained_not_opened(tmp_path: Path) -> None:
    problem = Issue("file.macro", "含宏的工作簿不予接收：请另存为 .xlsx")
    drop = incoming(tmp_path, staff_workbook(), name="客户档案.xlsm", problem=problem)
    text = read_text(write_rejection(tmp_path, drop, [problem], NOW))
    assert text.count("含宏的工作簿不予接收") == 1
    assert "问题明细" not in text


def batch(kind: str = "customers", **tables: int) -> ValidatedBatch:
    records = {
        key: tuple(Record("客户档案", 5 + i, {}) for i in range(count))
        for key, count in tables.items()
    }
    warning = Issue(
        "merge.value", "合并单元格已拆到每一行", "客户档案", "F8", "户籍乡镇", "warning"
    )
    return ValidatedBatch(kind, "东莞分中心", "2026-11", "罗明", {}, records, (warning,))


def test_receipt_counts_conflicts_and_warnings(tmp_path: Path) -> None:
    conflict = Conflict("138****5678", "深圳分中心", "东莞分中心", "客户档案!C9", True)
    masked = Issue(
        "phone.masked", "手机号码已打码，按前三后四匹配", "客户档案", "C7", "手机号码", "warning"
    )
    result = ArchiveResult(1, "accepted", 3, 2, 5, 4, 1, (conflict,), (masked,))
    drop = incoming(tmp_path, b"x", name="../客户:档案?.xlsx")
    path = write_receipt(tmp_path / "回执", drop, batch(customers=10), result, NOW)
    assert path.name == "回执-客户_档案_-20261126-093005.txt"
    text = read_text(path)
    for expected in (
        "客户:档案?.xlsx",
        "2026-11-26 09:30",
        "客户档案",
        "2026-11",
        "新增 3 位，更新 2 位，未变 5 位",
        "新增 4 条，此前已收到 1 条",
        "客户档案!C9：手机号 138****5678 已由深圳分中心登记，仍在保护期内，归属不变。",
        "客户档案!F8 户籍乡镇：合并单元格已拆到每一行",
        "客户档案!C7 手机号码：手机号码已打码",
    ):
        assert expected in text
    assert "提醒（共 2 条" in text


def test_receipt_uses_the_archive_conflict_warning_once(tmp_path: Path) -> None:
    conflict = Conflict("138****5678", "深圳分中心", "东莞分中心", "客户档案!C9", False)
    said = "撞单：手机号 138****5678 的客户原由深圳分中心登记，已超过 90 天保护期，现归属本分中心"
    warning = Issue("conflict.transferred", said, "客户档案", "C9", "手机号码", "warning")
    result = ArchiveResult(1, "accepted", conflicts=(conflict,), issues=(warning,))
    text = read_text(write_receipt(tmp_path, incoming(tmp_path, b"x"), batch(), result, NOW))
    assert text.count(said) == 1
    assert f"客户档案!C9：{said}" in text
    assert "提醒（共 1 条" in text  # only the batch's own warning is left there


def test_receipt_for_other_kinds_counts_rows_per_table(tmp_path: Path) -> None:
    result = ArchiveResult(2, "accepted")
    monthly = batch("monthly", kpis=14, plan=3, merchants=2)
    text = read_text(write_receipt(tmp_path, incoming(tmp_path, b"x"), monthly, result, NOW))
    assert "月度工作总结及下月工作计划" in text
    assert "本月指标：14 行" in text
    assert "下月工作计划：3 行" in text
    assert "招商商家：2 行" in text
    assert "以最后一次报送为准" in text


def test_two_answers_in_one_second_do_not_overwrite(tmp_path: Path) -> None:
    result = ArchiveResult(1, "accepted")
    drop = incoming(tmp_path, b"x")
    first = write_receipt(tmp_path, drop, batch(), result, NOW)
    second = write_receipt(tmp_path, drop, batch(), result, NOW)
    assert first != second
    assert second.name.endswith("-2.txt")


def test_duplicate_note(tmp_path: Path) -> None:
    earlier = datetime(2026, 11, 20, 14, 5, tzinfo=TZ)
    entry = LedgerEntry(
        7, "0" * 64, "东莞分中心", "东莞分中心/客户档案.xlsx", "customers", None, "accepted",
        earlier, "store/originals/x", True,
    )  # fmt: skip
    text = read_text(write_duplicate(tmp_path, incoming(tmp_path, b"x"), entry, NOW))
    assert "2026-11-20 14:05" in text
    assert "《客户档案.xlsx》" in text
    assert "未做任何更改" in text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("客户档案 11月", "客户档案 11月"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a\u202excod.exe", "a xcod.exe"),
        ("  ..  ", "文件"),
        ("con", "con"),
        ("x" * 100, "x" * 60),
    ],
)
def test_safe_file_part(raw: str, expected: str) -> None:
    assert safe_file_part(raw) == expected


def _corrections() -> tuple[Issue, ...]:
    def said(code: str, cell: str, field: str, **params: Any) -> Issue:
        return make_issue(code, "客户档案", cell, field, **params)

    return (
        said("enum.synonym", "Q5", "付款方式", value="公积金", canonical="公积金贷款"),
        said("enum.synonym", "B5", "性别", value="先生", canonical="男"),
        said("enum.synonym", "Q9", "付款方式", value="公积金", canonical="公积金贷款"),
        said("enum.synonym", "Q7", "付款方式", value="商贷", canonical="商业贷款"),
        said("enum.synonym", "Q12", "付款方式", value="公积金", canonical="公积金贷款"),
        said("enum.kept", "R6", "置业目的", value="投靠子女", choices="自住、养老"),
        *(
            said(
                "number.range", f"K{r}", "月收入", value="约6000", reading="约 6000 元/月", basis=""
            )
            for r in range(5, 13)
        ),
    )


def test_receipt_tells_each_correction_once_per_distinct_value(tmp_path: Path) -> None:
    told = ValidatedBatch("customers", "东莞分中心", "2026-11", "罗明", {}, {}, _corrections())
    result = ArchiveResult(1, "accepted", 4, 0, 0, 0, 0)
    text = read_text(
        write_receipt(tmp_path, incoming(tmp_path, b"x"), told, result, NOW, company="黔龙置业")
    )
    lines = text.splitlines()
    assert lines[0] == "【黔龙置业】文件已收到并入库，谢谢！"
    start = lines.index("已按标准写法登记（不影响入库，原文已留存）：")
    assert lines[start + 1 : start + 8] == [
        "  客户档案 · 性别：",
        "    “先生”已按“男”登记（1 处：B5）",
        "  客户档案 · 月收入：",
        "    “约6000”已按约 6000 元/月登记（8 处：K5、K6、K7、K8、K9 等）",
        "  客户档案 · 付款方式：",
        "    “公积金”已按“公积金贷款”登记（3 处：Q5、Q9、Q12）",
        "    “商贷”已按“商业贷款”登记（1 处：Q7）",
    ]
    kept = lines.index(feedback.KEPT_HEAD)
    assert lines[kept + 1 : kept + 3] == [
        "  客户档案 · 置业目的：",
        "    “投靠子女”不是置业目的的可选值，已按原文保存，统计时计入“其他”（可选：自住、养老）"
        "（1 处：R6）",
    ]
    assert "提醒（" not in text and "没有需要注意的地方" not in text


def test_only_a_receipt_with_nothing_to_tell_says_so(tmp_path: Path) -> None:
    quiet = ValidatedBatch("customers", "东莞分中心", "2026-11", "罗明", {}, {}, ())
    result = ArchiveResult(1, "accepted", 1)
    text = read_text(write_receipt(tmp_path, incoming(tmp_path, b"x"), quiet, result, NOW))
    assert text.startswith("【黔龙阳光地产营销中心】") and "没有需要注意的地方。" in text
    conflict = Conflict("138****5678", "深圳分中心", "东莞分中心", "客户档案!C9", True)
    busy = ArchiveResult(2, "accepted", conflicts=(conflict,))
    text = read_text(write_receipt(tmp_path, incoming(tmp_path, b"x"), quiet, busy, NOW))
    assert "撞单提醒" in text and "没有需要注意的地方" not in text


def test_every_answer_speaks_as_the_company(tmp_path: Path) -> None:
    entry = LedgerEntry(
        7, "0" * 64, "东莞分中心", "东莞分中心/客户档案.xlsx", "customers", None, "accepted",
        NOW, "store/originals/x", True,
    )  # fmt: skip
    note = write_duplicate(tmp_path, incoming(tmp_path, b"x"), entry, NOW, company="黔龙置业")
    assert read_text(note).startswith("【黔龙置业】重复文件")
    problem = Issue("file.not_excel", "这不是 Excel 工作簿")
    drop = incoming(tmp_path, b"\xff\xd8 not a workbook", name="照片.xlsx")
    back = write_rejection(tmp_path, drop, [problem], NOW, company="黔龙置业")
    assert read_text(back).startswith("【黔龙置业】文件未入库")
    for answer in tmp_path.iterdir():
        if answer.suffix == ".txt":
            assert "branchflow" not in read_text(answer)
