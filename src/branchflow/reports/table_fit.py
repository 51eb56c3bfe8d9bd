"""Size every table's columns from what the rendered cells hold, as Word's own autofit would if
it could be trusted to: a phone, a date or a number never wraps, a short name (东莞分中心, 杨先生)
stays on one line while there is room, a header may take two lines, and text columns share what
is left of the page width. Runs on the rendered document, so HQ-edited templates get it too.

Widths are counted in half-em units at the table's font size: a CJK (or full-width) character is
two units, a narrow Latin character one, a wide one (M, W, capitals) one and a half, % two. The
characters East Asian typography sets either way (– — · ㎡ “ ”) count two: the documents' runs
ask for the East-Asian font first, which sets them full-width.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from lxml import etree

from branchflow.reports import page_flow
from branchflow.reports.page_flow import Styles

# A line that must never wrap: numbers, percentages, dates and times, phones (masked or not),
# "5 / 26", "+12.5%", "2026-11-25 23:59", "0769-22334455".
ATOMIC = re.compile(r"^[-+−]?[\d０-９][\d０-９.,:%/*＊\- +−—~–]*$|^[-—–]$")
WIDE_LATIN = frozenset("@MWmw")
SHORT_TEXT = 16  # units: a text of up to 8 CJK characters is kept on one line if it can be
NARROW_TEXT = 4  # units: how far text may be squeezed when the page is too narrow for the rest
CELL_MARGINS = 216  # twips: Word's default 0.19 cm left and right, when the table sets none
SLACK = 0.6  # unit per column, for rounding and bold figures
DEFAULT_SIZE = 10.5  # points, when neither the paragraph nor its style says
OPTIONAL_COLUMNS = frozenset({"说明", "备注"})  # dropped when no row fills them in

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TBL, _TR, _TC, _P = f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}p"
_TCPR, _TCW, _GRIDSPAN = f"{_W}tcPr", f"{_W}tcW", f"{_W}gridSpan"
# The order the schema requires of these properties' children (Word rejects any other order).
TABLE_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription",
)  # fmt: skip
CELL_ORDER = (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
    "textDirection", "tcFitText", "vAlign", "hideMark",
)  # fmt: skip


@lru_cache(maxsize=8192)
def units(text: str) -> float:
    """The width of one line of text in half-em units."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in "WFA" or char == "%":
            width += 2
        elif char in WIDE_LATIN or char.isupper():
            width += 1.5
        else:
            width += 1
    return width


# How far columns shrink, tier by tier, when the page is too narrow for every line: a line of
# text up to `whole` units stays unbroken, a longer one may wrap down to `long` units, a column
# title may take `lines` lines. Long text gives way first; short names (东莞分中心) last.
TIERS = (
    (22, 22, 2),
    (SHORT_TEXT, SHORT_TEXT, 2),
    (SHORT_TEXT, 8, 2),
    (SHORT_TEXT, NARROW_TEXT, 3),
    (8, NARROW_TEXT, 3),
    (NARROW_TEXT, NARROW_TEXT, 4),
)


@dataclass
class _Column:
    natural: float = 0.0  # the widest line: what the column takes when nothing is short of room
    floors: list[float] = field(default_factory=lambda: [0.0] * len(TIERS))  # least, per tier
    text: bool = False  # holds wrapping text: it takes the room that is left


def fit_tables(document: WordDocument, styles: Styles | None = None) -> None:
    """Drop empty optional columns, size every table to its content, keep heads with bodies.
    `styles`: the document's `Styles`, when the caller has them from an earlier document made
    from the same template."""
    body = document.element.body
    available = _text_width(body)
    styles = styles or Styles(document)
    for table in list(body.iter(_TBL)):
        rows = _rows(table)
        if not rows:
            continue
        if table.find(f".//{_TBL}") is not None:
            continue  # a table inside a table: left as its author made it
        lines = _table_lines(table, rows)
        if lines is None:
            continue  # content controls or the like around cells: left as its author made it
        _drop_empty_optional_columns(table, rows, lines)
        _size_columns(table, rows, lines, available, styles.sizes)
        page_flow.keep_together(table, rows, lines, styles.lead_ins)
    page_flow.keep_notes_with_their_text(body, styles.notes, styles.lead_ins - styles.notes)


# ── measuring ──────────────────────────────────────────────────────────────────────────────


# A table's text in one pass of libxslt (walking its elements from Python costs four times as
# much): paragraphs and line breaks end lines, U+E000 ends a cell, U+E001 a row.
_CELL_END, _ROW_END = "\ue000", "\ue001"
_TEXT = etree.XSLT(
    etree.XML(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:w="{_W[1:-1]}">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="text()"/>
<xsl:template match="w:t"><xsl:value-of select="."/></xsl:template>
<xsl:template match="w:br|w:cr"><xsl:text>&#10;</xsl:text></xsl:template>
<xsl:template match="w:tab"><xsl:text> </xsl:text></xsl:template>
<xsl:template match="w:p"><xsl:apply-templates/><xsl:text>&#10;</xsl:text></xsl:template>
<xsl:template match="w:tc"><xsl:apply-templates/><xsl:text>&#xE000;</xsl:text></xsl:template>
<xsl:template match="w:tr"><xsl:apply-templates/><xsl:text>&#xE001;</xsl:text></xsl:template>
</xsl:stylesheet>"""
    )
)


def _table_lines(
    table: BaseOxmlElement, rows: list[list[BaseOxmlElement]]
) -> list[list[list[str]]] | None:
    """Each cell's text, one string per line; None if the text does not map one to one onto
    the table's rows and cells."""
    text = str(_TEXT(table))
    found = [
        [_lines(cell) for cell in row.split(_CELL_END)[:-1]] for row in text.split(_ROW_END)[:-1]
    ]
    return found if [len(r) for r in found] == [len(r) for r in rows] else None


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.split("\n")]
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # after the last paragraph's end
    return lines


@lru_cache(maxsize=8192)
def _floors(line: str, header: bool) -> tuple[tuple[float, ...], bool]:
    """The least width of one line of a cell at each tier, and whether the line wraps as text.

    A number, a date or a phone never breaks, at any tier; neither does a short line of text
    (东莞分中心, 2026-10-18 电话) while the tier allows it."""
    width = units(line)
    if not line or ATOMIC.match(line):
        return (width,) * len(TIERS), False
    if header:
        return tuple(_header_floor(line, lines) for _, _, lines in TIERS), False
    tokens = line.split()
    atomic = max((units(t) for t in tokens if ATOMIC.match(t)), default=0.0)
    longest = max(units(t) for t in tokens)
    floors = tuple(
        max(atomic, width if width <= whole else min(longest, long)) for whole, long, _ in TIERS
    )
    return floors, width > SHORT_TEXT


def _header_floor(line: str, lines: int) -> float:
    """A column title may take `lines` lines: split before a bracket, or into even parts."""
    width = units(line)
    for bracket in ("（", "("):
        if bracket in line.strip(bracket):
            head, tail = line.split(bracket, 1)
            return max(units(head), units(bracket + tail))
    if width <= 8:
        return width
    return math.ceil(width / lines / 2) * 2


def _columns(lines: Sequence[list[list[str]]]) -> list[_Column]:
    count = max(len(r) for r in lines)
    columns = [_Column() for _ in range(count)]
    for index, cells in enumerate(lines):
        if len(cells) != count:
            continue  # a row with merged cells: its cells do not map one to one
        for column, cell in zip(columns, cells, strict=True):
            for line in cell:
                floors, wraps = _floors(line, header=index == 0)
                column.natural = max(column.natural, units(line))
                column.floors = [max(a, b) for a, b in zip(column.floors, floors, strict=True)]
                column.text = column.text or (wraps and index > 0)
    return columns


def _widths(columns: list[_Column], available: float, extra: float) -> list[float]:
    """Widths in units: natural widths when they fit (text columns take the rest), else each
    column shrinks toward its floor of the first tier whose floors fit, as far as needed.
    `extra` is what every column needs beyond its text (margins, rounding)."""
    natural = [c.natural + extra for c in columns]
    if sum(natural) <= available:
        return _spread(natural, columns, available - sum(natural))
    for tier in range(len(TIERS)):
        least = [c.floors[tier] + extra for c in columns]
        if sum(least) <= available:
            room = available - sum(least)
            want = [max(n - f, 0.0) for n, f in zip(natural, least, strict=True)]
            share = room / sum(want) if sum(want) else 0.0
            return [f + w * min(share, 1.0) for f, w in zip(least, want, strict=True)]
    return [c.floors[-1] + extra for c in columns]  # wider than the page: nothing else to give


def _spread(widths: list[float], columns: list[_Column], room: float) -> list[float]:
    texts = [i for i, c in enumerate(columns) if c.text] or list(range(len(columns)))
    weight = sum(widths[i] for i in texts)
    return [w + (room * w / weight if i in texts else 0.0) for i, w in enumerate(widths)]


# ── changing the table ─────────────────────────────────────────────────────────────────────


def _rows(table: BaseOxmlElement) -> list[list[BaseOxmlElement]]:
    return [list(row.iterchildren(_TC)) for row in table.iterchildren(_TR)]


def _drop_empty_optional_columns(
    table: BaseOxmlElement, rows: list[list[BaseOxmlElement]], lines: list[list[list[str]]]
) -> None:
    """Drop (in place, from the table and from `rows` / `lines`) a 说明 column nobody filled."""
    if len(rows) < 2 or any(len(r) != len(rows[0]) for r in rows):
        return
    titles = ["".join(cell) for cell in lines[0]]
    drop = [
        i
        for i, title in enumerate(titles)
        if title in OPTIONAL_COLUMNS and not any("".join(r[i]) for r in lines[1:])
    ]
    if not drop or len(drop) == len(titles):
        return
    grid = list(table.find(f"{_W}tblGrid").iterchildren(f"{_W}gridCol"))
    for i in reversed(drop):
        for row, row_lines in zip(rows, lines, strict=True):
            row[i].getparent().remove(row[i])
            del row[i], row_lines[i]
        if i < len(grid):
            grid[i].getparent().remove(grid[i])


def _size_columns(
    table: BaseOxmlElement,
    rows: list[list[BaseOxmlElement]],
    lines: list[list[list[str]]],
    available: int,
    sizes: dict[str, float],
) -> None:
    unit = _font_size(table, sizes) * 10  # twips per half-em
    extra = _cell_margins(table) / unit + SLACK
    twips = [round(w * unit) for w in _widths(_columns(lines), available / unit, extra)]
    _set_widths(table, rows, twips)


def _set_widths(
    table: BaseOxmlElement, rows: list[list[BaseOxmlElement]], twips: list[int]
) -> None:
    properties = table.find(f"{_W}tblPr")
    set_child(properties, "tblW", TABLE_ORDER, w=str(sum(twips)), type="dxa")
    set_child(properties, "tblLayout", TABLE_ORDER, type="fixed")
    grid = table.find(f"{_W}tblGrid")
    for col in list(grid):
        grid.remove(col)
    for width in twips:
        grid.append(_element("gridCol", w=str(width)))
    if _set_cell_widths_quickly(table, rows, twips):
        return
    for cells in rows:
        position = 0
        for cell in cells:
            span, found = 1, None
            properties = cell[0] if len(cell) and cell[0].tag == _TCPR else None
            for child in properties if properties is not None else ():
                if child.tag == _GRIDSPAN:
                    span = int(child.get(f"{_W}val", 1))
                elif child.tag == _TCW:
                    found = child
            cell_width = str(sum(twips[position : position + span]))
            position += span
            if found is not None:  # the usual case: set in place, the quickest way
                found.attrib.clear()
                found.set(f"{_W}w", cell_width)
                found.set(f"{_W}type", "dxa")
                continue
            if properties is None:
                properties = cell.makeelement(_TCPR, {})
                cell.insert(0, properties)
            set_child(properties, "tcW", CELL_ORDER, w=cell_width, type="dxa")


_CELL_WIDTHS = etree.XPath("./w:tr/w:tc/w:tcPr/w:tcW", namespaces={"w": _W[1:-1]})


def _set_cell_widths_quickly(
    table: BaseOxmlElement, rows: list[list[BaseOxmlElement]], twips: list[int]
) -> bool:
    """The usual table — no merged cells, a width on every cell — in one XPath query."""
    if table.find(f".//{_GRIDSPAN}") is not None:
        return False
    found = _CELL_WIDTHS(table)
    count = len(twips)
    if len(found) != sum(len(r) for r in rows) or any(len(r) != count for r in rows):
        return False
    widths = [str(w) for w in twips]
    for index, element in enumerate(found):
        element.attrib.clear()
        element.set(f"{_W}w", widths[index % count])
        element.set(f"{_W}type", "dxa")
    return True


# ── the page and the fonts ─────────────────────────────────────────────────────────────────


def _text_width(body: BaseOxmlElement) -> int:
    """Twips between the margins of the document's (last) section; A4 portrait by default."""
    section = body.find(f"{_W}sectPr")
    size = section.find(f"{_W}pgSz") if section is not None else None
    margins = section.find(f"{_W}pgMar") if section is not None else None
    if size is None or margins is None:
        return 8844
    page = int(size.get(qn("w:w")))
    return page - int(margins.get(qn("w:left"), 0)) - int(margins.get(qn("w:right"), 0))


def _cell_margins(table: BaseOxmlElement) -> int:
    """Twips of a cell's left and right margins together, as the table sets them."""
    margins = table.find(f"{_W}tblPr/{_W}tblCellMar")
    if margins is None:
        return CELL_MARGINS
    total = 0
    for sides in (("left", "start"), ("right", "end")):
        side = next((m for s in sides if (m := margins.find(f"{_W}{s}")) is not None), None)
        total += int(side.get(qn("w:w"), 108)) if side is not None else 108
    return total


def _font_size(table: BaseOxmlElement, sizes: dict[str, float]) -> float:
    """The largest font size a cell's text is set in (a run's own size, else its style's)."""
    found = 0.0
    for paragraph in _first_paragraphs(table):
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        found = max(found, sizes.get(style.get(qn("w:val")), 0.0) if style is not None else 0.0)
        for size in paragraph.iter(f"{_W}sz"):
            found = max(found, int(size.get(qn("w:val"))) / 2)
    return found or DEFAULT_SIZE


def _first_paragraphs(table: BaseOxmlElement) -> Iterator[BaseOxmlElement]:
    for row in list(table.iterchildren(f"{_W}tr"))[:3]:
        yield from row.iter(f"{_W}p")


def set_child(parent: BaseOxmlElement, tag: str, order: Sequence[str], **attrs: str) -> None:
    """Put exactly one w:`tag` with `attrs` into `parent`, where the schema's `order` wants it."""
    for old in parent.findall(f"{_W}{tag}"):
        parent.remove(old)
    later = {f"{_W}{t}" for t in order[order.index(tag) + 1 :]}
    new = _element(tag, **attrs)
    for index, child in enumerate(parent):
        if child.tag in later:
            parent.insert(index, new)
            return
    parent.append(new)


def _element(tag: str, **attrs: str) -> BaseOxmlElement:
    element = OxmlElement(f"w:{tag}")
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element
