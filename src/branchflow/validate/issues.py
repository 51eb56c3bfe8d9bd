"""A data problem found in a drop: a stable code, where it is, and how to fix it, in Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    code: str  # stable identifier, e.g. "phone.invalid"
    message: str  # plain Chinese: what is wrong and how to fix it
    sheet: str = ""
    cell: str = ""  # "E7"; empty for a problem with the whole file or sheet
    field: str = ""  # the column title or label concerned
    severity: Severity = "error"

    @property
    def address(self) -> str:
        """`客户档案!E7`, or just the sheet, or nothing."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict[str, str]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_address(row: int, col: int) -> str:
    """(7, 5) → E7; row and col are 1-based."""
    return f"{column_letter(col)}{row}"
