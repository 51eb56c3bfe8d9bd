"""Checks over a parsed table: small generators that `yield` Issues, frictionless-style.

`normalise_rows` runs first: it normalises every cell by its field type (validate/fields.py) and
reports blank required cells, values that do not normalise and values read other than as
written. The checks in `TABLE_CHECKS` then look at the normalised rows for what needs more than
one cell: dates against today, masked phones, duplicates, county + township against the gazetteer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from branchflow.templates.definitions import Field, FieldType, Table
from branchflow.validate.batch import Original, Record, ValidationContext
from branchflow.validate.codes import make_issue
from branchflow.validate.columns import normalise_table
from branchflow.validate.gazetteer import Gazetteer, Place
from branchflow.validate.issues import Issue
from branchflow.validate.normalize import display, fold, period_bounds

if TYPE_CHECKING:  # parse imports validate.issues: importing parse here at runtime would cycle
    from branchflow.parse import ParsedTable

__all__ = ["TABLE_CHECKS", "TableRun", "normalise_rows"]

# Tables whose rows must not repeat a value: table key → (field key, issue code).
UNIQUE_FIELDS = {"customers": ("phone", "phone.duplicate_in_file")}
KPI_UNITS = ("万元", "万")


@dataclass
class TableRun:
    """One table of one workbook on its way through the checks."""

    table: Table
    parsed: ParsedTable
    context: ValidationContext
    period: str | None = None
    rows: list[Record] = field(default_factory=list)  # values are dicts the checks refine
    # Originals the checks add (a county written short): row number → field key → as written.
    originals: dict[int, dict[str, Original]] = field(default_factory=dict)

    @property
    def sheet(self) -> str:
        return self.parsed.sheet

    def fields_of(self, *kinds: FieldType) -> list[Field]:
        """The table's fields of these types whose column is present."""
        return [f for f in self.table.fields if f.type in kinds and f.key in self.parsed.columns]

    def issue(self, code: str, at: Record, fld: Field, **params: Any) -> Issue:
        cell = at.cells.get(fld.key, f"A{at.row}")
        return make_issue(code, self.sheet, cell, fld.title, **params)

    def keep_original(self, record: Record, key: str, written: str) -> None:
        """The checks corrected a value: keep what staff wrote beside it."""
        self.originals.setdefault(record.row, {})[key] = Original(written)

    def records(self) -> tuple[Record, ...]:
        if not self.originals:
            return tuple(self.rows)
        return tuple(
            replace(r, originals={**r.originals, **self.originals[r.row]})
            if r.row in self.originals
            else r
            for r in self.rows
        )


def _set(record: Record, key: str, value: Any) -> None:
    """Refine a value in place: records are frozen, their values dict is ours until returned."""
    cast(dict[str, Any], record.values)[key] = value


def normalise_rows(run: TableRun) -> Iterator[Issue]:
    """Normalise every cell into run.rows; yield blank required cells and values that do not
    normalise (the work is done column by column: see validate/columns.py)."""
    units = KPI_UNITS if run.table.row_labels else ()
    records, issues = normalise_table(run.table, run.parsed, run.context, units)
    run.rows.extend(records)
    yield from issues


def check_future_dates(run: TableRun) -> Iterator[Issue]:
    """Dates after today, except in fields where a future date is expected."""
    today = run.context.today
    for fld in run.fields_of(FieldType.DATE):
        if fld.future_ok:
            continue
        for row in run.rows:
            value = row.values[fld.key]
            if value is not None and value > today:
                yield run.issue("date.future", row, fld, value=value.isoformat(), today=today)


def check_dates_in_week(run: TableRun) -> Iterator[Issue]:
    """A weekly report's activity dates should fall inside the reported ISO week."""
    if not run.period or "W" not in run.period:
        return
    start, end = period_bounds(run.period)
    for fld in run.fields_of(FieldType.DATE):
        for row in run.rows:
            value = row.values[fld.key]
            if value is not None and not start <= value <= end:
                yield run.issue(
                    "date.outside_period", row, fld, value=value.isoformat(),
                    period=run.period, start=start.isoformat(), end=end.isoformat(),
                )  # fmt: skip


def check_masked_phones(run: TableRun) -> Iterator[Issue]:
    """A 前三后四 number is kept, with a warning: the archive matches it by prefix and suffix."""
    for fld in run.fields_of(FieldType.PHONE, FieldType.CONTACT_PHONE):
        for row in run.rows:
            value = row.values[fld.key]
            if value is not None and "*" in value:
                yield run.issue("phone.masked", row, fld, value=value)


def check_unique(run: TableRun) -> Iterator[Issue]:
    """The same customer phone (or KPI name) twice in one table: name both rows."""
    if run.table.row_labels:
        key, code = "kpi", "kpi.duplicate"
    elif run.table.key in UNIQUE_FIELDS:
        key, code = UNIQUE_FIELDS[run.table.key]
    else:
        return
    if key not in run.parsed.columns:
        return
    fld = run.table.field(key)
    first: dict[Any, int] = {}
    for row in run.rows:
        value = row.values[key]
        if value is None:
            continue
        seen = first.setdefault(value, row.row)
        if seen != row.row:
            yield run.issue(code, row, fld, value=value, row=row.row, first_row=seen)


def check_kpi_units(run: TableRun) -> Iterator[Issue]:
    """In a KPI table only the money rows ("签约金额(万元)") may carry 万 / 万元."""
    if not run.table.row_labels:
        return
    for fld in run.fields_of(FieldType.NUMBER, FieldType.INTEGER):
        for row, parsed_row in zip(run.rows, run.parsed.rows, strict=True):
            raw = parsed_row.cells[fld.key].value if fld.key in parsed_row.cells else None
            kpi = row.values.get("kpi") or ""
            if isinstance(raw, str) and fold(raw).endswith(KPI_UNITS) and "(万元)" not in kpi:
                _set(row, fld.key, None)
                yield run.issue(
                    "number.unit_kept", row, fld, value=display(raw), unit="万",
                    expected="不带单位，只填数字",
                )  # fmt: skip


def check_places(run: TableRun) -> Iterator[Issue]:
    """County + township against the official names of the home province."""
    counties = run.fields_of(FieldType.COUNTY)
    if not counties:
        return
    county_field = counties[0]
    townships = run.fields_of(FieldType.TOWNSHIP)
    township_field = townships[0] if townships else None
    gazetteer = Gazetteer.for_province(run.context.home_province)
    scope = _scope(gazetteer, run.context.scope_counties)
    for row in run.rows:
        written = row.values[county_field.key]
        if written is None:
            continue
        town = row.values[township_field.key] if township_field else None
        place = gazetteer.resolve(written, town)
        yield from _county_issues(run, row, county_field, written, place, scope)
        _correct(run, row, county_field.key, written, place.county)
        if township_field is None or town is None or place.county is None:
            continue
        yield from _township_issues(run, row, township_field, town, place)
        _correct(run, row, township_field.key, town, place.township)


def _correct(run: TableRun, row: Record, key: str, written: str, official: str | None) -> None:
    """Store the official name; a name written otherwise (short, or former) is kept beside it."""
    _set(row, key, official)
    if official is not None and official != written:
        run.keep_original(row, key, written)


def _scope(gazetteer: Gazetteer, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(gazetteer.county(name) or name for name in names))


def _county_issues(
    run: TableRun, row: Record, fld: Field, written: str, place: Place, scope: tuple[str, ...]
) -> Iterator[Issue]:
    if place.county is None:
        hint = f"（是不是“{place.suggestion}”？）" if place.suggestion else ""
        province = run.context.home_province
        yield run.issue("county.unknown", row, fld, value=written, province=province, hint=hint)
        return
    if place.county_former:
        yield run.issue("county.former_name", row, fld, value=written, canonical=place.county)
    elif not place.county_exact:
        yield run.issue("county.short_name", row, fld, value=written, canonical=place.county)
    if scope and place.county not in scope:
        yield run.issue("county.out_of_scope", row, fld, value=place.county, scope="、".join(scope))


def _township_issues(
    run: TableRun, row: Record, fld: Field, written: str, place: Place
) -> Iterator[Issue]:
    if place.township is not None:
        code = "township.former_name" if place.township_former else "township.short_name"
        if place.township_former or not place.township_exact:
            yield run.issue(code, row, fld, value=written, canonical=place.township)
        return
    near, other = place.suggestion, place.elsewhere
    if other is None:
        hint = f"（是不是“{near}”？）" if near else ""
        yield run.issue("township.unknown", row, fld, value=written, county=place.county, hint=hint)
        return
    # 凤冈县 + 永兴镇: another county has it, and the county itself may have a near miss.
    hint = f"（若确是{place.county}，是不是“{near.township}”？）" if near and near != other else ""
    yield run.issue(
        "township.in_other_county", row, fld, value=written, county=place.county,
        other_county=other.county, other=other.township, hint=hint,
    )  # fmt: skip


TABLE_CHECKS: tuple[Callable[[TableRun], Iterator[Issue]], ...] = (
    check_future_dates,
    check_dates_in_week,
    check_masked_phones,
    check_unique,
    check_kpi_units,
    check_places,
)
