"""One normaliser per template field, chosen by its FieldType and memoised per distinct value.

A field normaliser takes the raw cell value and returns the clean value, `BLANK`, an `Invalid`
instance (returned, not raised, so a cached failure costs a dict lookup like a cached success) or
a `Corrected` one (read, but not as written). Values that repeat down a column (grades, dates,
counties) are normalised once per workbook.

Tolerance (issue 9): strict where the archive's meaning depends on it (the customer's phone, the
ID number, required fields, county and township), tolerant everywhere else. An optional field
never rejects a file: what it cannot read is kept as written, with a warning. A listed value
written another way is read through the synonym table and the company's aliases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from branchflow.templates.definitions import Field, FieldType
from branchflow.validate.amounts import YUAN_WORDS, Amount, Scale, read_amount
from branchflow.validate.choices import Aliases, ChoiceReader, choice_key, reader_for
from branchflow.validate.normalize import (
    Corrected,
    Invalid,
    clean_text,
    display,
    fold,
    mask_id,
    normalize_contact_phone,
    normalize_date,
    normalize_id_number,
    normalize_period,
    normalize_phone,
)

__all__ = [
    "BLANK",
    "NO_ALIASES",
    "FieldNormaliser",
    "field_normaliser",
    "field_units",
    "normaliser_for",
]


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


NO_ALIASES = Aliases()
OTHER = "其他"
_AREA_WORDS = ("平", "平米", "平方", "平方米", "方", "个平方", "个平方米", "m")
# What an optional field does with a value it cannot read: the warning code, and whether the
# text as written is what the column stores (else NULL, the text kept beside it).
_KEPT = {
    FieldType.DATE: ("date.kept", False, ""),
    FieldType.CONTACT_PHONE: ("contact_phone.kept", True, ""),
    FieldType.NUMBER: ("number.kept", False, "可填数字、范围或大约数，如 5000、3000-5000、约5000"),
    FieldType.INTEGER: ("number.kept", False, "请只填一个整数，如 3"),
}


_WHY = {
    "number.unit": "带了本列不用的单位",
    "number.not_integer": "不是整数",
    "number.negative": "是负数",
    "number.too_large": "大得不合常理",
    "number.range_in_count": "是一个范围，本列只填一个整数",
}


def field_normaliser(
    field: Field,
    projects: tuple[str, ...],
    today: date,
    units: tuple[str, ...] = (),
    aliases: Aliases = NO_ALIASES,
) -> FieldNormaliser:
    """A fresh (per workbook) memoising normaliser for one field; results as in the docstring."""
    normalise, repeats = normaliser_for(field, projects, today, units, aliases)
    return _memoised(normalise) if repeats else normalise


def normaliser_for(
    field: Field,
    projects: tuple[str, ...],
    today: date,
    units: tuple[str, ...] = (),
    aliases: Aliases = NO_ALIASES,
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
    normalise = _blank_aware(_typed(field, projects, units, aliases))
    if not field.required and kind in _KEPT:
        normalise = _tolerant(normalise, *_KEPT[kind])
    return normalise, True


def _typed(
    field: Field, projects: tuple[str, ...], units: tuple[str, ...], aliases: Aliases
) -> FieldNormaliser:
    kind = field.type
    if kind is FieldType.CONTACT_PHONE:
        return normalize_contact_phone
    if kind is FieldType.DATE:
        return normalize_date
    if kind is FieldType.PERIOD:
        return normalize_period
    if kind is FieldType.ENUM:
        reader = reader_for(field.choices, field.title, aliases.of(field.title))
        return _choice(reader, field, "enum")
    if kind is FieldType.PROJECT:
        if not projects:  # nothing configured to compare with: keep what was written
            return clean_text
        reader = reader_for(projects, field.title, aliases.of(field.title), projects=True)
        return _choice(reader, field, "project")
    return _number(field, scale_for(field, units))


def _tolerant(normalise: FieldNormaliser, code: str, keep_text: bool, how: str) -> FieldNormaliser:
    """An optional field: what cannot be read is kept as written, with a warning."""

    def run(raw: Any) -> Any:
        result = normalise(raw)
        if result.__class__ is not Invalid:
            return result
        written = display(raw)
        stored = written if keep_text else None
        why = _WHY.get(result.code, "读不出来")
        return Corrected(stored, code, keep_original=not keep_text, value=written, why=why, how=how)

    return run


def _choice(reader: ChoiceReader, field: Field, kind: str) -> FieldNormaliser:
    """A listed value: as written, through a synonym (told), or the field's policy for an
    unknown one: optional → kept as written; required with 其他 → 其他; else an error."""
    listed = "、".join(reader.choices)

    def run(raw: Any) -> Any:
        found = reader.read(raw)
        written = display(raw)
        if found is not None:
            if not found.corrected:
                return found.value
            return Corrected(found.value, "enum.synonym", value=written, canonical=found.value)
        if not field.required:
            return Corrected(written, f"{kind}.kept", keep_original=False, value=written,
                             choices=listed)  # fmt: skip
        if OTHER in reader.choices:
            return Corrected(OTHER, "enum.other", value=written, choices=listed)
        code = "enum.invalid" if kind == "enum" else "project.unknown"
        raise Invalid(code, value=written, choices=listed)

    return run


def scale_for(field: Field, units: tuple[str, ...] = ()) -> Scale:
    """The unit a number column is in and the words that convert to it (see amounts.Scale)."""
    if units:  # the KPI tables: 万 / 万元 allowed as the money row's own unit, nothing scaled
        return Scale(words=dict.fromkeys(units, 1.0))
    own = field_units(field)
    if not own:
        return Scale(magnitudes=True)  # counts: 3口人, 约2万人
    if own[0] == "m2":
        return Scale("㎡", dict.fromkeys(_AREA_WORDS, 1.0), prefixes=("建筑面积", "建面", "面积"))
    if own[0] == "万元":
        return Scale(
            "万元", dict.fromkeys(own, 1.0), yuan_per_unit=1e4, magnitudes=True,
            bare_yuan_over=1e4, prefixes=("总预算", "总价", "预算"),
        )  # fmt: skip
    if own[0].startswith("元"):
        return Scale(
            own[0], dict.fromkeys((*own, *YUAN_WORDS), 1.0), yuan_per_unit=1, magnitudes=True,
            prefixes=("月收入", "月工资", "月入", "月薪", "工资", "收入", "每月"),
            suffixes=("/月", "每月", "一个月", "一月", "/m"),
        )  # fmt: skip
    return Scale(own[0], dict.fromkeys(own, 1.0))


def _number(field: Field, scale: Scale) -> FieldNormaliser:
    integer = field.type is FieldType.INTEGER
    buckets = {choice_key(c) for c in field.choices}  # 月收入's dropdown: ranges, said as meant

    def run(raw: Any) -> Any:
        amount = read_amount(raw, scale, integer=integer)
        if amount.exact and not amount.converted:
            return amount.value
        written = display(raw)
        code = _number_code(amount, choice_key(written) in buckets)
        reading, basis = describe_amount(amount, scale.display)
        return Corrected(amount.value, code, low=amount.low, high=amount.high, value=written,
                         reading=reading, basis=basis)  # fmt: skip

    return run


def _number_code(amount: Amount, from_dropdown: bool) -> str | None:
    if from_dropdown:
        return None
    return "number.converted" if amount.exact else "number.range"


def describe_amount(amount: Amount, unit: str) -> tuple[str, str]:
    """How a read amount is told back: ("区间 8000–12000 元/月", "（统计取中间值 10000）")."""
    after = f" {unit}" if unit else " "
    low, high = amount.low, amount.high
    if low is None:
        return f" {high}{after}以下", f"（统计按 {high} 计）"
    if high is None:
        return f" {low}{after}以上", f"（统计按 {low} 计）"
    if low != high:
        return f"区间 {low}–{high}{after}", f"（统计取中间值 {amount.value}）"
    return f"{'约' if amount.approximate else ''} {low}{after}", ""
