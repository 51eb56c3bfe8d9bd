"""An .xlsb (Excel binary workbook) sheet's extent and hidden rows from its BIFF12 records,
walked before calamine loads it (calamine makes a dense rectangle of it, as of an .xlsx).
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator

from defusedxml import ElementTree

from branchflow.readers.extent import SheetScan

ROW_HEADER, BUNDLE_SHEET = 0, 156
CELL_RECORDS = frozenset(range(2, 12))  # BrtCellRk … BrtFmlaError (1, BrtCellBlank, is empty)
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _varint(data: bytes, pos: int, limit: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(limit):
        if pos >= len(data):
            raise ValueError("truncated record")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            break
    return value, pos


def records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(record type, offset of its body, body length) for each BIFF12 record."""
    pos = 0
    while pos < len(data):
        kind, pos = _varint(data, pos, 2)
        size, pos = _varint(data, pos, 4)
        yield kind, pos, size
        pos += size


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part, from workbook.bin's sheet records and the relationships."""
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.bin.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    book = archive.read("xl/workbook.bin")
    parts: dict[str, str] = {}
    for kind, body, size in records(book):
        if kind != BUNDLE_SHEET or size < 12:
            continue
        rel, pos = _wide_string(book, body + 8)
        name, _ = _wide_string(book, pos)
        target = targets.get(rel, "")
        parts[name] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _wide_string(data: bytes, pos: int) -> tuple[str, int]:
    length = struct.unpack_from("<I", data, pos)[0]
    if length == 0xFFFFFFFF:
        return "", pos + 4
    end = pos + 4 + 2 * length
    return data[pos + 4 : end].decode("utf-16-le", errors="replace"), end


def scan_sheet(data: bytes) -> SheetScan:
    """The highest row and column holding a value, and the hidden rows."""
    row = rows = cols = 0
    hidden: set[int] = set()
    for kind, body, size in records(data):
        if kind == ROW_HEADER and size >= 4:
            row = struct.unpack_from("<I", data, body)[0]
            if size >= 14 and struct.unpack_from("<H", data, body + 12)[0] & 0x10:
                hidden.add(row)
        elif kind in CELL_RECORDS and size >= 4:
            col = struct.unpack_from("<I", data, body)[0]
            rows, cols = max(rows, row + 1), max(cols, col + 1)
    return SheetScan(rows, cols, frozenset(hidden))
