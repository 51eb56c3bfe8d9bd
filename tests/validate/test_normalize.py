from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from branchflow.validate.normalize import (
    Invalid,
    clean_text,
    excel_serial_to_date,
    id_check_char,
    is_masked_phone,
    mask_id,
    mask_phone,
    normalize_contact_phone,
    normalize_date,
    normalize_id_number,
    normalize_period,
    normalize_phone,
    period_bounds,
)

TODAY = date(2026, 11, 26)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(Invalid) as caught:
        call(*args, **kwargs)
    return caught.value.code


# ── text ─────────────────────────────────────────────────────────────────────────────────────


@given(st.text())
def test_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert once is None or clean_text(once) == once


@given(st.text(alphabet="①②③ＡＢ１２３ 张三\u200b\u3000", min_size=1))
def test_text_is_never_nfkc_folded(text: str) -> None:
    cleaned = clean_text(text) or ""
    for ch in "①②③ＡＢ１２３":
        assert cleaned.count(ch) == text.count(ch)


def test_text_trims_and_drops_zero_width() -> None:
    assert clean_text("\u200b 张三\u2060\ufeff ") == "张三"
    assert clean_text("① 主要工作") == "① 主要工作"
    assert clean_text("   ") is None
    assert clean_text(3.0) == "3"
    assert clean_text(2.5) == "2.5"
    assert clean_text(17) == "17"
    assert clean_text(datetime(2026, 11, 3)) == "2026-11-03"


# ── phones ───────────────────────────────────────────────────────────────────────────────────

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


def _spaced(phone: str, sep: str) -> str:
    return f"{phone[:3]}{sep}{phone[3:7]}{sep}{phone[7:]}"


@given(
    mobiles,
    st.sampled_from(["", " ", "-", "－", " - "]),
    st.sampled_from(["", "+86", "0086", "86", "+86 ", "(+86)"]),
)
def test_any_written_mobile_normalises_to_itself(phone: str, sep: str, prefix: str) -> None:
    written = prefix + _spaced(phone, sep)
    assert normalize_phone(written) == phone
    assert normalize_phone(written.translate(FULL_WIDTH)) == phone


@given(mobiles)
def test_mobile_stored_as_a_number(phone: str) -> None:
    assert normalize_phone(int(phone)) == phone
    assert normalize_phone(float(phone)) == phone
    assert normalize_phone(phone + ".0") == phone
    assert normalize_phone(f"{float(phone):.10E}") == phone


@given(mobiles)
def test_mask_phone_keeps_three_and_four(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert is_masked_phone(masked)
    assert normalize_phone(masked) == masked


def test_mixed_width_digits_are_folded() -> None:
    assert normalize_phone("13８1234５678") == "13812345678"


@pytest.mark.parametrize(
    "written", ["138****5678", "138＊＊＊＊5678", "138***5678", "138 **** 5678"]
)
def test_masked_phone_is_accepted(written: str) -> None:
    assert normalize_phone(written) == "138****5678"


@pytest.mark.parametrize(
    "written", ["1381234567", "23812345678", "138123456789", "1381234****", "电话"]
)
def test_invalid_phone(written: str) -> None:
    assert code_of(normalize_phone, written) == "phone.invalid"


def test_contact_phone_accepts_mobiles_and_landlines() -> None:
    assert normalize_contact_phone("13812345678") == "13812345678"
    assert normalize_contact_phone("0769-22334455") == "0769-22334455"
    assert normalize_contact_phone("(0769) 2233 4455") == "0769-22334455"
    assert normalize_contact_phone("010-12345678") == "010-12345678"
    assert normalize_contact_phone("400-123-4567") == "4001234567"
    assert code_of(normalize_contact_phone, "12345") == "contact_phone.invalid"


# ── ID numbers ───────────────────────────────────────────────────────────────────────────────


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["520328", "522601", "110101", "440300"]))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=TODAY))
    sequence = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + id_check_char(first17)


@given(id_numbers())
def test_valid_id_passes_and_masks(number: str) -> None:
    assert normalize_id_number(number, TODAY) == number
    assert normalize_id_number(number.lower(), TODAY) == number
    assert normalize_id_number(number.translate(FULL_WIDTH), TODAY) == number
    masked = mask_id(number)
    assert masked == number[:6] + "********" + number[-4:]
    assert normalize_id_number(masked, TODAY) == masked


@given(id_numbers(), st.sampled_from("0123456789X"))
def test_a_changed_check_char_fails(number: str, check: str) -> None:
    if check == number[-1]:
        return
    changed = number[:17] + check
    expected = "id.stored_as_number" if changed.endswith("000") else "id.checksum"
    assert code_of(normalize_id_number, changed, TODAY) == expected


@pytest.mark.parametrize("stored", [520328199001011000, 5.20328199001011e17, "5.2032819900101E+17"])
def test_id_stored_as_a_number(stored: object) -> None:
    assert code_of(normalize_id_number, stored, TODAY) == "id.stored_as_number"


def test_id_shown_in_full_after_precision_loss() -> None:
    assert code_of(normalize_id_number, "520328199001011000", TODAY) == "id.stored_as_number"


def test_id_format_and_birth_date() -> None:
    assert code_of(normalize_id_number, "52032819900101123", TODAY) == "id.format"
    future = "5203282030010112" + "3"
    assert code_of(normalize_id_number, future + id_check_char(future), TODAY) == "id.birth_date"
    bad_day = "52032819900231123"
    assert code_of(normalize_id_number, bad_day + id_check_char(bad_day), TODAY) == "id.birth_date"


# ── dates ────────────────────────────────────────────────────────────────────────────────────


def _written_dates(day: date) -> list[object]:
    serial = (day - date(1899, 12, 30)).days
    texts = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.isoformat()} 00:00:00",
        f"{day:%Y%m%d}",
    ]
    return [
        day,
        datetime(day.year, day.month, day.day, 15, 30),
        serial,
        float(serial),
        serial + 0.75,
        *texts,
        *(t.translate(FULL_WIDTH) for t in texts),
    ]


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_round_trip_in_every_format(day: date) -> None:
    for written in _written_dates(day):
        assert normalize_date(written) == day, written


def test_excel_serials() -> None:
    assert excel_serial_to_date(45658) == date(2025, 1, 1)
    assert excel_serial_to_date(61) == date(1900, 3, 1)
    assert excel_serial_to_date(59) == date(1900, 2, 28)
    assert excel_serial_to_date(1) == date(1900, 1, 1)


@pytest.mark.parametrize("written", ["2026-02-30", "下周一", 12, 99999.0, "11/3", True])
def test_invalid_dates(written: object) -> None:
    assert code_of(normalize_date, written) == "date.invalid"


# ── periods ──────────────────────────────────────────────────────────────────────────────────


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_months_round_trip(year: int, month: int) -> None:
    canonical = f"{year}-{month:02d}"
    for written in (
        canonical,
        f"{year}/{month}",
        f"{year}年{month}月",
        f"{year}.{month}",
        f"{year}年{month}月份".translate(FULL_WIDTH),
        date(year, month, 1),
        datetime(year, month, 1),
    ):
        assert normalize_period(written) == canonical, written
    assert period_bounds(canonical)[0] == date(year, month, 1)


@given(st.dates(min_value=date(2001, 1, 8), max_value=date(2099, 12, 20)))
def test_iso_weeks_round_trip(day: date) -> None:
    year, week, _ = day.isocalendar()
    canonical = f"{year}-W{week:02d}"
    for written in (canonical, f"{year}W{week}", f"{year}年第{week}周", f"{year}-w{week}"):
        assert normalize_period(written) == canonical, written
    start, end = period_bounds(canonical)
    assert start <= day <= end == start + timedelta(days=6)


@pytest.mark.parametrize("written", ["2025-W53", "2026-W00", "2026-13", "本月", "2026"])
def test_invalid_periods(written: str) -> None:
    assert code_of(normalize_period, written) == "period.invalid"


def test_week_53_exists_only_in_long_years() -> None:
    assert normalize_period("2026-W53") == "2026-W53"
