"""The rendering engine: escaping, control characters, the look of the templates, charts, PDF."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import docx
import pytest
from report_helpers import headers_footers, paragraphs, tables

from branchflow.reports import charts, pdf
from branchflow.reports.engine import render_docx
from branchflow.reports.figures import TrendPoint
from branchflow.reports.periods import Month
from branchflow.reports.word_style import Col, TemplateBuilder
from branchflow.reports.word_templates import BUILDERS, build_template

STAFF_TEXT = "A&B <3套> \"老乡\" 'x' &amp; {{ x }} ① 5>3"


def tiny_template() -> bytes:
    b = TemplateBuilder("测试")
    b.title("{{ title }}")
    b.text("{{ body }}")
    b.table([Col("列", "{{ r.v }}", 40), Col("富文本", "{{r r.rich }}", 40)], "r in rows")
    return b.save()


def render(**values: object) -> docx.document.Document:
    context = {"company": "", "header_right": "", "footer": "", "title": "", "body": "", "rows": []}
    context.update(values)
    return docx.Document(io.BytesIO(render_docx(tiny_template(), context)))


def test_staff_text_round_trips_through_body_table_header_and_footer() -> None:
    from branchflow.reports.engine import alert

    doc = render(
        company=STAFF_TEXT,
        header_right=STAFF_TEXT,
        footer=STAFF_TEXT,
        title=STAFF_TEXT,
        body=STAFF_TEXT,
        rows=[{"v": STAFF_TEXT, "rich": alert(STAFF_TEXT)}],
    )
    assert paragraphs(doc)[:2] == [STAFF_TEXT, STAFF_TEXT]
    assert tables(doc)[0][1] == [STAFF_TEXT, STAFF_TEXT]
    head, foot = headers_footers(doc)
    assert head == f"{STAFF_TEXT}\t{STAFF_TEXT}"
    assert foot.endswith(STAFF_TEXT)


def test_none_is_blank_newlines_break_and_control_characters_vanish() -> None:
    doc = render(title=None, body="第一行\r\n第二行\x07\x01", rows=[{"v": None, "rich": ""}])
    assert paragraphs(doc)[0] == "第一行\n第二行"
    assert doc.paragraphs[0].text == ""
    assert tables(doc)[0][1][0] == ""


def test_templates_name_east_asian_fonts_and_a4() -> None:
    for name in BUILDERS:
        data = build_template(name)
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            styles = package.read("word/styles.xml").decode()
            footer = package.read("word/footer1.xml").decode()
        assert 'w:eastAsia="仿宋"' in styles and 'w:eastAsia="黑体"' in styles
        assert 'w:eastAsia="楷体"' in styles
        assert "eastAsiaTheme" not in styles  # the default template's Japanese theme font
        assert 'w:eastAsia="zh-CN"' in styles
        assert "PAGE" in footer
        section = docx.Document(io.BytesIO(data)).sections[0]
        size = sorted((round(section.page_width.mm), round(section.page_height.mm)))
        assert size == [210, 297], name


def test_template_generation_is_stable() -> None:
    assert build_template("月度工作总结.docx") == build_template("月度工作总结.docx")


def test_charts_draw_chinese_without_missing_glyphs() -> None:
    if charts.cjk_font() is None:
        pytest.skip("no CJK font on this machine (install fonts-noto-cjk)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawn = [
            charts.township_chart([("湄潭县永兴镇", 3), ("凤冈县琊川镇", 1)]),
            charts.grade_chart({"A": 2, "B": 3, "C": 1}),
            charts.trend_chart([TrendPoint(Month(2026, m), m, m + 1, m - 1) for m in (9, 10, 11)]),
            charts.branch_chart([("东莞", 3, 4), ("宁波", 2, None)]),
        ]
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert all(c is not None and c.png.startswith(b"\x89PNG") for c in drawn)


def test_no_chart_without_data() -> None:
    assert charts.township_chart([]) is None
    assert charts.grade_chart({}) is None


def test_pdf_is_skipped_with_a_message_without_libreoffice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "find_office", lambda: None)
    notes: list[str] = []
    document = tmp_path / "a.docx"
    document.write_bytes(tiny_template())
    assert pdf.convert_to_pdf([document], notes.append) == []
    assert notes == [
        "未找到 LibreOffice（soffice），未生成 PDF；安装 LibreOffice 后加 --pdf 重新运行即可。"
    ]


def test_pdf_beside_the_document_when_libreoffice_is_installed(tmp_path: Path) -> None:
    if pdf.find_office() is None:
        pytest.skip("LibreOffice is not installed")
    document = tmp_path / "月度工作总结-测试.docx"
    document.write_bytes(render_docx(tiny_template(), {"title": "标题", "rows": []}))
    notes: list[str] = []
    written = pdf.convert_to_pdf([document], notes.append)
    if notes:  # e.g. only LibreOffice Calc is installed: then it must say so
        assert "libreoffice-writer" in notes[0]
        return
    assert written == [tmp_path / "月度工作总结-测试.pdf"]
    assert written[0].read_bytes().startswith(b"%PDF")


def test_a_document_open_in_word_is_written_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    from branchflow.reports.engine import write_document

    target = tmp_path / "例会资料-东莞分中心.docx"
    real_replace = Path.replace

    def locked(self: Path, other: Path) -> Path:  # Windows: Word holds the file open
        if Path(other) == target:
            raise PermissionError("in use")
        return real_replace(self, other)

    monkeypatch.setattr(Path, "replace", locked)
    notes: list[str] = []
    written = write_document(target, b"docx", datetime(2026, 12, 1, 10, 0), notes.append)
    assert written.name == "例会资料-东莞分中心-20261201-100000.docx"
    assert written.read_bytes() == b"docx"
    assert notes == [
        "例会资料-东莞分中心.docx 正被占用（可能在 Word 中打开），本次另存为 例会资料-东莞分中心-20261201-100000.docx"
    ]
