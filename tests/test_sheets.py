"""Reading sheets for parse: the grid from A1, shared strings, blanks, hidden rows in chunks."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from branchflow.readers.xlsx import scan_sheet
from branchflow.sheets import load_rows
from builders import make_workbook


def sheet_of(data: bytes) -> object:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)


def test_rows_start_at_a1_with_blanks_none_and_equal_strings_shared() -> None:
    data = make_workbook({"S": [(), (), (None, None, "湄潭县", "湄潭县"), (None, "  ", None, 1.5)]})
    rows, blanks = load_rows(sheet_of(data))
    assert rows == [
        (None, None, None, None),
        (None, None, None, None),
        (None, None, "湄潭县", "湄潭县"),
        (None, "  ", None, 1.5),
    ]
    assert rows[2][2] is rows[2][3]
    assert blanks == {"  "}


def test_booleans_and_numbers_are_not_merged_with_each_other() -> None:
    rows, _ = load_rows(sheet_of(make_workbook({"S": [(True, 1, 1.0, "1")]})))
    assert [type(v) for v in rows[0]] == [bool, float, float, str]


def test_hidden_rows_found_across_chunk_boundaries() -> None:
    tag = b'<x:row r="7" spans="1:3" hidden="1">'
    start = (1 << 20) - 10  # the tag straddles the first megabyte
    filler = b'<row r="1"><c r="A1"><v>1</v></c></row>'
    head = b"<worksheet><sheetData>" + filler * (start // len(filler))
    head += b" " * (start - len(head))
    xml = (
        head + tag + b"</x:row>" + b'<row r="9" hidden="true"></row>' + b"</sheetData></worksheet>"
    )
    assert hidden_rows(xml) == {6, 8}
    assert hidden_rows(b'<row r="3"><c/></row><col hidden="1"/>') == frozenset()


def hidden_rows(xml: bytes) -> frozenset[int]:
    return scan_sheet(lambda: io.BytesIO(xml), 10**6).hidden
