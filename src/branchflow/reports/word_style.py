"""Build the Word templates with python-docx in the Chinese official-document manner (GB/T 9704).

A4, 仿宋 body, 黑体 / 楷体 headings, 宋体 title, East-Asian fonts named explicitly in every style
(python-docx's default template takes its East-Asian font from the theme, a Japanese one), a header
with the company and period, page numbers “— 1 —” in the footer. The jinja2 tags go in as text;
the templates stay ordinary documents HQ can restyle in Word.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, RGBColor
from docx.table import Table

from branchflow.reports.table_fit import TABLE_ORDER, set_child

FANGSONG, HEITI, KAITI, SONGTI = "仿宋", "黑体", "楷体", "宋体"
LATIN = "Times New Roman"
A4 = (Mm(210), Mm(297))
# GB/T 9704: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; landscape pages keep 25 mm.
PORTRAIT_MARGINS = (Mm(37), Mm(35), Mm(28), Mm(26))
LANDSCAPE_MARGINS = (Mm(25), Mm(22), Mm(25), Mm(25))
TABLE_TEXT, TABLE_HEAD, NOTICE, NOTE, FIGURE = "表格文字", "表头", "缺报提示", "说明", "图表"
CAPTION = "图题"
CELL_SIDE_MARGIN = 85  # twips, left and right of a table cell's text
ALIGN = {
    "l": WD_ALIGN_PARAGRAPH.LEFT,
    "c": WD_ALIGN_PARAGRAPH.CENTER,
    "r": WD_ALIGN_PARAGRAPH.RIGHT,
}


@dataclass(frozen=True)
class Col:
    """A table column: its title, the cell's jinja text, width in mm, alignment l / c / r."""

    title: str
    cell: str
    width: float
    align: str = "l"


class TemplateBuilder:
    """A new Word template: styles, page, header and footer set up; add content in order."""

    def __init__(self, title: str, *, landscape: bool = False) -> None:
        self.doc = Document()
        core = self.doc.core_properties
        core.title, core.author, core.comments, core.language = title, "", "", "zh-CN"
        _drop_thumbnail(self.doc)  # python-docx's default template carries a picture of a page
        _setup_styles(self.doc)
        self.text_width = _setup_page(self.doc, landscape)
        _setup_header_footer(self.doc, self.text_width)
        body = self.doc.element.body
        for paragraph in list(body.iterchildren(qn("w:p"))):
            body.remove(paragraph)  # the default template's empty first paragraph

    # ── paragraphs ─────────────────────────────────────────────────────────────────────────

    def title(self, text: str) -> None:
        self.doc.add_paragraph(text, style="Title")

    def subtitle(self, text: str) -> None:
        self.doc.add_paragraph(text, style="Subtitle")

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_paragraph(text, style=f"Heading {level}")

    def text(self, text: str, style: str = "Normal") -> None:
        self.doc.add_paragraph(text, style=style)

    def tag(self, statement: str) -> None:
        """A paragraph holding only a block tag, e.g. "if x" → {%p if x %} (docxtpl drops it)."""
        self.doc.add_paragraph(f"{{%p {statement} %}}", style="Normal")

    def notice(self, text: str) -> None:
        self.doc.add_paragraph(text, style=NOTICE)

    def note(self, text: str) -> None:
        self.doc.add_paragraph(text, style=NOTE)

    def figure(self, variable: str, caption: str) -> None:
        self.doc.add_paragraph(f"{{{{ {variable} }}}}", style=FIGURE)  # kept with its caption
        self.doc.add_paragraph(caption, style=CAPTION)

    def labelled(self, label: str, value: str) -> None:
        """“label：value” with the label in 黑体, as official reports set a lead-in."""
        paragraph = self.doc.add_paragraph(style="Normal")
        _fonts(paragraph.add_run(f"{label}：")._r.get_or_add_rPr(), HEITI, HEITI)
        paragraph.add_run(value)

    # ── tables ─────────────────────────────────────────────────────────────────────────────

    def table(self, columns: Sequence[Col], loop: str, total: Sequence[str] | None = None) -> Table:
        """A header row, then one row repeated `{%tr for <loop> %}`, then an optional totals
        row in bold; fitted to the text width."""
        scale = min(1.0, (self.text_width / Mm(1)) / sum(c.width for c in columns))
        texts = [
            [c.title for c in columns],
            [f"{{%tr for {loop} %}}"] + [""] * (len(columns) - 1),
            [c.cell for c in columns],
            ["{%tr endfor %}"] + [""] * (len(columns) - 1),
        ]
        if total is not None:
            texts.append(list(total))
        table = self.doc.add_table(rows=len(texts), cols=len(columns))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                paragraph = cell.paragraphs[0]
                paragraph.style = self.doc.styles[TABLE_HEAD if r == 0 else TABLE_TEXT]
                paragraph.alignment = ALIGN["c" if r == 0 else columns[c].align]
                paragraph.add_run(texts[r][c]).bold = r == 4 or None
        _table_layout(table, [c.width * scale for c in columns])
        _header_row(table)
        self.doc.add_paragraph("", style=NOTE)  # Word needs a paragraph between two tables
        return table

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


# ── styles ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Look:
    east_asia: str
    size: float
    bold: bool = False
    latin: str = LATIN
    align: str | None = None
    before: float = 0
    after: float = 0
    line: float | None = 1.25
    indent: bool = False  # first line indented two characters
    outline: int | None = None
    color: str | None = None
    keep: bool = False  # kept on one page with the paragraph after it (headings, figures)


LOOKS: dict[str, _Look] = {
    "Normal": _Look(FANGSONG, 14, indent=True),
    "Title": _Look(SONGTI, 22, bold=True, latin=SONGTI, align="c", before=6, after=6, line=1.1),
    "Subtitle": _Look(KAITI, 16, latin=KAITI, align="c", after=12),
    "Heading 1": _Look(HEITI, 16, latin=HEITI, before=12, after=6, indent=True, outline=0),
    "Heading 2": _Look(
        KAITI, 15, bold=True, latin=KAITI, before=8, after=4, indent=True, outline=1
    ),
    "Heading 3": _Look(FANGSONG, 14, bold=True, before=6, after=2, indent=True, outline=2),
    "Header": _Look(FANGSONG, 10.5, line=1.0),
    "Footer": _Look(SONGTI, 14, latin=SONGTI, align="c", line=1.0),
    TABLE_TEXT: _Look(FANGSONG, 10.5, line=1.0),
    TABLE_HEAD: _Look(HEITI, 10.5, latin=HEITI, align="c", line=1.0),
    NOTICE: _Look(FANGSONG, 14, bold=True, before=2, after=2, indent=True, color="C00000"),
    NOTE: _Look(KAITI, 10.5, latin=KAITI, after=4, line=1.0, color="595959"),
    FIGURE: _Look(FANGSONG, 10.5, align="c", before=6, line=None, keep=True),
    CAPTION: _Look(HEITI, 10.5, latin=HEITI, align="c", after=6, line=1.0),
}


def _setup_styles(doc: WordDocument) -> None:
    styles = doc.styles
    for style in styles.element.iterfind(qn("w:style")):
        _strip_theme_fonts(style)
    _document_defaults(doc)
    for name, look in LOOKS.items():
        try:
            style = styles[name]
        except KeyError:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            style.quick_style = True
        _apply_look(style.element, look)
    table_grid = styles["Table Grid"].element
    for rpr in table_grid.iterfind(qn("w:rPr")):
        table_grid.remove(rpr)


def _strip_theme_fonts(style: BaseOxmlElement) -> None:
    for fonts in style.iter(qn("w:rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attr}"), None)
    for color in style.iter(qn("w:color")):
        for attr in ("themeColor", "themeShade", "themeTint"):
            color.attrib.pop(qn(f"w:{attr}"), None)


def _document_defaults(doc: WordDocument) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    _fonts(rpr, FANGSONG, LATIN)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _apply_look(style: BaseOxmlElement, look: _Look) -> None:
    for child in style.findall(qn("w:pPr")) + style.findall(qn("w:rPr")):
        style.remove(child)
    ppr = OxmlElement("w:pPr")
    if look.outline is not None or look.keep:
        ppr.append(OxmlElement("w:keepNext"))
        ppr.append(OxmlElement("w:keepLines"))
    spacing = _el("w:spacing", before=str(int(look.before * 20)), after=str(int(look.after * 20)))
    if look.line is not None:
        spacing.set(qn("w:line"), str(int(look.line * 240)))
        spacing.set(qn("w:lineRule"), "auto")
    ppr.append(spacing)
    indent = {"firstLineChars": "200"} if look.indent else {"firstLine": "0", "firstLineChars": "0"}
    ppr.append(_el("w:ind", **indent))
    if look.align is not None:
        ppr.append(_el("w:jc", val={"c": "center", "r": "right"}.get(look.align, "left")))
    if look.outline is not None:
        ppr.append(_el("w:outlineLvl", val=str(look.outline)))
    rpr = OxmlElement("w:rPr")
    _fonts(rpr, look.east_asia, look.latin)
    if look.bold:
        rpr.append(OxmlElement("w:b"))
        rpr.append(OxmlElement("w:bCs"))
    rpr.append(_el("w:color", val=look.color or "000000"))
    half_points = str(int(look.size * 2))
    rpr.append(_el("w:sz", val=half_points))
    rpr.append(_el("w:szCs", val=half_points))
    style.append(ppr)
    style.append(rpr)


def _fonts(rpr: BaseOxmlElement, east_asia: str, latin: str) -> None:
    """Name the fonts for every script explicitly: w:eastAsia is what Chinese text uses."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.attrib.clear()
    for attr, name in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asia), ("cs", latin)):
        fonts.set(qn(f"w:{attr}"), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _el(tag: str, **attrs: str) -> BaseOxmlElement:
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


# ── page, header, footer ────────────────────────────────────────────────────────────────────


def _setup_page(doc: WordDocument, landscape: bool) -> Mm:
    section = doc.sections[0]
    width, height = A4
    top, bottom, left, right = LANDSCAPE_MARGINS if landscape else PORTRAIT_MARGINS
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    section.top_margin, section.bottom_margin = top, bottom
    section.left_margin, section.right_margin = left, right
    section.header_distance, section.footer_distance = Mm(15), Mm(15)
    return Mm((width - left - right) / Mm(1))


def _setup_header_footer(doc: WordDocument, text_width: Mm) -> None:
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    header.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
    header.add_run("{{ company }}\t{{ header_right }}")
    border = _el("w:pBdr")
    border.append(_el("w:bottom", val="single", sz="6", space="1", color="000000"))
    header._p.get_or_add_pPr().append(border)
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.add_run("— ")
    _page_field(footer.add_run()._r)
    footer.add_run(" —")
    note = section.footer.add_paragraph(style=NOTE)
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note.add_run("{{ footer }}").font.color.rgb = RGBColor(0x80, 0x80, 0x80)


def _page_field(run: BaseOxmlElement) -> None:
    """A PAGE field: Word and LibreOffice fill in the page number."""
    run.append(_el("w:fldChar", fldCharType="begin"))
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    run.append(instruction)
    run.append(_el("w:fldChar", fldCharType="separate"))
    number = OxmlElement("w:t")
    number.text = "1"
    run.append(number)
    run.append(_el("w:fldChar", fldCharType="end"))


def _drop_thumbnail(doc: WordDocument) -> None:
    rels = doc.part.package.rels
    for key, rel in list(rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            rels.pop(key)


def _table_layout(table: Table, widths_mm: Sequence[float]) -> None:
    """The template's first guess; the rendered table is sized to its content (table_fit)."""
    tbl = table._tbl
    tblpr = tbl.tblPr
    set_child(tblpr, "tblW", TABLE_ORDER, w=str(int(sum(widths_mm) * 56.7)), type="dxa")
    set_child(tblpr, "tblLayout", TABLE_ORDER, type="fixed")
    margins = _el("w:tblCellMar")  # 0.15 cm beside the text (Word's 0.19 cm wastes a wide table)
    for side in ("left", "right"):
        margins.append(_el(f"w:{side}", w=str(CELL_SIDE_MARGIN), type="dxa"))
    for old in tblpr.findall(qn("w:tblCellMar")):
        tblpr.remove(old)
    later = {qn("w:tblLook"), qn("w:tblCaption"), qn("w:tblDescription")}
    spot = next((i for i, child in enumerate(tblpr) if child.tag in later), len(tblpr))
    tblpr.insert(spot, margins)
    grid = tbl.tblGrid
    for col, width in zip(grid.iterfind(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(int(width * 56.7)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _header_row(table: Table) -> None:
    """Shade the title row and repeat it at the top of every page the table runs onto."""
    row = table.rows[0]
    row._tr.get_or_add_trPr().append(_el("w:tblHeader"))
    for other in table.rows:
        other._tr.get_or_add_trPr().append(_el("w:cantSplit"))
    for cell in row.cells:
        cell._tc.get_or_add_tcPr().append(_el("w:shd", val="clear", color="auto", fill="D9D9D9"))
