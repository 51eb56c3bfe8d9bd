"""Archive values → the cells of the archive workbooks, a column of a chunk of rows at a time.

A 100k-customer archive is 2.9 million cells: a column whose values are already what the writer
wants (text, numbers) goes through untouched after one look at its types (done in C by set/map);
only columns holding dates, flags, codes or odd values are converted value by value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from itertools import islice, repeat
from operator import itemgetter, methodcaller
from typing import Any

MAX_TEXT = 32_000  # Excel holds at most 32,767 characters in a cell; the writer refuses more
FIRST_DATE = date(1900, 3, 1).toordinal()  # Excel's 1900 calendar has a fictitious 1900-02-29
CHUNK = 2_000  # rows converted at a time: the writer streams them to disk as they come
_NONE = type(None)
_AS_IS = {"text": frozenset({str, _NONE}), "number": frozenset({int, float, _NONE})}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text / number / date / datetime / flag / written
    width: float = 12
    # stored codes shown in words (处理结果); for "written" (an originals JSON object), the
    # titles of its field keys
    labels: Mapping[str, str] | None = None


def records(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]
) -> Iterator[dict[str, Any]]:
    """Each row as {column title: cell value}, in column order (the writer goes by position)."""
    titles = [c.title for c in columns]
    remaining = iter(rows)
    while chunk := list(islice(remaining, CHUNK)):
        found = zip(_columns(chunk, [c.key for c in columns]), columns, strict=True)
        cells = [_cells(values, column) for values, column in found]
        yield from map(dict, map(zip, repeat(titles), zip(*cells, strict=True)))


def _columns(chunk: list[Mapping[str, Any]], keys: list[str]) -> list[tuple[Any, ...]]:
    """The chunk's values key by key (a missing key reads as None)."""
    try:
        if len(keys) == 1:  # itemgetter of one key gives the value, not a 1-tuple
            return [tuple(map(itemgetter(keys[0]), chunk))]
        return list(zip(*map(itemgetter(*keys), chunk), strict=True))
    except KeyError:
        return [tuple(map(methodcaller("get", key), chunk)) for key in keys]


def _cells(values: Sequence[Any], column: Column) -> Sequence[Any]:
    kinds = set(map(type, values))
    if _as_is(values, kinds, column):
        return values
    convert = partial(cell_value, column)
    if bool in kinds or datetime in kinds:
        # A value cache would merge True with 1, and equal instants written in different zones.
        return list(map(convert, values))
    try:
        cache = {value: convert(value) for value in set(values)}
    except TypeError:  # an unhashable value: nothing the archive holds, but never cache it
        return list(map(convert, values))
    return list(map(cache.__getitem__, values))


def _as_is(values: Sequence[Any], kinds: set[type], column: Column) -> bool:
    """Nothing to convert: plain text (none over Excel's limit) or plain numbers."""
    if column.labels is not None or not kinds <= _AS_IS.get(column.kind, frozenset()):
        return False
    return str not in kinds or max(map(len, filter(None, values)), default=0) <= MAX_TEXT


def cell_value(column: Column, value: Any) -> Any:
    """What the writer gets for one value: str, int/float, naive date/datetime, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if column.kind == "number" and isinstance(value, int | float | Decimal):
        number = float(value) if isinstance(value, Decimal) else value
        return number if math.isfinite(number) else None
    if column.kind == "written" and isinstance(value, str):
        return written_note(value, column.labels or {})[:MAX_TEXT]
    if column.kind in ("date", "datetime") and isinstance(value, date):
        if isinstance(value, datetime):
            value = value.replace(tzinfo=None)  # the archive's own zone: what staff expect
        return value if value.toordinal() >= FIRST_DATE else value.isoformat()
    text = _as_text(value)
    return (column.labels or {}).get(text, text)[:MAX_TEXT]


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number that arrived as 13812345678.0
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def written_note(stored: str, titles: Mapping[str, str]) -> str:
    """An originals column (JSON, field key → as written) as staff read it, in column order:
    "付款方式：公积金；月收入：8000-12000"."""
    try:
        written = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(written, dict):
        return stored
    order = {key: index for index, key in enumerate(titles)}
    keys = sorted(written, key=lambda key: (order.get(key, len(order)), key))
    return "；".join(f"{titles.get(key, key)}：{written[key]}" for key in keys)
