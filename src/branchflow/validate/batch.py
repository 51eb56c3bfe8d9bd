"""What validation hands to the archive: normalised records that keep their cell addresses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from branchflow.validate.choices import Aliases
from branchflow.validate.issues import Issue


@dataclass(frozen=True, slots=True)
class Original:
    """What staff wrote in a cell whose stored value differs: the text, and for a number read
    as a range or an approximation its bounds in the column's unit (None: open that side)."""

    text: str
    low: float | None = None
    high: float | None = None

    @property
    def ranged(self) -> bool:
        """A number read with bounds (else the stored value is all there is)."""
        return self.low is not None or self.high is not None


NO_ORIGINALS: Mapping[str, Original] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Record:
    """One table row after normalisation: field key → value (str, int, float, date or None)."""

    sheet: str
    row: int
    values: Mapping[str, Any]
    cells: Mapping[str, str] = field(default_factory=dict)  # field key → "E7"
    # field key → as written, where the stored value differs from it
    originals: Mapping[str, Original] = field(default_factory=lambda: NO_ORIGINALS)

    def address(self, key: str) -> str:
        """`客户档案!E7` for a field, or the row's first cell when the column is absent."""
        return f"{self.sheet}!{self.cells.get(key, f'A{self.row}')}"


@dataclass(frozen=True)
class ValidationContext:
    """What validation needs to know beyond the workbook itself."""

    branch: str  # the drop folder's name; it is authoritative over the 分中心 cell
    today: date
    projects: tuple[str, ...]
    home_province: str = "贵州省"
    scope_counties: tuple[str, ...] = ()
    hq_folder: bool = False  # the file came from inbox/总部/
    aliases: Aliases = field(default_factory=Aliases)  # the company's words, [aliases.<栏目>]


@dataclass(frozen=True)
class ValidatedBatch:
    kind: str
    branch: str
    period: str | None  # "2026-11" or "2026-W48"
    reporter: str | None
    values: Mapping[str, Any]  # normalised single values (text sections, header block)
    tables: Mapping[str, tuple[Record, ...]]
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.is_error)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if not i.is_error)

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return sum(len(records) for records in self.tables.values())
