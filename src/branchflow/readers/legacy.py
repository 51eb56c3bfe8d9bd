"""OLE compound files: an old .xls (Excel 97–2003, BIFF8), or a password-protected workbook
(Office keeps an encrypted .xlsx inside an OLE container), or something else.

For an .xls the Workbook stream's records are walked before calamine loads it: each sheet's
highest cell and hidden rows (calamine makes a dense rectangle up to 65536 × 256 cells, 1 GB).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

import olefile

from branchflow.readers.extent import SheetScan

ENCRYPTED_STREAMS = ("EncryptionInfo", "EncryptedPackage")
BOOK_STREAMS = ("Workbook", "Book")  # BIFF8 / BIFF5

BOF, BOUNDSHEET, FILEPASS, ROW = 0x0809, 0x0085, 0x002F, 0x0208
MULRK = 0x00BD
# Records that hold one cell's value, each starting with its row and column (u16, u16).
VALUE_RECORDS = frozenset({0x0006, 0x00FD, 0x0203, 0x027E, 0x0204, 0x00D6, 0x0205})


def classify(data: bytes) -> str:
    """`encrypted`, `xls` or `other` for an OLE file; `damaged` when it cannot be opened."""
    try:
        with olefile.OleFileIO(data) as ole:
            if any(ole.exists(name) for name in ENCRYPTED_STREAMS):
                return "encrypted"
            stream = next((name for name in BOOK_STREAMS if ole.exists(name)), None)
            if stream is None:
                return "other"
            head = ole.openstream(stream).read(64 * 1024)
    # olefile raises many kinds of errors on damaged or hostile containers.
    except Exception:
        return "damaged"
    return "encrypted" if _has_filepass(head) else "xls"


def _has_filepass(head: bytes) -> bool:
    """Excel's own xls encryption: a FILEPASS record among the first globals records."""
    for kind, _, _ in _records(head):
        if kind == FILEPASS:
            return True
        if kind == BOUNDSHEET:  # FILEPASS comes before the sheet list
            return False
    return False


def _records(stream: bytes) -> Iterator[tuple[int, int, int]]:
    """(record type, offset of its body, body length) for each BIFF record."""
    pos, end = 0, len(stream)
    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, pos)
        yield kind, pos + 4, size
        pos += 4 + size


@dataclass
class _Sheet:
    name: str
    rows: int = 0
    cols: int = 0
    hidden: set[int] | None = None


def scan_xls(data: bytes) -> dict[str, SheetScan]:
    """Each worksheet's extent and hidden rows, by name, from the BIFF records."""
    with olefile.OleFileIO(data) as ole:
        stream = ole.openstream(next(n for n in BOOK_STREAMS if ole.exists(n))).read()
    sheets: dict[int, str] = {}  # offset of a sheet's BOF → its name
    found: dict[str, _Sheet] = {}
    current: _Sheet | None = None
    for kind, body, size in _records(stream):
        if kind == BOUNDSHEET and size >= 8:
            sheets[struct.unpack_from("<I", stream, body)[0]] = _sheet_name(stream, body, size)
        elif kind == BOF:
            sheet = sheets.get(body - 4)
            current = found.setdefault(sheet, _Sheet(sheet, hidden=set())) if sheet else None
        elif current is not None and size >= 4:
            _take(current, kind, stream, body, size)
    return {n: SheetScan(s.rows, s.cols, frozenset(s.hidden or ())) for n, s in found.items()}


def _take(sheet: _Sheet, kind: int, stream: bytes, body: int, size: int) -> None:
    if kind in VALUE_RECORDS:
        row, col = struct.unpack_from("<HH", stream, body)
        sheet.rows, sheet.cols = max(sheet.rows, row + 1), max(sheet.cols, col + 1)
    elif kind == MULRK and size >= 6:
        row = struct.unpack_from("<H", stream, body)[0]
        last = struct.unpack_from("<H", stream, body + size - 2)[0]
        sheet.rows, sheet.cols = max(sheet.rows, row + 1), max(sheet.cols, last + 1)
    elif kind == ROW and size >= 16 and sheet.hidden is not None:
        row, flags = struct.unpack_from("<H", stream, body)[0], stream[body + 12]
        if flags & 0x20:  # fDyZero: the row is hidden
            sheet.hidden.add(row)


def _sheet_name(stream: bytes, body: int, size: int) -> str:
    """BOUNDSHEET8's ShortXLUnicodeString: a length, a flag for UTF-16, the characters."""
    if size < 8:
        return ""
    length, wide = stream[body + 6], stream[body + 7] & 1
    raw = stream[body + 8 : body + 8 + length * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", errors="replace")
