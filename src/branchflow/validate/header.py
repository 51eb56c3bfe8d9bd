"""The single values of a workbook: the header block (分中心, 填报人, 报告期) and text sections."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from branchflow.templates.definitions import Field, FieldType, TemplateDef
from branchflow.validate.batch import ValidationContext
from branchflow.validate.codes import make_issue
from branchflow.validate.fields import BLANK, field_normaliser
from branchflow.validate.issues import Issue
from branchflow.validate.normalize import Corrected, Invalid, display, fold, period_bounds

if TYPE_CHECKING:  # parse imports validate.issues: importing parse here at runtime would cycle
    from branchflow.parse import Cell, ParsedWorkbook

__all__ = ["check_header"]

WEEK_KINDS = frozenset({"weekly"})
_EXPECTED = {
    "week": "ISO 周，如 2026-W48 或 2026年第48周",
    "month": "月份，如 2026-11 或 2026年11月",
}
_GOT = {"week": "一个周", "month": "一个月份"}
HQ_NAMES = frozenset({"总部", "销售管理部"})
LENIENT_REPORTER = frozenset({"customers"})


def check_header(
    parsed: ParsedWorkbook, template: TemplateDef, context: ValidationContext, out: dict[str, Any]
) -> Iterator[Issue]:
    """Normalise the single values into `out`; yield what is missing or wrong."""
    for sheet in template.sheets:
        for fld in sheet.values:
            cell = parsed.values.get(fld.key)
            if fld.key == "branch":
                yield from _check_branch(cell, fld, context, out)
                continue
            if fld.type is FieldType.PERIOD:
                value = yield from _check_period(cell, fld, parsed.kind, context)
            else:
                value = _normalise(cell, fld, context)
                if isinstance(value, Corrected):  # no header value has a list or a unit today
                    value = value.stored
                if isinstance(value, Invalid):
                    assert cell is not None
                    yield make_issue(value.code, cell.sheet, cell.address, fld.title,
                                     **value.params)  # fmt: skip
            out[fld.key] = None if value is BLANK or isinstance(value, Invalid) else value
            if value is BLANK and fld.required and not _reported(parsed, sheet.name, fld, cell):
                where = cell.address if cell is not None else ""
                # A customer list names its 置业顾问 on every row: a blank 填报人 loses nothing.
                lenient = fld.key == "reporter" and parsed.kind in LENIENT_REPORTER
                code = "reporter.blank" if lenient else "required.missing"
                yield make_issue(code, sheet.name, where, fld.title)


def _reported(parsed: ParsedWorkbook, sheet: str, fld: Field, cell: Cell | None) -> bool:
    """Whether parse already told staff about a label it could not find (or its whole sheet)."""
    if cell is not None:
        return False
    return sheet not in parsed.sheets or any(
        i.sheet == sheet and (i.field == fld.title or not i.cell) for i in parsed.issues
    )


def _normalise(cell: Cell | None, fld: Field, context: ValidationContext) -> Any:
    if cell is None or cell.value is None:
        return BLANK
    return field_normaliser(fld, context.projects, context.today)(cell.value)


def _check_branch(
    cell: Cell | None, fld: Field, context: ValidationContext, out: dict[str, Any]
) -> Iterator[Issue]:
    """The folder name counts; a different 分中心 in the sheet is only a warning."""
    out[fld.key] = context.branch
    written = _normalise(cell, fld, context)
    if cell is None or written is BLANK or isinstance(written, Invalid):
        return
    if not _same_branch(written, context):
        yield make_issue(
            "branch.mismatch", cell.sheet, cell.address, fld.title,
            value=written, branch=context.branch,
        )  # fmt: skip


def _same_branch(written: str, context: ValidationContext) -> bool:
    key, branch = fold(written).replace(" ", ""), fold(context.branch).replace(" ", "")
    if context.hq_folder and key in HQ_NAMES:
        return True
    return key in (branch, branch.removesuffix("分中心")) or key + "分中心" == branch


def _check_period(
    cell: Cell | None, fld: Field, kind: str, context: ValidationContext
) -> Generator[Issue, None, Any]:
    """Yield what is wrong with 报告期; return the canonical period, BLANK or an Invalid."""
    expected = "week" if kind in WEEK_KINDS else "month"
    value = _normalise(cell, fld, context)
    this_month = f"{context.today.year:04d}-{context.today.month:02d}"
    if value is BLANK:
        return BLANK if fld.required else this_month  # customers: this month
    assert cell is not None
    if not fld.required and (isinstance(value, Invalid) or "W" in value):
        # An optional 报告期 (客户档案) never rejects a file: this month, and say so.
        yield make_issue("period.kept", cell.sheet, cell.address, fld.title,
                         value=display(cell.value), period=this_month)  # fmt: skip
        return this_month
    if isinstance(value, Invalid):
        yield make_issue(value.code, cell.sheet, cell.address, fld.title,
                         expected=_EXPECTED[expected], **value.params)  # fmt: skip
        return value
    got = "week" if "W" in value else "month"
    if got != expected:
        yield make_issue(
            "period.wrong_kind", cell.sheet, cell.address, fld.title,
            value=display(cell.value), got=_GOT[got], expected=_EXPECTED[expected],
        )  # fmt: skip
        return Invalid("period.wrong_kind")
    if period_bounds(value)[0] > context.today:
        yield make_issue(
            "period.future", cell.sheet, cell.address, fld.title, value=value, today=context.today
        )
    return value
