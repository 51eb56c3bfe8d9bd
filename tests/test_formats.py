"""End-to-end drops of every format staff save: files made by LibreOffice (tests/data/formats,
see make_fixtures.py there), by Excel's CSV export, by programs that leave formulas unsolved."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.pipeline import FileOutcome, ingest
from branchflow.workspace import create_workspace
from builders import CUSTOMER_HEADER, make_workbook

FORMATS = Path(__file__).parent / "data" / "formats"
BRANCH = "东莞分中心"
ROW = ("张三", "13812345678", "湄潭县", "永兴镇", "A", "2026-11-03", "罗明")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = create_workspace(tmp_path / "ws")
    return dataclasses.replace(
        base, now_override=datetime(2026, 11, 26, 9, 30, tzinfo=base.timezone)
    )


def drop(settings: Settings, name: str, data: bytes) -> FileOutcome:
    (settings.inbox / BRANCH / name).write_bytes(data)
    with Archive.open(settings) as archive:
        outcomes = [o for o in ingest(settings, archive).outcomes if o.status != "ignored"]
    assert len(outcomes) == 1
    return outcomes[0]


def phones(settings: Settings) -> dict[str, str]:
    book = openpyxl.load_workbook(settings.archive_dir / "客户总档案.xlsx", read_only=True)
    rows = list(book["客户总表"].values)
    header = rows[0]
    name, phone = header.index("客户姓名"), header.index("手机号码")
    return {str(r[phone]): str(r[name]) for r in rows[1:] if r[phone]}


def receipt(settings: Settings, outcome: FileOutcome) -> str:
    assert outcome.receipt
    return (settings.workspace / outcome.receipt).read_text("utf-8-sig")


@pytest.mark.parametrize("name", ["客户登记表.xls", "客户登记表.ods"])
def test_libreoffice_saved_workbooks_are_accepted(settings: Settings, name: str) -> None:
    outcome = drop(settings, name, (FORMATS / name).read_bytes())
    assert (outcome.status, outcome.kind, outcome.errors) == ("accepted", "customers", ())
    assert outcome.counts["new_customers"] == 3
    assert phones(settings) == {
        "13812345678": "张德明",
        "13912345679": "李秀兰",
        "13712345680": "王建国",
    }


@pytest.mark.parametrize("name", ["客户名单-gbk.csv", "客户名单-bom.csv"])
def test_csv_as_chinese_excel_saves_it_is_accepted_for_the_folder_branch(
    settings: Settings, name: str
) -> None:
    outcome = drop(settings, name, (FORMATS / name).read_bytes())
    assert (outcome.status, outcome.kind, outcome.errors) == ("accepted", "customers", ())
    assert outcome.counts["new_customers"] == 3
    assert "客户姓名" not in phones(settings)  # the header row is not a customer
    assert set(phones(settings).values()) == {"张德明", "李秀兰", "王建国"}
    assert any(w.code == "label.missing" for w in outcome.warnings)  # the folder names the branch


def test_tab_separated_utf8_csv(settings: Settings) -> None:
    text = "\t".join(CUSTOMER_HEADER) + "\r\n" + "\t".join(ROW) + "\r\n"
    outcome = drop(settings, "名单.csv", text.encode("utf-8"))
    assert (outcome.status, outcome.counts["new_customers"]) == ("accepted", 1)


def test_a_rejected_xls_is_answered_with_a_marked_xlsx_copy(settings: Settings) -> None:
    outcome = drop(settings, "客户登记表-错号.xls", (FORMATS / "客户登记表-错号.xls").read_bytes())
    assert outcome.status == "rejected"
    assert [(e.sheet, e.code) for e in outcome.errors] == [("客户档案", "phone.invalid")]
    copy = settings.workspace / str(outcome.receipt)
    assert copy.suffix == ".xlsx"
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames[0] == "错误清单"
    cell = book["客户档案"][outcome.errors[0].cell]
    assert cell.value == "1381234567" and cell.comment is not None
    assert "11 位手机号" in cell.comment.text


def test_an_encrypted_workbook_gets_its_own_message(settings: Settings) -> None:
    outcome = drop(settings, "客户档案.xlsx", (FORMATS / "加密.xlsx").read_bytes())
    assert [e.code for e in outcome.errors] == ["file.encrypted"]
    assert "密码" in receipt(settings, outcome) and ".xls" not in outcome.errors[0].message


def test_a_wps_et_file_is_told_how_to_save_as_xlsx(settings: Settings) -> None:
    outcome = drop(settings, "客户档案.et", (FORMATS / "客户登记表.xls").read_bytes())
    assert [e.code for e in outcome.errors] == ["file.unsupported"]
    text = receipt(settings, outcome)
    assert "文件 → 另存为" in text and "Excel 工作簿(*.xlsx)" in text


def month_sheet(period: str, rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return [("分中心：", BRANCH), ("报告期：", period), (), CUSTOMER_HEADER, *rows]


@pytest.mark.parametrize("newest_first", [False, True])
def test_one_sheet_per_month_all_read_and_the_newest_month_wins(
    settings: Settings, newest_first: bool
) -> None:
    october = month_sheet("2026-10", [ROW, ("李四", "13912345679", *ROW[2:])])
    november = month_sheet(
        "2026年11月", [("张三丰", *ROW[1:4], "B", *ROW[5:]), ("王五", "13712345680", *ROW[2:])]
    )
    sheets = {"客户档案(10月)": october, "客户档案(11月)": november}
    if newest_first:
        sheets = dict(reversed(sheets.items()))
    outcome = drop(settings, "客户档案.xlsx", make_workbook(sheets))
    assert (outcome.status, outcome.errors) == ("accepted", ())
    assert outcome.counts["new_customers"] == 3
    assert phones(settings) == {
        "13812345678": "张三丰",
        "13912345679": "李四",
        "13712345680": "王五",
    }
    codes = [w.code for w in outcome.warnings]
    assert codes.count("sheet.several") == 1 and codes.count("sheet.same_phone") == 1
    text = receipt(settings, outcome)
    assert "客户档案(10月)" in text and "客户档案(11月)" in text and "1 位客户" in text


def test_a_phone_twice_within_one_sheet_stays_an_error(settings: Settings) -> None:
    sheets = {"10月": month_sheet("2026-10", [ROW]), "11月": month_sheet("2026-11", [ROW, ROW])}
    outcome = drop(settings, "客户档案.xlsx", make_workbook(sheets))
    assert [(e.sheet, e.cell, e.code) for e in outcome.errors] == [
        ("11月", "B6", "phone.duplicate_in_file")
    ]


def test_a_hidden_customer_sheet_is_read_with_a_warning(settings: Settings) -> None:
    data = make_workbook(
        {
            "客户档案": month_sheet("2026-11", [ROW]),
            "老客户": month_sheet("2026-10", [("李四", "13912345679", *ROW[2:])]),
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["老客户"].sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    outcome = drop(settings, "客户档案.xlsx", out.getvalue())
    assert outcome.status == "accepted" and outcome.counts["new_customers"] == 2
    assert "sheet.hidden" in [w.code for w in outcome.warnings]


def test_a_formula_without_a_computed_value_is_named_at_its_cell(settings: Settings) -> None:
    rows = [
        ROW,
        ("李四", "=B5", *ROW[2:5], "2026-11-04", "罗明"),
        ("王五", "13712345680", *ROW[2:4], '=IF(1,"A","B")', *ROW[5:]),
    ]
    data = make_workbook({"客户档案": [("分中心：", BRANCH), (), CUSTOMER_HEADER, *rows]})
    outcome = drop(settings, "客户档案.xlsx", data)  # openpyxl stores no computed values
    found = [(e.cell, e.code) for e in outcome.errors]
    assert found == [("B5", "cell.formula_no_value"), ("E6", "cell.formula_no_value")]
    assert "Excel 或 WPS 打开" in outcome.errors[0].message
    assert not any(e.code == "required.missing" for e in outcome.errors)


def test_without_months_the_later_sheet_wins_even_a_hidden_old_list_in_front(
    settings: Settings,
) -> None:
    header = [("分中心：", BRANCH), (), CUSTOMER_HEADER]
    old = [*header, ("张老名", *ROW[1:])]
    data = make_workbook({"旧名单": old, "客户档案": [*header, ROW]})
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["旧名单"].sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    outcome = drop(settings, "客户档案.xlsx", out.getvalue())
    assert outcome.status == "accepted" and phones(settings) == {"13812345678": "张三"}
