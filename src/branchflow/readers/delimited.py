"""A CSV (or tab-separated text) file as rows of text: the encoding and the separator found.

Decoding by trial is reliable for what Chinese offices save, without a detection library: Excel's
“CSV UTF-8” and WPS write a BOM; plain “CSV (逗号分隔)” on a Chinese Windows is GBK, which GB18030
contains; Excel's “Unicode 文本” is UTF-16 with a BOM. Text that decodes as strict UTF-8 is UTF-8
(Chinese GBK bytes almost never form valid UTF-8), then GB18030, else the file is refused. A
statistical detector guesses on short files (a 2-line GBK list can come out as Big5 or cp1252).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator

SEPARATORS = (",", "\t", ";")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
MAX_FIELD = 32_767  # as much as an Excel cell holds


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, encoding name), or None when it is not text in an encoding we know."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return (text, encoding) if _looks_like_text(text) else None
    return None


def _looks_like_text(text: str) -> bool:
    """Not a binary file that happens to decode: no NULs or other control characters."""
    sample = text[:65536]
    return not any(ch < " " and ch not in "\t\r\n" for ch in sample)


def separator(text: str) -> str:
    """The separator the header line uses most (a comma when it has none)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _lines(text: str) -> Iterator[str]:
    """The text line by line, without a second copy of it all (io.StringIO would make one)."""
    start, end = 0, len(text)
    while start < end:
        cut = text.find("\n", start)
        cut = end if cut < 0 else cut + 1
        yield text[start:cut]
        start = cut


def read_rows(text: str, max_cells: int) -> tuple[list[tuple[str | None, ...]], bool]:
    """The rows (empty fields None), and False when the file holds more cells than max_cells."""
    reader = csv.reader(_lines(text), delimiter=separator(text))
    rows: list[tuple[str | None, ...]] = []
    cells = 0
    same: dict[str, str | None] = {"": None}  # equal texts become one object, as in load_rows
    keep = same.setdefault
    csv.field_size_limit(MAX_FIELD * 4)
    try:
        for row in reader:
            cells += len(row)
            if cells > max_cells:
                return rows, False
            rows.append(tuple(keep(v, v) for v in (value[:MAX_FIELD] for value in row)))
    except csv.Error:  # a field longer than any cell: not a list staff wrote
        return rows, False
    return rows, True
