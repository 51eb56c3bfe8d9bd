"""Blank templates: embedded kind/version, layout conventions, dropdowns, formats, no formulas."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from branchflow.templates.definitions import (
    INCOME_BUCKETS,
    TEMPLATES,
    Field,
    FieldType,
    Table,
    TemplateDef,
)
from branchflow.templates.xlsx import INSTRUCTIONS_SHEET, write_template

PROJECTS = ("黔龙阳光·湄江府", "黔龙阳光·凤冈城")
INJECTION = '=HYPERLINK("x")'


def make_template(tmp_path: Path, kind: str, **options: object) -> Path:
    path = tmp_path / f"{kind}.xlsx"
    options.setdefault("projects", PROJECTS)
    write_template(TEMPLATES[kind], path, **options)  # type: ignore[arg-type]
    return path


def plain(text: object) -> str:
    """A label or title as the parser sees it: without the * mark and the trailing colon."""
    return str(text or "").strip().rstrip("：:").rstrip("*")


def header_row(ws: Worksheet, table: Table) -> int:
    titles = [f.title for f in table.fields]
    rows = [
        row[0].row
        for row in ws.iter_rows(max_col=len(titles))
        if [plain(c.value) for c in row] == titles
    ]
    assert len(rows) == 1, f"{table.key}: header rows {rows}"
    return rows[0]


def label_cell(ws: Worksheet, field: Field) -> tuple[int, int]:
    hits = [
        (c.row, c.column)
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and plain(c.value) == field.title and c.value.endswith("：")
    ]
    assert len(hits) == 1, f"{field.key}: labels at {hits}"
    return hits[0]


def validation_for(ws: Worksheet, row: int, col: int):  # type: ignore[no-untyped-def]
    coordinate = ws.cell(row, col).coordinate
    found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(found) <= 1
    return found[0] if found else None


def sheet_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return [archive.read(n).decode("utf-8") for n in names]


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_sheets_and_embedded_kind(tmp_path: Path, kind: str) -> None:
    definition = TEMPLATES[kind]
    path = make_template(tmp_path, kind)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, *(s.name for s in definition.sheets)]
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"branchflow_kind": kind, "branchflow_version": definition.version}
    with zipfile.ZipFile(path) as archive:
        custom = archive.read("docProps/custom.xml").decode("utf-8")
    assert re.search(r'name="branchflow_kind">\s*<vt:lpwstr>' + kind, custom)
    assert re.search(r'name="branchflow_version">\s*<vt:i4>1<', custom)
    assert wb.properties.title == definition.title


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_instructions_list_every_field(tmp_path: Path, kind: str) -> None:
    definition = TEMPLATES[kind]
    ws = openpyxl.load_workbook(make_template(tmp_path, kind))[INSTRUCTIONS_SHEET]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(max_col=4)]
    listed = [(r[0], r[1], r[2]) for r in rows if r[2] in ("必填", "选填")]
    expected = [
        (s.name, f.title, "必填" if f.required else "选填")
        for s in definition.sheets
        for f in (*s.values, *(f for t in s.tables for f in t.fields))
    ]
    assert listed == expected
    text = "\n".join(str(v) for r in rows for v in r if v)
    assert all(line in text for line in definition.instructions)


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_table_headers_and_dropdowns(tmp_path: Path, kind: str) -> None:
    definition = TEMPLATES[kind]
    wb = openpyxl.load_workbook(make_template(tmp_path, kind))
    for sheet in definition.sheets:
        ws = wb[sheet.name]
        for table in sheet.tables:
            header = header_row(ws, table)
            assert ws.cell(header - 1, 1).value == table.title
            for col, field in enumerate(table.fields, start=1):
                marked = ws.cell(header, col).value
                assert marked.endswith("*") == field.required
                check_column(ws, header, col, field)
            for offset, label in enumerate(table.row_labels, start=1):
                assert ws.cell(header + offset, 1).value == label


def check_column(ws: Worksheet, header: int, col: int, field: Field) -> None:
    first = header + 1
    dv = validation_for(ws, first, col)
    choices = PROJECTS if field.type is FieldType.PROJECT else field.choices
    if choices:
        assert dv is not None and dv.type == "list", field.key
        assert dv.formula1 == '"' + ",".join(choices) + '"'
    if field.type is FieldType.DATE:
        assert ws.cell(first, col).number_format == "yyyy-mm-dd"
        assert dv is not None and "2026-11-03" in dv.prompt
    if field.type in (FieldType.PHONE, FieldType.ID_NUMBER, FieldType.CONTACT_PHONE):
        assert ws.cell(first, col).number_format == "@"
    if field.type is FieldType.INTEGER:
        assert ws.cell(first, col).number_format == "0"


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_every_value_sits_right_of_its_label(tmp_path: Path, kind: str) -> None:
    definition: TemplateDef = TEMPLATES[kind]
    path = make_template(tmp_path, kind, branch="东莞分中心", period_hint="2026-11")
    wb = openpyxl.load_workbook(path)
    for sheet in definition.sheets:
        ws = wb[sheet.name]
        for field in sheet.values:
            row, col = label_cell(ws, field)
            assert col == 1
            assert ws.cell(row, col).value.endswith("*：") == field.required
            expected = {"branch": "东莞分中心", "period": "2026-11"}.get(field.key)
            assert ws.cell(row, col + 1).value == expected
    first = wb[definition.sheets[0].name]
    owner = "部门/项目" if kind == "dept_plan" else "分中心"
    assert [plain(first.cell(r, 1).value) for r in (2, 3, 4)] == [owner, "填报人", "报告期"]


def test_customer_sheet_layout(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(make_template(tmp_path, "customers"))
    ws = wb["客户档案"]
    assert header_row(ws, TEMPLATES["customers"].table("customers")) == 7
    assert ws.freeze_panes == "B8"
    phone = validation_for(ws, 2000, 3)
    assert phone is not None and "手机号" in phone.prompt
    grade = validation_for(ws, 2007, 20)
    assert grade is not None and grade.formula1 == '"A,B,C,D"'
    assert ws.column_dimensions["C"].width >= 14
    assert ws.protection.sheet is False


def test_monthly_text_sections_below_kpi_table(tmp_path: Path) -> None:
    definition = TEMPLATES["monthly"]
    ws = openpyxl.load_workbook(make_template(tmp_path, "monthly"))["本月总结"]
    header = header_row(ws, definition.table("kpis"))
    last_kpi = header + len(definition.table("kpis").row_labels)
    main_work = next(f for f in definition.values if f.key == "main_work")
    row, _ = label_cell(ws, main_work)
    assert row == last_kpi + 2
    merged = [str(r) for r in ws.merged_cells.ranges if r.min_row == row]
    assert merged and merged[0].startswith(f"B{row}:")
    assert ws.row_dimensions[row].height >= 60


def test_names_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    projects = (INJECTION, "黔龙阳光·湄江府")
    path = make_template(tmp_path, "customers", projects=projects, branch=INJECTION)
    wb = openpyxl.load_workbook(path)
    cell = wb["客户档案"]["B2"]
    assert cell.value == INJECTION
    assert cell.data_type == "s"
    assert not any(re.search(r"<f[ >]", xml) for xml in sheet_xml(path))
    # A quote cannot live in an inline list: the choices move to a hidden sheet, as text.
    options = wb["下拉选项"]
    assert options.sheet_state == "hidden"
    assert [c.value for c in options["A"]] == list(projects)
    assert [c.data_type for c in options["A"]] == ["s", "s"]
    header = header_row(wb["客户档案"], TEMPLATES["customers"].table("customers"))
    dv = validation_for(wb["客户档案"], header + 1, 13)
    assert dv is not None and dv.formula1 == "'下拉选项'!$A$1:$A$2"


def test_output_is_reproducible(tmp_path: Path) -> None:
    # The blanks in templates/excel/ are committed: regenerating them must not change a byte.
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for path in (first, second):
        write_template(TEMPLATES["monthly"], path, projects=PROJECTS)
    assert first.read_bytes() == second.read_bytes()


def test_income_is_a_dropdown_of_buckets_that_still_takes_numbers(tmp_path: Path) -> None:
    """月收入 offers the 市场研究报告's income buckets; typing 6500 or 5000-7000 is only noted."""
    table = TEMPLATES["customers"].table("customers")
    ws = openpyxl.load_workbook(make_template(tmp_path, "customers"))["客户档案"]
    header = header_row(ws, table)
    col = [f.key for f in table.fields].index("monthly_income") + 1
    income = validation_for(ws, header + 1, col)
    assert income is not None and income.formula1 == '"' + ",".join(INCOME_BUCKETS) + '"'
    assert income.errorStyle == "information" and "6500" in income.prompt
    grade = validation_for(ws, header + 1, [f.key for f in table.fields].index("grade") + 1)
    assert grade is not None and grade.errorStyle in (None, "stop")  # a listed value: enforced
