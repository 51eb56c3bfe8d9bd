"""The other formats' readers: CSV decoding and separators, OLE classification, the .xlsb
record walk, and the month a sheet is for."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from branchflow.readers import delimited, legacy, xlsb
from branchflow.sheet_order import month_of

FORMATS = Path(__file__).parent.parent / "data" / "formats"
TEXT = "客户姓名,手机号码\r\n张三,13812345678\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),  # Excel's “Unicode 文本”
    ],
)
def test_csv_encodings_are_found(data: bytes, encoding: str) -> None:
    assert delimited.decode(data) == (TEXT, encoding)


def test_binary_bytes_are_not_text() -> None:
    assert delimited.decode(b"\x00\x01\x02PK") is None
    assert delimited.decode(b"\xff\xfe\xfd\x80\x81") is None


@pytest.mark.parametrize(("line", "sep"), [("a,b,c", ","), ("a\tb\tc", "\t"), ("a;b;c", ";")])
def test_separators(line: str, sep: str) -> None:
    rows, whole = delimited.read_rows(f"{line}\n1{sep}{sep}3\n", 100)
    assert whole and rows == [("a", "b", "c"), ("1", None, "3")]


def test_a_csv_over_the_cell_budget_is_cut_and_said_so() -> None:
    assert delimited.read_rows("a,b\n" * 100, 50)[1] is False


def test_ole_files_are_told_apart() -> None:
    assert legacy.classify((FORMATS / "客户登记表.xls").read_bytes()) == "xls"
    assert legacy.classify((FORMATS / "加密.xlsx").read_bytes()) == "encrypted"
    assert legacy.classify(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) == "damaged"


def test_xls_extent_and_sheet_names() -> None:
    scans = legacy.scan_xls((FORMATS / "远处格子.xls").read_bytes())
    assert (scans["客户档案"].rows, scans["客户档案"].cols) == (65536, 256)
    assert legacy.scan_xls((FORMATS / "客户登记表.xls").read_bytes())["客户档案"].area < 10_000


def record(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + bytes([len(body)]) + body


def test_xlsb_records_give_the_extent() -> None:
    rows = record(0, struct.pack("<I", 4) + b"\0" * 10)  # BrtRowHdr: row 5
    rows += record(5, struct.pack("<I", 2) + b"\0" * 12)  # BrtCellReal in column C
    rows += record(0, struct.pack("<I", 1_048_575) + b"\0" * 10)
    rows += record(1, struct.pack("<I", 16_383) + b"\0" * 4)  # BrtCellBlank: empty, not counted
    found = xlsb.scan_sheet(rows)
    assert (found.rows, found.cols) == (5, 3)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("客户档案(11月)", (0, 11)),
        ("11月客户", (0, 11)),
        ("2026.11", (2026, 11)),
        ("2026年10月", (2026, 10)),
        ("２０２６－０９", (2026, 9)),
        ("客户档案", None),
        ("13月", None),
    ],
)
def test_the_month_of_a_sheet_name(text: str, month: tuple[int, int] | None) -> None:
    assert month_of(text) == month
