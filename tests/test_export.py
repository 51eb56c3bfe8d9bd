"""The master archive workbooks, read back with openpyxl and compared with what went in."""

from __future__ import annotations

import os
import re
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branchflow import export
from branchflow.export import ArchiveData, export_archive
from branchflow.templates.definitions import CUSTOMER_FIELDS, FOLLOW_UP_FIELDS

NOW = datetime(2026, 11, 26, 9, 30, 5)
INJECTION = (
    '<r><t>x</t></r></is></c><c r="Z1"><f>1+1</f></c><c r="Z2" t="inlineStr"><is><r><t>y</t></r>'
)
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def customer(name: str, phone: str, branch: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": name,
        "gender": "男",
        "phone": phone,
        "id_number": "520328********123X",
        "county": "湄潭县",
        "township": "永兴镇",
        "monthly_income": 6500,
        "family_size": 4,
        "area": 110.5,
        "grade": "A",
        "registered_on": date(2026, 11, 3),
        "consultant": "罗明",
        "owner_branch": branch,
        "first_registered_on": date(2026, 11, 3),
        "updated_at": datetime(2026, 11, 20, 14, 5),
        "source_file": f"{branch}/客户档案.xlsx",
    }
    row.update(values)
    return row


CUSTOMERS = [
    customer("=1+1", "13812345678", "东莞分中心", remark="@SUM(A1)", village="-2+3"),
    customer(
        "王强",
        "13987654321",
        "东莞分中心",
        township="兴隆镇",
        grade="B",
        remark=INJECTION,
        originals='{"monthly_income": "8千-1.2万", "payment": "公积金", "gender": "先生"}',
    ),
    customer(
        "李芳 & <妹>", "13700001111", "深圳分中心", remark="http://example.com", occupation="0123"
    ),
]
FOLLOWUPS = [
    {
        "phone": "13812345678",
        "customer_name": "=1+1",
        "date": date(2026, 11, 5),
        "method": "电话",
        "content": "+约看房",
        "grade_after": "A",
        "next_date": date(2026, 12, 1),
        "staff": "罗明",
        "branch": "东莞分中心",
        "originals": '{"method": "电联"}',
    },
]
CONFLICTS = [
    {
        "masked_phone": "138****5678",
        "owner_branch": "东莞分中心",
        "claimant_branch": "深圳分中心",
        "owner_registered_on": date(2026, 11, 3),
        "claimant_registered_on": date(2026, 11, 20),
        "detected_at": datetime(2026, 11, 20, 14, 5),
        "within_protection": True,
        "resolution": "归属不变",
    },
]
COUNTS = [("湄潭县", "永兴镇", "A", 2), ("湄潭县", "兴隆镇", "B", 1), ("凤冈县", "进化镇", "C", 4)]
DATA = ArchiveData(CUSTOMERS, FOLLOWUPS, CONFLICTS, COUNTS)
CUSTOMER_HEADER = [f.title for f in CUSTOMER_FIELDS] + [
    "原文(已更正的栏目)",
    "归属分中心",
    "首次登记",
    "最近更新",
    "来源文件",
]
BRANCH_HEADER = [*CUSTOMER_HEADER[:-2], "保护期至", *CUSTOMER_HEADER[-2:]]
CUSTOMER_KEYS = [f.key for f in CUSTOMER_FIELDS] + [
    "originals",
    "owner_branch",
    "first_registered_on",
    "updated_at",
    "source_file",
]


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def formulas(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return [
            cell.get("r", "")
            for part in parts
            for cell in ElementTree.fromstring(archive.read(part)).iterfind(".//m:c", NS)
            if cell.find("m:f", NS) is not None
        ]


@pytest.fixture
def exported(tmp_path: Path) -> export.ExportResult:
    return export_archive(tmp_path, DATA, now=NOW)


def test_files_written(tmp_path: Path, exported: export.ExportResult) -> None:
    assert [p.name for p in exported.written] == [
        "客户总档案.xlsx",
        "分中心档案-东莞分中心.xlsx",
        "分中心档案-深圳分中心.xlsx",
    ]
    assert exported.fallbacks == ()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in exported.written)
    assert exported.describe(tmp_path)[0] == "已导出 客户总档案.xlsx"


def test_customer_sheet_round_trips(exported: export.ExportResult) -> None:
    book = openpyxl.load_workbook(exported.written[0])
    assert book.sheetnames == ["客户总表", "乡镇汇总", "跟进记录", "撞单记录"]
    sheet = book["客户总表"]
    assert list(rows(sheet)[0]) == CUSTOMER_HEADER
    for record, row in zip(CUSTOMERS, sheet.iter_rows(min_row=2), strict=True):
        for key, cell in zip(CUSTOMER_KEYS, row, strict=True):
            expected = record.get(key)
            if isinstance(expected, date) and not isinstance(expected, datetime):
                assert cell.value == datetime.combine(expected, datetime.min.time())
                assert cell.number_format == "yyyy-mm-dd"
            elif isinstance(expected, datetime):
                assert cell.value == expected
                assert cell.number_format.startswith("yyyy-mm-dd")
            elif key == "originals" and expected:  # what staff wrote, in column order
                assert cell.value == "性别：先生；月收入：8千-1.2万；付款方式：公积金"
            else:
                assert cell.value == expected, key
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:AD4"


def test_staff_text_stays_text(exported: export.ExportResult) -> None:
    sheet = openpyxl.load_workbook(exported.written[0])["客户总表"]
    name, phone = sheet["A2"], sheet["C2"]
    assert (name.value, name.data_type) == ("=1+1", "s")
    assert (phone.value, phone.data_type) == ("13812345678", "s")
    remarks = [row[24] for row in rows(sheet)[1:]]
    assert remarks == ["@SUM(A1)", INJECTION, "http://example.com"]
    assert sheet["J4"].value == "0123"  # not turned into the number 123
    assert not sheet["Y4"].hyperlink
    for path in exported.written:
        assert formulas(path) == []


def sheet_cells(
    path: Path, part: str = "xl/worksheets/sheet1.xml"
) -> dict[str, ElementTree.Element]:
    with zipfile.ZipFile(path) as archive:
        tree = ElementTree.fromstring(archive.read(part))
    return {cell.get("r", ""): cell for cell in tree.iterfind(".//m:c", NS)}


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "<r><t>x</t></r>", INJECTION])
def test_formula_like_text_is_a_string_cell(tmp_path: Path, text: str) -> None:
    data = ArchiveData([customer(text, "13812345678", "东莞分中心", remark=text, village=text)])
    result = export_archive(tmp_path, data, branches=[], now=NOW)
    cells = sheet_cells(result.written[0])
    for ref in ("A2", "G2", "Y2"):  # 客户姓名, 户籍村(社区), 备注
        cell = cells[ref]
        assert cell.get("t") == "inlineStr"
        assert cell.find("m:f", NS) is None
        assert "".join(cell.find("m:is", NS).itertext()) == text
    with zipfile.ZipFile(result.written[0]) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml
    if text.startswith("<r>"):
        assert b"&lt;r&gt;&lt;t&gt;x&lt;/t&gt;&lt;/r&gt;" in xml
    assert formulas(result.written[0]) == []


def test_township_summary(exported: export.ExportResult) -> None:
    sheet = openpyxl.load_workbook(exported.written[0])["乡镇汇总"]
    assert rows(sheet) == [
        ("户籍县(市、区)", "户籍乡镇", "A级", "B级", "C级", "D级", "合计"),
        ("凤冈县", "进化镇", 0, 0, 4, 0, 4),
        ("湄潭县", "兴隆镇", 0, 1, 0, 0, 1),
        ("湄潭县", "永兴镇", 2, 0, 0, 0, 2),
        ("合计", "3 个乡镇", 2, 1, 4, 0, 7),
    ]
    # No filter: sorting would move the total row into the data (the writer's filter always
    # spans every row it was given).
    assert sheet.auto_filter.ref is None
    assert [(c.font.b, c.border.top.style) for c in sheet[5]] == [(True, "thin")] * 7
    assert not sheet["A4"].font.b


def test_every_row_written_once(exported: export.ExportResult) -> None:
    for path in exported.written:
        with zipfile.ZipFile(path) as archive:
            for part in archive.namelist():
                if part.startswith("xl/worksheets/sheet"):
                    tree = ElementTree.fromstring(archive.read(part))
                    numbers = [row.get("r") for row in tree.iterfind(".//m:row", NS)]
                    assert len(numbers) == len(set(numbers)), (path.name, part)


def test_followups_and_conflicts(exported: export.ExportResult) -> None:
    book = openpyxl.load_workbook(exported.written[0])
    follow = rows(book["跟进记录"])
    titles = [f.title for f in FOLLOW_UP_FIELDS]
    assert follow[0] == (titles[0], "客户姓名", *titles[1:], "分中心", "原文(已更正的栏目)")
    assert follow[1] == (
        "13812345678", "=1+1", datetime(2026, 11, 5), "电话", "+约看房", "A",
        datetime(2026, 12, 1), "罗明", "东莞分中心", "跟进方式：电联",
    )  # fmt: skip
    conflicts = rows(book["撞单记录"])
    assert conflicts[1] == (
        "138****5678", "东莞分中心", "深圳分中心", datetime(2026, 11, 3), datetime(2026, 11, 20),
        datetime(2026, 11, 20, 14, 5), "是", "归属不变", None, None, None,
    )  # fmt: skip


def test_branch_files_hold_only_their_branch(exported: export.ExportResult) -> None:
    dongguan = openpyxl.load_workbook(exported.written[1])
    assert [r[0] for r in rows(dongguan["客户总表"])[1:]] == ["=1+1", "王强"]
    assert len(rows(dongguan["跟进记录"])) == 2
    assert rows(dongguan["乡镇汇总"])[-1] == ("合计", "2 个乡镇", 1, 1, 0, 0, 2)
    shenzhen = openpyxl.load_workbook(exported.written[2])
    assert [r[0] for r in rows(shenzhen["客户总表"])[1:]] == ["李芳 & <妹>"]
    assert len(rows(shenzhen["跟进记录"])) == 1
    # The claimant sees the 撞单 but not when the owner registered the customer.
    conflict = rows(shenzhen["撞单记录"])[1]
    assert conflict[1:4] == ("东莞分中心", "深圳分中心", None)
    assert rows(dongguan["撞单记录"])[1][3] == datetime(2026, 11, 3)


def test_requested_branches_only_even_when_empty(tmp_path: Path) -> None:
    result = export_archive(tmp_path, DATA, branches=["成都分中心"], now=NOW)
    assert [p.name for p in result.written] == ["客户总档案.xlsx", "分中心档案-成都分中心.xlsx"]
    empty = openpyxl.load_workbook(result.written[1])
    assert rows(empty["客户总表"]) == [tuple(BRANCH_HEADER)]


def test_a_branch_archive_shows_until_when_each_customer_is_protected(tmp_path: Path) -> None:
    own = customer("王强", "13987654321", "东莞分中心", protected_until=date(2027, 2, 1))
    result = export_archive(tmp_path, ArchiveData([own]), now=NOW)
    master, branch = (openpyxl.load_workbook(p)["客户总表"] for p in result.written)
    assert "保护期至" not in rows(master)[0]
    header, values = rows(branch)
    assert values[header.index("保护期至")] == datetime(2027, 2, 1)


def lock(monkeypatch: pytest.MonkeyPatch, *names: str) -> list[str]:
    """os.replace raises PermissionError for these target names, as a Windows share does."""
    calls: list[str] = []
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        calls.append(Path(dst).name)
        if Path(dst).name in names or any(re.fullmatch(n, Path(dst).name) for n in names):
            raise PermissionError(13, "locked", str(dst))
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_locked_master_is_written_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "客户总档案.xlsx").write_bytes(b"old")
    calls = lock(monkeypatch, "客户总档案.xlsx")
    result = export_archive(tmp_path, DATA, retries=2, retry_delay=0, now=NOW)
    assert calls.count("客户总档案.xlsx") == 3
    beside = tmp_path / "客户总档案-20261126-093005.xlsx"
    assert result.written[0] == beside
    assert (tmp_path / "客户总档案.xlsx").read_bytes() == b"old"
    assert openpyxl.load_workbook(beside).sheetnames[0] == "客户总表"
    (fallback,) = result.fallbacks
    assert fallback.target == tmp_path / "客户总档案.xlsx"
    assert "另存为 客户总档案-20261126-093005.xlsx" in fallback.note
    assert fallback.note in result.describe()
    assert len(result.written) == 3  # the branch files were not held up
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_copies_beside_a_locked_master_go_once_it_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        lock(patched, "客户总档案.xlsx", "分中心档案-东莞分中心.xlsx")
        export_archive(tmp_path, DATA, retries=0, retry_delay=0, now=NOW)
        export_archive(tmp_path, DATA, retries=0, retry_delay=0, now=NOW + timedelta(hours=1))
    kept = {"客户总档案-2026.xlsx", "客户总档案-备份.xlsx", "分中心档案-东莞分中心-旧.xlsx"}
    for name in kept:
        (tmp_path / name).write_bytes(b"staff's own")
    beside = sorted(p.name for p in tmp_path.iterdir() if re.search(r"-\d{8}-\d{6}", p.name))
    assert beside == [
        "分中心档案-东莞分中心-20261126-093005.xlsx",
        "分中心档案-东莞分中心-20261126-103005.xlsx",
        "客户总档案-20261126-093005.xlsx",
        "客户总档案-20261126-103005.xlsx",
    ]
    result = export_archive(tmp_path, DATA, now=NOW + timedelta(hours=2))
    assert sorted(p.name for p in result.removed) == beside
    assert "已删除过时的另存文件 客户总档案-20261126-093005.xlsx" in result.describe(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in result.written] + list(kept)
    )


def test_nothing_writable_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock(monkeypatch, r"客户总档案.*\.xlsx")
    result = export_archive(tmp_path, DATA, retries=0, retry_delay=0, now=NOW)
    assert [f.written for f in result.fallbacks] == [None]
    assert "未能写出" in result.fallbacks[0].note
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_decimal_and_odd_values(tmp_path: Path) -> None:
    from decimal import Decimal

    odd = customer("赵六", 13800000000.0, "东莞分中心", budget=Decimal("55.5"), area=float("nan"))
    result = export_archive(tmp_path, ArchiveData([odd]), branches=[], now=NOW)
    sheet = openpyxl.load_workbook(result.written[0])["客户总表"]
    assert sheet["C2"].value == "13800000000"  # a float phone becomes its digits, as text
    assert sheet["P2"].value == 55.5
    assert sheet["O2"].value is None


def test_resolution_codes_in_words_and_local_times(tmp_path: Path) -> None:
    zone = timezone(timedelta(hours=8))
    conflicts = [
        {
            **CONFLICTS[0],
            "resolution": "kept_by_owner",
            "detected_at": datetime(2026, 11, 20, 14, 5, tzinfo=zone),
        },
        {**CONFLICTS[0], "resolution": "transferred", "within_protection": False},
    ]
    result = export_archive(tmp_path, ArchiveData(conflicts=conflicts), branches=[], now=NOW)
    found = rows(openpyxl.load_workbook(result.written[0])["撞单记录"])
    assert [(r[5], r[6], r[7]) for r in found[1:]] == [
        (datetime(2026, 11, 20, 14, 5), "是", "归属不变"),  # the archive's wall clock, naive
        (datetime(2026, 11, 20, 14, 5), "否", "已转归"),
    ]


def test_old_dates_and_long_text(tmp_path: Path) -> None:
    odd = customer("孙七", "13800000001", "东莞分中心", registered_on=date(1899, 12, 31),
                   first_registered_on=date(1900, 2, 28), remark="长" * 40_000)  # fmt: skip
    result = export_archive(tmp_path, ArchiveData([odd]), branches=[], now=NOW)
    sheet = openpyxl.load_workbook(result.written[0])["客户总表"]
    assert sheet["V2"].value == "1899-12-31"  # before Excel's calendar: written as text
    assert sheet["AB2"].value == "1900-02-28"
    assert sheet["Y2"].value == "长" * 32_000


EXCEL_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn")), min_size=1, max_size=40)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=TEXT, remark=TEXT)
def test_any_text_round_trips(
    tmp_path_factory: pytest.TempPathFactory, name: str, remark: str
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    data = ArchiveData([customer(name, "13812345678", "东莞分中心", remark=remark)])
    result = export_archive(folder, data, branches=[], now=NOW)
    sheet = openpyxl.load_workbook(result.written[0])["客户总表"]
    # Excel reads _xHHHH_ as an escaped character; openpyxl leaves it, so decode as Excel does.
    read = [
        EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), sheet[c].value) for c in ("A2", "Y2")
    ]
    assert read == [name, remark]
    assert formulas(result.written[0]) == []


def test_the_locked_masters_new_name_follows_branchflow_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from branchflow.archive.store import Archive
    from branchflow.pipeline import export_now
    from branchflow.workspace import create_workspace

    base = create_workspace(tmp_path / "ws")
    then = datetime(2031, 1, 2, 3, 4, 5, tzinfo=base.timezone)  # BRANCHFLOW_NOW=2031-01-02T03:04:05
    settings = dataclasses.replace(base, now_override=then)
    lock(monkeypatch, "客户总档案.xlsx")
    with Archive.open(settings) as archive:
        result = export_now(settings, archive)
    [fallback] = result.fallbacks
    assert fallback.written == settings.archive_dir / "客户总档案-20310102-030405.xlsx"
