"""File names and staff text made safe to print: on a terminal, in a log line, in a receipt.

A file name is chosen by whoever drops the file. Printed raw, a newline in it forges a line of
store/logs/watch.log, and an escape sequence (`ESC ] 0 ; … BEL`, or the one-byte C1 CSI 0x9b)
retitles or repaints the operator's terminal. Every name we print goes through `printable`,
which shows such characters as Python-style escapes; JSON output keeps the true name (json
escapes it itself, see `json_safe`).
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; line and paragraph separators; the bidirectional overrides and
# isolates and the zero-width characters that make a name read differently from what it is.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_C1_OR_DEL = re.compile("[\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` with control and invisible formatting characters written as escapes (\\n, \\x1b,
    \\u202e); ordinary text, Chinese included, unchanged."""
    return _UNPRINTABLE.sub(_escape, str(text))


def json_safe(text: str) -> str:
    """JSON as json.dumps(ensure_ascii=False) writes it, with DEL and C1 controls escaped too
    (JSON allows them raw, a terminal acts on them); the decoded values are unchanged."""
    return _C1_OR_DEL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
