"""Column widths from content: what never wraps, what gives way, what is dropped."""

from __future__ import annotations

import docx
from docx.shared import Mm
from report_helpers import text_units, wrapped_cells

from branchflow.reports.table_fit import fit_tables, units

TWIPS_PER_UNIT = 10.5 * 10  # half an em at 10.5 pt


def make_table(rows: list[list[str]], *, landscape: bool = False) -> docx.document.Document:
    """A document with one table, every column 15 mm wide, as a careless template has it."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(28)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.width = Mm(15)
            run = cell.paragraphs[0].add_run(value)
            run.font.size = docx.shared.Pt(10.5)
    return document


def widths(document: docx.document.Document) -> list[int]:
    return [cell.width.twips for cell in document.tables[0].rows[0].cells]


def test_units_count_cjk_double() -> None:
    assert units("东莞分中心") == 10
    assert units("138****5678") == 11
    assert units("91.7%") == 6  # % is wide
    assert units("黔龙阳光·湄江府") == 16  # the middle dot is set full-width in Chinese text


def test_the_helper_finds_a_phone_in_a_narrow_column() -> None:
    """The test's own measure (CJK 2, else 1) catches what this module must prevent."""
    document = make_table([["手机号码"], ["13800138000"]])
    assert len(wrapped_cells(document)) == 1
    fit_tables(document)
    assert wrapped_cells(document) == []


def test_phones_dates_numbers_and_short_names_keep_their_width_text_takes_the_rest() -> None:
    note = "客户表示春节返乡时看房，" * 8
    document = make_table(
        [
            ["分中心", "手机号码", "下次跟进", "完成率", "跟进内容"],
            ["东莞分中心", "0769-22334455", "2026-11-03", "91.7%", note],
        ]
    )
    fit_tables(document)
    got = widths(document)
    assert wrapped_cells(document) == []
    assert got[0] >= units("东莞分中心") * TWIPS_PER_UNIT  # a short name stays on one line
    assert got[4] == max(got)  # the text column takes what is left
    assert abs(sum(got) - Mm(154).twips) < 10  # the table spans the text width


def test_a_crowded_table_squeezes_long_text_before_names_and_never_numbers() -> None:
    header = ["客户", "手机号码", "等级", "意向项目", "最近跟进", "下次跟进", "跟进人", "备注"]
    row = ["杨先生", "138****5678", "A", "黔龙阳光·习水温泉小镇", "2026-10-18\n电话",
           "2026-11-13", "龙小燕", "客户要求周末看房，预算五十万元左右，首付三成"]  # fmt: skip
    document = make_table([header, row, row])
    fit_tables(document)
    got = widths(document)
    assert wrapped_cells(document) == []
    assert got[0] >= text_units("杨先生") * TWIPS_PER_UNIT
    assert got[6] >= text_units("龙小燕") * TWIPS_PER_UNIT
    assert sum(got) <= Mm(154).twips + 10


def test_an_empty_note_column_is_dropped_a_filled_one_kept() -> None:
    empty = make_table([["指标", "本月目标", "说明"], ["签约套数", "8", ""]])
    fit_tables(empty)
    assert [c.text for c in empty.tables[0].rows[0].cells] == ["指标", "本月目标"]
    filled = make_table([["指标", "本月目标", "说明"], ["签约套数", "8", "含车位"]])
    fit_tables(filled)
    assert [c.text for c in filled.tables[0].rows[0].cells] == ["指标", "本月目标", "说明"]


def test_a_short_table_is_kept_with_its_heading() -> None:
    document = docx.Document()
    document.add_paragraph("一、本月指标", style="Heading 1")
    table = document.add_table(rows=3, cols=2)
    for row in table.rows:
        row.cells[0].text, row.cells[1].text = "签约套数", "8"
    fit_tables(document)
    heading = document.paragraphs[0]
    assert heading.paragraph_format.keep_with_next
    kept = [r.cells[0].paragraphs[0].paragraph_format.keep_with_next for r in table.rows]
    assert kept == [True, True, None]  # the last row may end a page
