"""The .xlsx sheet scan: the extent calamine would allocate, found without trusting the
`<dimension>` or the row tags, across the megabyte pieces it reads."""

from __future__ import annotations

import io

import pytest

from branchflow.readers.extent import Census
from branchflow.readers.xlsx import copy_census, count_cells, scan_sheet
from builders import make_workbook

BUDGET = 4_000_000


def sheet(rows: bytes, head: bytes = b'<dimension ref="A1:B2"/>') -> bytes:
    return b"<worksheet>" + head + b"<sheetData>" + rows + b"</sheetData></worksheet>"


def scan(xml: bytes, budget: int = BUDGET):  # type: ignore[no-untyped-def]
    return scan_sheet(lambda: io.BytesIO(xml), budget)


def cells(n: int, width: int = 3) -> bytes:
    return b"".join(
        b'<row r="%d">' % r
        + b"".join(b'<c r="%s%d"><v>1</v></c>' % (bytes([64 + c]), r) for c in range(1, width + 1))
        + b"</row>"
        for r in range(1, n + 1)
    )


def test_an_ordinary_sheet_is_bounded_by_its_rows_and_columns() -> None:
    found = scan(sheet(cells(50)))
    assert found.cols == 26 and 50 <= found.rows <= 99  # a bound: 2 digits, columns A–Z
    assert found.census is None


def test_a_cell_far_below_its_row_tag_is_found() -> None:
    xml = sheet(cells(5) + b'<row r="6"><c r="C1048576"><v>1</v></c></row>')
    found = scan(xml)
    assert found.rows == 1_048_576 and found.census is not None
    assert found.census.core() == (5, 3)
    assert found.census.strays(5, 3) == 1


def test_a_lying_dimension_changes_nothing() -> None:
    found = scan(sheet(cells(3), head=b'<dimension ref="A1:XFD1048576"/>'))
    assert found.area <= BUDGET and found.census is None


def test_wide_columns_are_exact() -> None:
    xml = sheet(b'<row r="1"><c r="A1"><v>1</v></c><c r="AZZ1"><v>1</v></c></row>')
    assert scan(xml).cols == 1378


def test_cells_without_r_are_counted_where_calamine_puts_them() -> None:
    row = b'<row r="7">' + b"<c><v>1</v></c>" * 30 + b"</row>"
    found = scan(sheet(row), budget=100)
    assert found.census is not None and (found.rows, found.cols) == (7, 30)


def test_namespace_prefixed_cells_take_the_careful_path() -> None:
    xml = b'<x:sheetData><x:row r="2"><x:c r="B2"><x:v>1</x:v></x:c></x:row></x:sheetData>'
    found = scan(xml, budget=1)
    assert found.census is not None and (found.rows, found.cols) == (2, 2)


def test_self_closing_cells_are_empty_to_calamine() -> None:
    census = Census()
    count_cells(b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576" s="3"/></row>', census)
    assert len(census.row_counts) - 1 == 1


def test_the_scan_crosses_piece_boundaries() -> None:
    many = cells(30_000, width=5)  # ~1.3 MB: several pieces
    found = scan(sheet(many + b'<row r="30001"><c r="A900000"><v>1</v></c></row>'))
    assert found.rows == 900_000


def test_formulas_without_a_cached_value() -> None:
    row = (
        b'<row r="2"><c r="A2"><f>1+1</f><v></v></c><c r="B2"><f>1+1</f><v>2</v></c>'
        b'<c r="C2" t="str"><f>""</f><v></v></c><c r="D2"><f>X</f></c></row>'
    )
    assert scan(sheet(row)).formulas == {(1, 0), (1, 3)}


@pytest.mark.parametrize(("ref", "area"), [("F8:F10007", 10_000), ("A1:B2", 4)])
def test_copy_census_counts_merged_cells(ref: str, area: int) -> None:
    import zipfile

    data = make_workbook({"S": [("a", "b")]}, merges={"S": [ref]})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert copy_census(archive)[1] == area


def test_prefixed_cells_without_r_are_placed_as_calamine_places_them() -> None:
    ns = b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    row = b'<x:row r="3">' + b"<x:c><x:v>1</x:v></x:c>" * 40 + b"</x:row>"
    xml = ns + b"<x:sheetData>" + row + b"</x:sheetData></x:worksheet>"
    found = scan(xml, budget=50)
    assert (found.rows, found.cols) == (3, 40)


@pytest.mark.parametrize("ref", [b"A123456789", b"ABCDE1"])
def test_references_past_excels_limits_count_as_far(ref: bytes) -> None:
    xml = sheet(cells(3) + b'<row r="4"><c r="' + ref + b'"><v>1</v></c></row>')
    found = scan(xml)
    assert found.census is not None and found.area > BUDGET
    assert found.census.core() == (3, 3)
