"""Numbers as people write them: `8000-12000`, `8千-1.2万`, `3000以下`, `1万+`, `约5000`, `五千`.

A written amount becomes an `Amount`: a low and a high bound (either may be open) in the
column's own unit, whether it was approximate, and whether a unit changed its magnitude (万 in a
元 column, 元 in a 万元 column). What a column's unit is, and which words stand for it, is a
`Scale` (see `scale_for`). Text that is no amount raises `Invalid`, as every normaliser does.

How an amount counts (the one rule reports follow): a closed range by its midpoint, an open
range (`3000以下`, `12000以上`) by its bound, an approximation by its number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from branchflow.validate.normalize import Invalid, display, fold

__all__ = ["MAX_AMOUNT", "MAX_COUNT", "Amount", "Scale", "income_bucket", "read_amount"]

MAX_COUNT = 2**31 - 1  # counts are 32-bit integers in the archive (PostgreSQL INTEGER)
MAX_AMOUNT = 1e12  # beyond any 元/万元/㎡ figure staff could mean
COUNT_WORDS = frozenset("人口套次场家个户名位间") | {"口人", "人次"}
YUAN_WORDS = frozenset({"元", "块", "块钱", "rmb"})
MAGNITUDES = {"万": 1e4, "w": 1e4, "千": 1e3, "k": 1e3}


@dataclass(frozen=True)
class Scale:
    """What a number column's unit is and how other units convert to it.

    `words`: unit words meaning the column's own unit (factor 1) or a fixed multiple of it.
    `yuan_per_unit`: for money columns, how many 元 one column unit is (1 or 10000); magnitudes
    (万, 千, k, w) are then read as 元 multiples. 0 = not money: magnitudes multiply counts
    when `magnitudes` allows them. `bare_yuan_over`: a number without unit at least this large is
    taken as 元 (a 预算总价(万元) written 500000). `prefixes`/`suffixes`: words staff put around
    the number that mean nothing more (月收入 / 每月)."""

    display: str = ""
    words: dict[str, float] = field(default_factory=dict)
    yuan_per_unit: float = 0
    magnitudes: bool = False
    bare_yuan_over: float | None = None
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Amount:
    low: float | None
    high: float | None
    approximate: bool = False
    converted: bool = False

    @property
    def value(self) -> float:
        """The one number it counts as: midpoint, open bound, or the number itself."""
        if self.low is None:
            return _whole(self.high)
        if self.high is None:
            return _whole(self.low)
        return _whole((self.low + self.high) / 2)

    @property
    def exact(self) -> bool:
        """A single number, neither a range nor approximate: nothing to tell staff about."""
        return self.low == self.high and not self.approximate


# Words around a number: (before it, after it, what they mean). "a" approximate, "l" no lower
# bound (at most), "h" no upper bound (at least). Longer words first where one holds another.
_APPROX = ("大约", "大概", "大致", "差不多", "预计", "估计", "约为", "将近", "约", "近")
_AT_MOST = ("不超过", "不高于", "最多", "最高", "不到", "少于", "低于", "<=", "≤", "<")
_AT_LEAST = ("至少", "最少", "起码", "不低于", "不少于", "超过", "高于", ">=", "≥", ">")
_QUALIFIERS = (
    (_APPROX, ("左右", "上下", "前后", "的样子", "之间", "出头", "多", "余", "来"), "a"),
    (_AT_MOST, ("以下", "以内", "之内", "之下", "内", "封顶"), "l"),
    (_AT_LEAST, ("以上", "之上", "往上", "+", "起"), "h"),
)
_SIDE = r"(\d+(?:\.\d+)?)([^\d~\-—–〜至到]*)"
_AMOUNT = re.compile(rf"{_SIDE}(?:(?:[~\-—–〜]+|至|到){_SIDE})?")
_NOISE = re.compile(r"[\s,，'¥￥$]")
_SOME_MORE = re.compile(r"^(\D*\d+(?:\.\d+)?[万千wk]?)(多|余|来)(\D*)$")  # 80多人 → 80人多
_COLLOQUIAL = re.compile(r"(?<![\d.])(\d+)([万千])(\d+)(?![\d.])")
_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                   "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_NUMERAL = "零〇一二两三四五六七八九十"
_CHINESE_NUMBER = re.compile(rf"(?<![\d.])[{_NUMERAL}百千万]*[{_NUMERAL}][{_NUMERAL}百千万]*")


def read_amount(raw: Any, scale: Scale, *, integer: bool = False) -> Amount:
    """A cell's number, range or approximation in the column's unit; Invalid when it is none."""
    if isinstance(raw, bool) or raw is None:
        raise Invalid("number.invalid", value=display(raw))
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise Invalid("number.invalid", value=display(raw))
        return _checked(Amount(raw, raw), raw, integer)
    text = _plain_text(raw, scale)
    approximate, low_open, high_open, core = _qualifiers(text)
    match = _AMOUNT.fullmatch(core)
    if not match or "%" in core:
        raise Invalid("number.invalid", value=display(raw))
    first, first_unit, second, second_unit = match.groups()
    if second is None:
        number, converted = _side(first, first_unit, scale, raw)
        low, high = (None if low_open else number), (None if high_open else number)
        return _checked(Amount(low, high, approximate, converted), raw, integer)
    if low_open or high_open:
        raise Invalid("number.invalid", value=display(raw))
    high, converted = _side(second, second_unit, scale, raw)
    low, low_converted = _side(first, first_unit or second_unit, scale, raw)
    if not first_unit and second_unit and low > high:  # "8000-1.2万": the unit is the second's
        low, low_converted = _side(first, "", scale, raw)
    low, high = min(low, high), max(low, high)
    amount = Amount(low, high, approximate, converted or low_converted)
    if integer and low != high:
        raise Invalid("number.range_in_count", value=display(raw))
    return _checked(amount, raw, integer)


def _plain_text(raw: Any, scale: Scale) -> str:
    text = _NOISE.sub("", fold(raw)).lower().replace("m2", "平米")  # NFKC: ㎡, m² → m2
    for word in scale.prefixes:
        text = text.removeprefix(word)
    for word in scale.suffixes:
        text = text.removesuffix(word)
    text = _CHINESE_NUMBER.sub(_arabic, text)
    return _SOME_MORE.sub(r"\1\3\2", _COLLOQUIAL.sub(_colloquial, text))


def _qualifiers(text: str) -> tuple[bool, bool, bool, str]:
    """(approximate, no lower bound, no upper bound, the number itself)."""
    found: set[str] = set()
    for before, after, flag in _QUALIFIERS:
        for word in before:
            if text.startswith(word):
                text = text[len(word) :]
                found.add(flag)
                break
        for word in after:
            if text.endswith(word) and len(text) > len(word):
                text = text[: -len(word)]
                found.add(flag)
                break
    if {"l", "h"} <= found:
        return False, False, False, "?"  # "至少…以下": no reading
    return "a" in found, "l" in found, "h" in found, text


def _side(number: str, unit: str, scale: Scale, raw: Any) -> tuple[float, bool]:
    """One written number in the column's unit, and whether its unit changed the magnitude."""
    value = float(number)
    factor = _factor(unit, scale)
    if factor is None:
        own = scale.display or "只填数字、不带单位"
        expected = f"的单位是“{own}”" if scale.display else own
        raise Invalid("number.unit", value=display(raw), unit=unit, expected=expected)
    if not unit and scale.bare_yuan_over is not None and value >= scale.bare_yuan_over:
        factor = 1 / scale.yuan_per_unit  # a 预算总价(万元) of 500000 means 元
    return value * factor, factor != 1


def _factor(unit: str, scale: Scale) -> float | None:
    """How many column units one written unit is; None when the unit does not fit the column."""
    if not unit:
        return 1.0
    if unit in scale.words:
        return scale.words[unit]
    magnitude, rest = MAGNITUDES.get(unit[0]), unit[1:]
    if scale.yuan_per_unit:  # money: 元, or 万/千 of 元
        if unit in YUAN_WORDS:
            return 1 / scale.yuan_per_unit
        if magnitude is not None and (not rest or rest in YUAN_WORDS):
            return magnitude / scale.yuan_per_unit
        return None
    if unit in COUNT_WORDS:
        return 1.0
    if magnitude is not None and scale.magnitudes and (not rest or rest in COUNT_WORDS):
        return magnitude
    return None


def _checked(amount: Amount, raw: Any, integer: bool) -> Amount:
    for bound in (amount.low, amount.high):
        if bound is None:
            continue
        if bound < 0:
            raise Invalid("number.negative", value=display(raw))
        if bound > (MAX_COUNT if integer else MAX_AMOUNT):
            raise Invalid("number.too_large", value=display(raw))
        if integer and not float(bound).is_integer():
            raise Invalid("number.not_integer", value=display(raw))
    if integer and (amount.low is None or amount.high is None):
        raise Invalid("number.range_in_count", value=display(raw))
    low = None if amount.low is None else _whole(amount.low)
    high = None if amount.high is None else _whole(amount.high)
    return Amount(low, high, amount.approximate, amount.converted)


def _whole(number: float | None) -> Any:
    """An int when whole (家庭人数 3, not 3.0); float noise from unit factors rounded off."""
    assert number is not None
    if isinstance(number, float):
        number = round(number, 6)
        return int(number) if number.is_integer() else number
    return number


def _arabic(match: re.Match[str]) -> str:
    """A Chinese numeral → digits, keeping a final 万/千 as the magnitude it is: 两万 → 2万,
    一万二 → 1.2万, 三千五 → 3.5千, 十五 → 15."""
    text = match[0]
    value = _chinese_value(text)
    if value is None:
        return text
    for char, size in (("万", 1e4), ("千", 1e3)):
        if char in text:
            return f"{value / size:g}{char}"
    return f"{value:g}"


def _chinese_value(text: str) -> float | None:
    total = section = number = 0.0
    last_unit = 0.0
    for char in text:
        if char in _CHINESE_DIGITS:
            number = _CHINESE_DIGITS[char]
            continue
        size = {"十": 10, "百": 100, "千": 1000, "万": 10000}[char]
        if size == 10000:
            total += (section + number) * size
            section = number = 0
        else:
            section += (number or (1 if size == 10 else 0)) * size
            number = 0
        last_unit = size
    if number and last_unit >= 100:  # 一万二 = 12000, 三千五 = 3500, 一百五 = 150
        number *= last_unit / 10
    result = total + section + number
    return result if result else (0.0 if "零" in text or "〇" in text else None)


def _colloquial(match: re.Match[str]) -> str:
    """1万2 → 1.2万, 3千5 → 3.5千 (one digit after 万/千 is the next place), 1万2000 → 12000."""
    number, unit, tail = match.groups()
    if len(tail) == 1:
        return f"{number}.{tail}{unit}"
    if len(tail) == {"万": 4, "千": 3}[unit]:
        return str(int(number) * (10000 if unit == "万" else 1000) + int(tail))
    return match[0]


INCOME_BUCKETS = ((None, 3000), (3000, 5000), (5000, 8000), (8000, 12000), (12000, None))


def income_bucket(low: float | None, high: float | None) -> str | None:
    """The 月收入 bucket (the template's dropdown) an amount falls in: a number or a range by its
    midpoint, half-open [low, high) so 5000 is in 5000-8000; an open range by its bound."""
    if low is None and high is None:
        return None
    point = Amount(low, high).value
    if low is None:  # "3000以下": everything up to its bound
        point = point - 0.5
    for start, end in INCOME_BUCKETS:
        if (start is None or point >= start) and (end is None or point < end):
            return _bucket_name(start, end)
    return None


def _bucket_name(start: int | None, end: int | None) -> str:
    if start is None:
        return f"{end}以下"
    if end is None:
        return f"{start}以上"
    return f"{start}-{end}"
