"""What every outgoing message goes through: the number guard, and splitting to a robot's limit.

The guard is the last line of defence: whatever a message says (a staff-typed file name, an issue
message quoting a cell), a mobile number or an ID number in it leaves masked, 前三后四 and
region + last four, as receipts and reports show them.
"""

from __future__ import annotations

import re

from branchflow.validate.normalize import mask_id, mask_phone

# 11-digit mobiles, also written 138-1234-5678 or 138 1234 5678, not inside a longer number.
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
# 18-character ID numbers (last one a digit or X), and the old 15-digit ones.
_ID = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
CONTINUED = "（续）"
# Break a line too long for one message after one of these, rather than inside a word.
_BREAK_AFTER = frozenset(" ，。；、：,.;:）)】」")


def guard(text: str) -> str:
    """`text` with every mobile number and ID number masked."""
    text = _ID.sub(lambda m: mask_id(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(re.sub(r"[- ]", "", m.group())), text)


def has_full_number(text: str) -> bool:
    """Would the guard change anything? (tests and the sender's last check)"""
    return bool(_ID.search(text) or _MOBILE.search(text))


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut between lines; every piece after the first
    starts with （续）. A single line longer than a piece is cut after a space or punctuation
    near the end, else between characters (never inside one)."""
    text = text.strip("\n")
    if utf8_len(text) <= limit:
        return [text]
    room = limit - utf8_len(CONTINUED + "\n")
    pieces: list[str] = []
    current = ""
    for line in _short_lines(text.split("\n"), room):
        candidate = f"{current}\n{line}" if current else line
        if utf8_len(candidate) <= (limit if not pieces else room):
            current = candidate
            continue
        pieces.append(current)
        current = line
    if current:
        pieces.append(current)
    return [pieces[0], *(f"{CONTINUED}\n{p}" for p in pieces[1:])]


def _short_lines(lines: list[str], room: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        while utf8_len(line) > room:
            cut = _cut(line, room)
            out.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        out.append(line)
    return out


def _cut(line: str, room: int) -> int:
    """Where to cut a line so its head fits in `room` bytes."""
    size, fits = 0, 0
    for index, ch in enumerate(line):
        size += utf8_len(ch)
        if size > room:
            break
        fits = index + 1
    for index in range(fits, max(fits - 40, 0), -1):
        if line[index - 1] in _BREAK_AFTER:
            return index
    return max(fits, 1)
