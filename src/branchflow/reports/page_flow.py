"""Page flow of a rendered document: a heading (and the note under it) stays on the page of the
table below it, a short table is kept whole, a long one keeps its first rows with its heading.
Word and LibreOffice both honour "keep with next" on paragraphs, table rows' included."""

from __future__ import annotations

from docx.document import Document as WordDocument
from docx.oxml.xmlchemy import BaseOxmlElement

KEEP_WHOLE_LINES = 16  # a table this short is kept on one page, with the heading above it
KEEP_HEAD_LINES = 5  # a longer one keeps its title row and first lines with that heading
LEAD_INS = 4  # headings and notes kept with the table below them, at most
NOTE_STYLE = "说明"
LEAD_IN_STYLES = ("Title", "Subtitle", "Heading", NOTE_STYLE)  # names (prefixes) of such styles

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _PPR, _PSTYLE, _KEEPNEXT = f"{_W}p", f"{_W}pPr", f"{_W}pStyle", f"{_W}keepNext"


class Styles:
    """What the document's paragraph styles say, read once: font sizes in points, and which
    styles lead into what follows them (headings, notes)."""

    def __init__(self, document: WordDocument) -> None:
        element = document.styles.element
        self.sizes: dict[str, float] = {}
        self.lead_ins: set[str] = set()
        self.notes: set[str] = set()
        for style in element.iterfind(f"{_W}style"):
            key = style.get(f"{_W}styleId")
            name_element = style.find(f"{_W}name")
            name = name_element.get(f"{_W}val", "") if name_element is not None else ""
            size = style.find(f"{_W}rPr/{_W}sz")
            if size is not None:
                self.sizes[key] = int(size.get(f"{_W}val")) / 2
            if name.lower().startswith(tuple(n.lower() for n in LEAD_IN_STYLES)):
                self.lead_ins.add(key)
            if name == NOTE_STYLE:
                self.notes.add(key)


def keep_together(
    table: BaseOxmlElement,
    rows: list[list[BaseOxmlElement]],
    lines: list[list[list[str]]],
    lead_ins: set[str],
) -> None:
    """Keep a short table whole, a long one's title row and first lines, with the headings and
    notes just above it (so no heading is left at a page foot with a row or two)."""
    heights = [max((len(cell) for cell in row), default=1) for row in lines]
    if sum(heights) <= KEEP_WHOLE_LINES:
        count = len(rows) - 1
    else:
        count, height = 0, 0
        while count < len(rows) - 1 and height < KEEP_HEAD_LINES:
            height += heights[count]
            count += 1
    for row in rows[:count]:
        for cell in row:
            for paragraph in cell.iter(_P):
                _keep_next(paragraph)
    before = table.getprevious()
    for _ in range(LEAD_INS):
        if before is None or before.tag != _P:
            break
        _keep_next(before)
        style = before.find(f"{_W}pPr/{_W}pStyle")
        before = before.getprevious()
        if style is None or style.get(f"{_W}val") not in lead_ins:
            break  # body text: it leads into this table only as the last paragraph before it


def keep_notes_with_their_text(body: BaseOxmlElement, notes: set[str], heads: set[str]) -> None:
    """A note right under a heading (an activity's place and numbers, a table's legend) is
    part of that heading: keep it with what follows too."""
    previous: str | None = None
    for child in body.iterchildren():
        style = child.find(f"{_W}pPr/{_W}pStyle") if child.tag == f"{_W}p" else None
        current = style.get(f"{_W}val") if style is not None else None
        if current in notes and previous in heads:
            _keep_next(child)
        previous = current if child.tag == f"{_W}p" else None


def _keep_next(paragraph: BaseOxmlElement) -> None:
    properties = paragraph[0] if len(paragraph) and paragraph[0].tag == _PPR else None
    if properties is None:
        properties = paragraph.makeelement(_PPR, {})
        paragraph.insert(0, properties)
    if properties.find(_KEEPNEXT) is None:
        first_is_style = len(properties) and properties[0].tag == _PSTYLE
        properties.insert(1 if first_is_style else 0, properties.makeelement(_KEEPNEXT, {}))
