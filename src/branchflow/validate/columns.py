"""Normalise a parsed table column by column, into Records, collecting cell problems.

Column by column because a 100k-row 客户档案 has 2.5 million cells: a column's distinct values
are normalised once each (grades, dates, counties repeat), the per-cell work is done by `map` and
`zip` in C, and cells are only looked at one by one where a column holds a blank required cell,
a value that does not normalise, or one read other than as written (a `Corrected`: its warning
is made per cell, its written text kept in the Record's originals).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

from branchflow.templates.definitions import Field, Table
from branchflow.validate.batch import NO_ORIGINALS, Original, Record, ValidationContext
from branchflow.validate.codes import make_issue
from branchflow.validate.fields import BLANK, FieldNormaliser, normaliser_for
from branchflow.validate.issues import Issue, column_letter
from branchflow.validate.normalize import Corrected, Invalid, display

if TYPE_CHECKING:  # parse imports validate.issues: importing parse here at runtime would cycle
    from branchflow.parse import Cell, ParsedRow, ParsedTable

__all__ = ["CellAddresses", "normalise_table"]

_VALUE = attrgetter("value")
_SPECIAL = frozenset({BLANK.__class__, Invalid, Corrected})
Originals = dict[int, dict[str, Original]]  # row position → field key → as written


def normalise_table(
    table: Table, parsed: ParsedTable, context: ValidationContext, units: tuple[str, ...] = ()
) -> tuple[list[Record], list[Issue]]:
    """One Record per parsed row (every field key, None where blank or bad) and the problems."""
    rows = parsed.rows
    if not rows:
        return [], []
    numbers = [r.row for r in rows]
    suffixes = list(map(str, numbers))
    raw_columns = _raw_columns(rows, list(parsed.columns))
    issues: list[Issue] = []
    originals: Originals = {}
    value_columns: list[Iterable[Any]] = []
    for fld in table.fields:
        col = parsed.columns.get(fld.key)
        if col is None:
            value_columns.append(repeat(None, len(rows)))
            continue
        normalise, repeats = normaliser_for(
            fld, context.projects, context.today, units, context.aliases
        )
        raws = raw_columns[fld.key]
        values, bad = _normalise_column(raws, normalise, repeats, fld.required)
        if bad:
            where = _Where(parsed.sheet, fld, column_letter(col), suffixes)
            issues.extend(_settle(where, raws, values, bad, originals))
        value_columns.append(values)
    keys = [f.key for f in table.fields]
    record_values = _value_dicts(keys, zip(*value_columns, strict=True))
    record_cells = _addresses(parsed.columns, numbers)
    kept = (originals.get(i, NO_ORIGINALS) for i in range(len(rows))) if originals else None
    records = list(
        map(Record, repeat(parsed.sheet), numbers, record_values, record_cells,
            kept or repeat(NO_ORIGINALS))
    )  # fmt: skip
    return records, issues


def _value_dicts(keys: list[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """One dict per row, all sharing one table of keys: CPython keeps an object's __dict__ that
    way (PEP 412), which makes a 25-field record's values a third of a plain dict's size (50 MB
    less for 100k rows). In every other respect they are ordinary dicts."""
    holder = type("RecordValues", (), {})  # a class of its own, so its key table is these keys
    for row in rows:
        values: dict[str, Any] = holder().__dict__
        values.update(zip(keys, row, strict=True))
        yield values


def _raw_columns(rows: Sequence[ParsedRow], keys: list[str]) -> dict[str, Sequence[Any]]:
    """Field key → the column's raw values: the rows' value tuples transposed, or (for rows built
    by hand) their cells read row by row (the cells of a row sit together in memory, which makes
    this several times faster than walking down each column), then transposed."""
    if not keys:
        return {}
    if {len(r.values) for r in rows} == {len(keys)}:  # parse's rows carry their values in order
        return dict(zip(keys, zip(*(r.values for r in rows), strict=True), strict=True))
    cells_of = itemgetter(*keys) if len(keys) > 1 else lambda cells: (cells[keys[0]],)
    try:
        by_row = list(map(tuple, map(map, repeat(_VALUE), map(cells_of, (r.cells for r in rows)))))
    except KeyError:  # parse left a cell out: treat it as blank
        by_row = [tuple(_value_or_none(r.cells.get(k)) for k in keys) for r in rows]
    return dict(zip(keys, zip(*by_row, strict=True), strict=True))


def _value_or_none(cell: Cell | None) -> Any:
    return None if cell is None else cell.value


def _normalise_column(
    raws: Sequence[Any], normalise: FieldNormaliser, repeats: bool, required: bool
) -> tuple[list[Any], set[Any] | list[int]]:
    """The normalised column, and what needs a closer look: the bad raw values (when the column
    went through a value cache) or the bad row positions (when it did not)."""
    distinct = _distinct(raws) if repeats else None
    if distinct is None:
        values = list(map(normalise, raws))
        if _SPECIAL.isdisjoint(map(type, values)):
            return values, []
        positions = []
        for i, value in enumerate(values):
            if value.__class__ in _SPECIAL:
                values[i] = _flag(value, required)
                if values[i] is not None:
                    positions.append(i)
        return values, positions
    results = {raw: normalise(raw) for raw in distinct}
    bad_raws = set()
    for raw, result in results.items():
        if result.__class__ in _SPECIAL:
            results[raw] = _flag(result, required)
            if results[raw] is not None:
                bad_raws.add(raw)
    return list(map(results.__getitem__, raws)), bad_raws


def _flag(result: Any, required: bool) -> _Bad | None:
    """A blank optional cell is simply None; a blank required or invalid one needs an issue."""
    return None if result is BLANK and not required else _Bad(result)


def _distinct(raws: Sequence[Any]) -> set[Any] | None:
    """The column's distinct values when caching pays; None for unique columns or booleans."""
    try:
        distinct = set(raws)
    except TypeError:  # an unhashable value: nothing a workbook cell holds, but never cache it
        return None
    if len(distinct) > len(raws) // 2 + 1 or bool in set(map(type, distinct)):
        return None  # names, phones: a cache would cost more than it saves; True == 1
    return distinct


class _Bad:
    """A blank or invalid result, kept until its issue is made; the Record gets None."""

    __slots__ = ("result",)

    def __init__(self, result: Any) -> None:
        self.result = result


class _Where:
    """The column being settled: its sheet, field, letter, and the row numbers as text."""

    __slots__ = ("field", "letter", "sheet", "suffixes")

    def __init__(self, sheet: str, fld: Field, letter: str, suffixes: list[str]) -> None:
        self.sheet, self.field, self.letter, self.suffixes = sheet, fld, letter, suffixes


def _settle(
    where: _Where,
    raws: Sequence[Any],
    values: list[Any],
    bad: set[Any] | list[int],
    originals: Originals,
) -> Iterator[Issue]:
    """The cells that need a closer look: an issue each, the value the Record gets (None for a
    blank or invalid one, the stored value for a corrected one) and the text as written."""
    fld = where.field
    positions = bad if isinstance(bad, list) else [i for i, raw in enumerate(raws) if raw in bad]
    for i in positions:
        result = values[i].result
        cell = where.letter + where.suffixes[i]
        values[i] = None
        if result is BLANK:
            yield make_issue("required.missing", where.sheet, cell, fld.title)
            continue
        if result.__class__ is Corrected:
            values[i] = result.stored
            if result.keep_original:
                original = Original(display(raws[i]), result.low, result.high)
                originals.setdefault(i, {})[fld.key] = original
            if result.code is None:
                continue
        yield make_issue(result.code, where.sheet, cell, fld.title, **result.params)


def _addresses(columns: Mapping[str, int], numbers: list[int]) -> Iterator[CellAddresses]:
    letters = {key: column_letter(col) for key, col in columns.items()}
    return map(CellAddresses, repeat(letters), numbers)


class CellAddresses(Mapping[str, str]):
    """Field key → "E7" for one row, computed when asked: a 100k-row table would otherwise build
    2.5 million address strings that only the few rows with problems ever need."""

    __slots__ = ("_letters", "_row")

    def __init__(self, letters: Mapping[str, str], row: int) -> None:
        self._letters = letters
        self._row = row

    def __getitem__(self, key: str) -> str:
        return f"{self._letters[key]}{self._row}"

    def __iter__(self) -> Iterator[str]:
        return iter(self._letters)

    def __len__(self) -> int:
        return len(self._letters)

    def __repr__(self) -> str:
        return repr(dict(self))
