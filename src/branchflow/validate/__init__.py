"""Checks that turn a ParsedWorkbook into a ValidatedBatch of normalised records and Issues."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from branchflow.templates.definitions import TEMPLATES
from branchflow.validate.batch import Record, ValidatedBatch, ValidationContext
from branchflow.validate.checks import TABLE_CHECKS, TableRun, normalise_rows
from branchflow.validate.codes import make_issue
from branchflow.validate.header import check_header
from branchflow.validate.issues import Issue
from branchflow.validate.several import newest_wins, without_formula_blanks

if TYPE_CHECKING:  # parse imports validate.issues: importing parse here at runtime would cycle
    from branchflow.parse import ParsedWorkbook

__all__ = ["validate"]

_ADDRESS = re.compile(r"([A-Z]+)(\d+)")


def validate(parsed: ParsedWorkbook, context: ValidationContext) -> ValidatedBatch:
    """Normalise every value of a parsed workbook and collect every problem, never raising."""
    with _without_cyclic_gc():
        return _validate(parsed, context)


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """A 100k-row file makes millions of acyclic objects (dicts, strings, Records); a full cyclic
    collection in the middle would walk all of them (and the parsed workbook) for nothing,
    adding about half a second. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _validate(parsed: ParsedWorkbook, context: ValidationContext) -> ValidatedBatch:
    template = TEMPLATES.get(parsed.kind)
    issues = list(parsed.issues)
    if template is None:
        if not any(i.is_error for i in issues):
            issues.append(make_issue("template.unknown", "", "", ""))
        return ValidatedBatch(parsed.kind, context.branch, None, None, {}, {}, tuple(issues))
    values: dict[str, Any] = {}
    found = list(check_header(parsed, template, context, values))
    tables: dict[str, tuple[Record, ...]] = {}
    for table in template.tables:
        parts: list[tuple[Record, ...]] = []
        for parsed_table in parsed.tables_of(table.key):  # one per sheet, oldest first
            run = TableRun(table, parsed_table, context, period=values.get("period"))
            found.extend(normalise_rows(run))
            for check in TABLE_CHECKS:
                found.extend(check(run))
            parts.append(run.records())
        records, notes = newest_wins(table, parts)
        tables[table.key] = records
        found.extend(notes)
    found = without_formula_blanks(found, parsed.issues)
    order = {name: index for index, name in enumerate(s.name for s in template.sheets)}
    found.sort(key=lambda issue: _position(issue, order))
    return ValidatedBatch(
        kind=parsed.kind,
        branch=context.branch,
        period=values.get("period"),
        reporter=values.get("reporter"),
        values=values,
        tables=tables,
        issues=(*issues, *found),
    )


def _position(issue: Issue, sheet_order: dict[str, int]) -> tuple[int, int, int]:
    """Sheet (template order), then row, then column: the order staff read their workbook."""
    match = _ADDRESS.fullmatch(issue.cell)
    if not match:
        return sheet_order.get(issue.sheet, len(sheet_order)), 0, 0
    column = 0
    for letter in match[1]:
        column = column * 26 + ord(letter) - 64
    return sheet_order.get(issue.sheet, len(sheet_order)), int(match[2]), column
