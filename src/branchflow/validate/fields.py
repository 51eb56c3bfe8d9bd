"""One normaliser per template field, chosen by its FieldType and memoised per distinct value.

A field normaliser takes the raw cell value and returns the clean value, `BLANK`, or an `Invalid`
instance (returned, not raised, so a cached failure costs a dict lookup like a cached success).
Values that repeat down a column (grades, dates, counties) are normalised once per workbook.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from branchflow.templates.definitions import Field, FieldType
from branchflow.validate.normalize import (
    Invalid,
    clean_text,
    fold,
    mask_id,
    normalize_choice,
    normalize_contact_phone,
    normalize_date,
    normalize_id_number,
    normalize_number,
    normalize_period,
    normalize_phone,
)

__all__ = ["BLANK", "FieldNormaliser", "field_normaliser", "field_units", "normaliser_for"]


class _Blank:
    def __repr__(self) -> str:
        return "BLANK"


BLANK: Final = _Blank()
FieldNormaliser = Callable[[Any], Any]

# What staff write for "nothing" in a number, date or choice cell; free text keeps them.
PLACEHOLDERS = frozenset(
    {"无", "暂无", "没有", "不详", "未知", "-", "--", "—", "/", "\\", "N/A", "n/a"}
)

_UNIT_SYNONYMS = {
    "m2": ("m2", "平", "平米", "平方", "平方米"),
    "万元": ("万元", "万"),
    "元": ("元",),
    "元/月": ("元/月", "元", "元每月"),
}
_TITLE_UNIT = re.compile(r"[(（]([^)）]+)[)）]\s*$")
_HINT_UNIT = re.compile(r"[^\s\d]{1,2}(?:/[^\s\d]{1,2})?")


def field_units(field: Field) -> tuple[str, ...]:
    """The units a number in this column may carry: "(万元)" in the title, or a hint like 元/月."""
    match = _TITLE_UNIT.search(field.title)
    unit = match[1] if match else (field.hint if _HINT_UNIT.fullmatch(field.hint) else "")
    if not unit:
        return ()
    unit = fold(unit)
    return _UNIT_SYNONYMS.get(unit, (unit,))


def _text(raw: Any) -> Any:
    text = clean_text(raw)
    return BLANK if text is None else text


def _identifier(raw: Any) -> Any:
    if raw is None:
        return BLANK
    text = re.sub(r"\s+", "", fold(raw))
    return BLANK if not text or text in PLACEHOLDERS else text


def _blank_aware(normalise: Callable[[Any], Any]) -> FieldNormaliser:
    def run(raw: Any) -> Any:
        if raw is None:
            return BLANK
        if isinstance(raw, str):
            text = clean_text(raw)
            if text is None or text in PLACEHOLDERS:
                return BLANK
        try:
            return normalise(raw)
        except Invalid as problem:
            return problem

    return run


def _memoised(normalise: FieldNormaliser) -> FieldNormaliser:
    cache: dict[Any, Any] = {}

    def run(raw: Any) -> Any:
        if raw.__class__ is bool:  # True == 1: keep booleans out of the cache
            return normalise(raw)
        try:
            return cache[raw]
        except KeyError:
            value = cache[raw] = normalise(raw)
            return value

    return run


def _phone(raw: Any) -> Any:
    if type(raw) is str and len(raw) == 11 and raw.isdigit():  # the common, clean case
        try:
            return normalize_phone(raw)
        except Invalid as problem:
            return problem
    return _checked_phone(raw)


_checked_phone = _blank_aware(normalize_phone)


def field_normaliser(
    field: Field, projects: tuple[str, ...], today: date, units: tuple[str, ...] = ()
) -> FieldNormaliser:
    """A fresh (per workbook) memoising normaliser for one field; results as in the docstring."""
    normalise, repeats = normaliser_for(field, projects, today, units)
    return _memoised(normalise) if repeats else normalise


def normaliser_for(
    field: Field, projects: tuple[str, ...], today: date, units: tuple[str, ...] = ()
) -> tuple[FieldNormaliser, bool]:
    """The normaliser for a field, and whether its values repeat enough to be worth caching.

    Cached results are keyed by the raw value itself (1 and 1.0 normalise alike everywhere;
    booleans, which equal 0 and 1, must bypass the cache).
    """
    kind = field.type
    if kind is FieldType.TEXT:  # short text repeats down a column (顾问, 务工城市, 户型)
        return _text, True
    if kind is FieldType.LONG_TEXT:
        return _text, False
    if kind is FieldType.PHONE:
        return _phone, False
    if kind is FieldType.ID_NUMBER:
        return _blank_aware(lambda raw: mask_id(normalize_id_number(raw, today))), False
    if kind in (FieldType.COUNTY, FieldType.TOWNSHIP):
        return _identifier, True
    return _blank_aware(_typed(field, projects, units)), True


def _typed(field: Field, projects: tuple[str, ...], units: tuple[str, ...]) -> FieldNormaliser:
    kind = field.type
    if kind is FieldType.CONTACT_PHONE:
        return normalize_contact_phone
    if kind is FieldType.DATE:
        return normalize_date
    if kind is FieldType.PERIOD:
        return normalize_period
    if kind is FieldType.ENUM:
        return lambda raw: normalize_choice(raw, field.choices)
    if kind is FieldType.PROJECT:
        if not projects:  # nothing configured to compare with: keep what was written
            return clean_text
        return lambda raw: normalize_choice(raw, projects, "project.unknown")
    integer = kind is FieldType.INTEGER
    allowed = units or field_units(field)
    return lambda raw: normalize_number(raw, integer=integer, units=allowed)
