"""A table read from several sheets (one per month, last month's list in front): the newest
sheet wins for a customer in more than one, said once in the receipt with a count."""

from __future__ import annotations

from collections.abc import Sequence

from branchflow.templates.definitions import Table
from branchflow.validate.batch import Record
from branchflow.validate.issues import Issue

UNIQUE_KEYS = {"customers": "phone"}
FORMULA_NO_VALUE = "cell.formula_no_value"


def newest_wins(
    table: Table, parts: Sequence[tuple[Record, ...]]
) -> tuple[tuple[Record, ...], list[Issue]]:
    """The parts' records together; where a key (the phone) repeats across sheets, only the
    record of the newest sheet (the last part) is kept. A phone twice within one sheet is
    checked per sheet and stays an error."""
    if len(parts) < 2:
        return (parts[0] if parts else ()), []
    key = UNIQUE_KEYS.get(table.key)
    if key is None:
        return tuple(r for part in parts for r in part), []
    newest: dict[object, int] = {}
    for index, part in enumerate(parts):
        for record in part:
            value = record.values.get(key)
            if value is not None:
                newest[value] = index
    kept, replaced = [], set()
    for index, part in enumerate(parts):
        for record in part:
            value = record.values.get(key)
            if value is not None and newest[value] != index:
                replaced.add(value)
                continue
            kept.append(record)
    return tuple(kept), [_replaced_note(table, parts, len(replaced))] if replaced else []


def _replaced_note(table: Table, parts: Sequence[tuple[Record, ...]], count: int) -> Issue:
    newest = next((p[0].sheet for p in reversed(parts) if p), "")
    return Issue(
        "sheet.same_phone",
        f"有 {count} 位客户在几个工作表中都登记了（手机号相同），已按较新的工作表登记"
        f"（最新的是“{newest}”）；旧工作表里这几行未重复入库",
        sheet=newest,
        field=table.title,
        severity="warning",
    )


def without_formula_blanks(found: list[Issue], parsed: Sequence[Issue]) -> list[Issue]:
    """A formula without a computed value is already reported at its cell by parse: not again
    as an empty required cell."""
    formulas = {(i.sheet, i.cell) for i in parsed if i.code == FORMULA_NO_VALUE}
    if not formulas:
        return found
    return [
        i for i in found if not (i.code == "required.missing" and (i.sheet, i.cell) in formulas)
    ]
