"""Pure normalisers for what staff type into Excel.

Each normaliser returns the clean value or raises `Invalid(code, **params)`; the checks turn an
`Invalid` into an Issue using the code's message template (validate/codes.py). Identifiers, numbers
and dates are NFKC-folded first (full-width digits are digits); free text never is (① stays ①).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from operator import mul
from typing import Any

__all__ = [
    "Corrected",
    "Invalid",
    "clean_text",
    "excel_serial_to_date",
    "fold",
    "id_check_char",
    "is_masked_phone",
    "mask_id",
    "mask_phone",
    "normalize_contact_phone",
    "normalize_date",
    "normalize_id_number",
    "normalize_period",
    "normalize_phone",
    "period_bounds",
]


class Invalid(ValueError):
    """A value that cannot be normalised: a catalogue code and the template's parameters."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class Corrected:
    """A value read, but not as written: a synonym, a converted unit, a range, or a value kept
    as written where it fits no list. Returned (like Invalid) by the field normalisers; the
    table check turns it into the `stored` value, a warning (`code`, unless None) and, when
    `keep_original`, the written text kept beside the value (with `low`/`high` for a range)."""

    __slots__ = ("code", "high", "keep_original", "low", "params", "stored")

    def __init__(
        self,
        stored: Any,
        code: str | None,
        *,
        keep_original: bool = True,
        low: float | None = None,
        high: float | None = None,
        **params: Any,
    ) -> None:
        self.stored = stored
        self.code = code
        self.keep_original = keep_original
        self.low = low
        self.high = high
        self.params = params

    def __repr__(self) -> str:
        return f"Corrected({self.stored!r}, {self.code!r})"


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"))


def display(raw: Any) -> str:
    """How a raw cell value is quoted back to staff in a message."""
    text = clean_text(raw)
    return "" if text is None else text


def clean_text(raw: Any) -> str | None:
    """Free text: trimmed, zero-width characters removed, never NFKC-folded; blank → None."""
    if raw is None:
        return None
    if type(raw) is str:
        text = raw.strip() if raw.isascii() else raw.translate(_ZERO_WIDTH).strip()
    else:
        text = _scalar_text(raw)
    return text or None


def _scalar_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw))
        return f"{raw:.15g}"
    if isinstance(raw, datetime):
        if raw.time() == time(0):
            return raw.date().isoformat()
        return raw.strftime("%Y-%m-%d %H:%M")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, time):
        return raw.strftime("%H:%M")
    if isinstance(raw, str):
        return raw.translate(_ZERO_WIDTH).strip()
    return str(raw).strip()


def fold(raw: Any) -> str:
    """Identifier text: NFKC-folded, zero-width characters removed, trimmed."""
    if type(raw) is str and raw.isascii():
        return raw.strip()
    text = raw if isinstance(raw, str) else _scalar_text(raw)
    return unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH)).strip()


# ── phones ──────────────────────────────────────────────────────────────────────────────────

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_MASKED_MOBILE = re.compile(r"(1[3-9]\d)[*xX×]{2,6}(\d{4})", re.ASCII)
_PHONE_NOISE = re.compile(r"[\s\-—–()./]+")
_COUNTRY = re.compile(r"^(?:\+86|0086)")
_TRAILING_ZERO = re.compile(r"\.0+$")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.IGNORECASE | re.ASCII)


def _phone_digits(raw: Any) -> str:
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = str(int(raw)) if raw.is_integer() else repr(raw)
    else:
        text = _TRAILING_ZERO.sub("", fold(raw))
        if _SCIENTIFIC.fullmatch(text):  # "1.3812345678E+10": 11 digits survive a float
            return _phone_digits(float(text))
    text = _COUNTRY.sub("", _PHONE_NOISE.sub("", text))
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text


def normalize_phone(raw: Any) -> str:
    """A mainland mobile → its 11 digits; a masked 前三后四 number → "138****5678"."""
    if type(raw) is str and len(raw) == 11 and _MOBILE.fullmatch(raw):
        return raw
    digits = _phone_digits(raw)
    if _MOBILE.fullmatch(digits):
        return digits
    masked = _MASKED_MOBILE.fullmatch(digits)
    if masked:
        return f"{masked[1]}****{masked[2]}"
    raise Invalid("phone.invalid", value=display(raw))


def is_masked_phone(phone: str) -> bool:
    return "*" in phone


def mask_phone(phone: str) -> str:
    """ "13812345678" → "138****5678" (前三后四); an already masked number is unchanged."""
    return f"{phone[:3]}****{phone[-4:]}"


_LANDLINE = re.compile(r"(0(?:[12]\d|[3-9]\d{2}))(\d{7,8})(?:(?:转|ext|#|-)?(\d{1,6}))?", re.ASCII)
_SERVICE = re.compile(r"[48]00\d{7}", re.ASCII)


def normalize_contact_phone(raw: Any) -> str:
    """A mobile (11 digits), a landline ("0769-22334455") or a 400/800 number, checked loosely."""
    try:
        return normalize_phone(raw)
    except Invalid:
        pass
    text = _TRAILING_ZERO.sub("", fold(raw)) if isinstance(raw, str) else _phone_digits(raw)
    text = _COUNTRY.sub("", re.sub(r"[\s()—–./]+", "", text))
    if _SERVICE.fullmatch(text.replace("-", "")):
        return text.replace("-", "")
    match = _LANDLINE.fullmatch(text.replace("-", "", 1))
    if match:
        extension = f"-{match[3]}" if match[3] else ""
        return f"{match[1]}-{match[2]}{extension}"
    raise Invalid("contact_phone.invalid", value=display(raw))


# ── ID numbers (GB 11643) ───────────────────────────────────────────────────────────────────

_ID = re.compile(r"\d{17}[\dX]", re.ASCII)
_MASKED_ID = re.compile(r"(\d{6})\*{4,12}(\d{3}[\dX])", re.ASCII)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def normalize_id_number(raw: Any, today: date | None = None) -> str:
    """An 18-character resident ID, upper-case X; an already masked ID comes back masked."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise Invalid("id.stored_as_number")
    if type(raw) is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit():
        text = raw.upper()  # the common case, already clean
    else:
        text = re.sub(r"\s+", "", fold(raw)).upper()
    if _SCIENTIFIC.fullmatch(text):
        raise Invalid("id.stored_as_number")
    masked = _MASKED_ID.fullmatch(text)
    if masked:
        return f"{masked[1]}********{masked[2]}"
    if not _ID.fullmatch(text):
        raise Invalid("id.format", length=len(text))
    if id_check_char(text[:17]) != text[17]:
        # Excel keeps 15 significant digits: a number shown in full ends in zeros.
        if text.endswith("000"):
            raise Invalid("id.stored_as_number")
        raise Invalid("id.checksum")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise Invalid("id.birth_date") from None
    if born.year < 1900 or born > (today or date.today()):
        raise Invalid("id.birth_date")
    return text


def mask_id(id_number: str) -> str:
    """ "520328199001011234" → "520328********1234": region kept, birth date and sequence hidden."""
    return f"{id_number[:6]}********{id_number[-4:]}"


# ── dates ───────────────────────────────────────────────────────────────────────────────────

_EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_MIN = (date(1990, 1, 1) - _EXCEL_EPOCH).days
SERIAL_MAX = (date(2100, 12, 31) - _EXCEL_EPOCH).days
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[\sT]+\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?",
    re.ASCII,
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)


def excel_serial_to_date(serial: float) -> date:
    """An Excel serial day number (1900 date system) → its date.

    Excel counts a 29 Feb 1900 that never existed, so from serial 61 on the epoch is 1899-12-30.
    """
    whole = math.floor(serial)
    if whole == 60:
        raise ValueError("serial 60 is Excel's non-existent 1900-02-29")
    if whole < 60:
        return date(1899, 12, 31) + timedelta(days=whole)
    return _EXCEL_EPOCH + timedelta(days=whole)


def normalize_date(raw: Any) -> date:
    """A real Excel date, a serial number (1990–2100) or a typed date string → datetime.date."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if math.isfinite(raw) and SERIAL_MIN <= raw < SERIAL_MAX + 1:
            return excel_serial_to_date(raw)
        raise Invalid("date.invalid", value=display(raw))
    if isinstance(raw, str):
        text = fold(raw)
        match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                pass
    raise Invalid("date.invalid", value=display(raw))


# ── periods ─────────────────────────────────────────────────────────────────────────────────

_MONTH = re.compile(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})|(\d{2}))\s*(?:月份?)?", re.ASCII)
_WEEK = re.compile(
    r"(\d{4})\s*(?:-?\s*W\s*(\d{1,2})|年?\s*-?\s*第?\s*(\d{1,2})\s*周)",
    re.IGNORECASE | re.ASCII,
)


def normalize_period(raw: Any) -> str:
    """A month → "2026-11", an ISO week → "2026-W48"; a date stands for its month."""
    if isinstance(raw, date):
        return f"{raw.year:04d}-{raw.month:02d}"
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 200001 <= raw <= 210012 and float(raw).is_integer():  # 202611 typed as a number
            return normalize_period(str(int(raw)))
        return normalize_period(normalize_date(raw))
    text = fold(raw)
    week = _WEEK.fullmatch(text)
    if week:
        year, number = int(week[1]), int(week[2] or week[3])
        if 2000 <= year <= 2100 and 1 <= number <= date(year, 12, 28).isocalendar().week:
            return f"{year}-W{number:02d}"
        raise Invalid("period.invalid", value=display(raw))
    month = _MONTH.fullmatch(text)
    if month:
        year, number = int(month[1]), int(month[2] or month[3])
        if 2000 <= year <= 2100 and 1 <= number <= 12:
            return f"{year}-{number:02d}"
        raise Invalid("period.invalid", value=display(raw))
    try:
        return normalize_period(normalize_date(text))
    except Invalid:
        raise Invalid("period.invalid", value=display(raw)) from None


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of "2026-11" or "2026-W48"."""
    year, _, rest = period.partition("-")
    if rest.startswith("W"):
        start = date.fromisocalendar(int(year), int(rest[1:]), 1)
        return start, start + timedelta(days=6)
    first = date(int(year), int(rest), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)
