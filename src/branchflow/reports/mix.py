"""客户结构: how a branch's customers spread over 月收入, 付款方式, 置业目的 and 认知途径.

The one way values written other than as listed are counted (README, "How a range counts"): a
value outside its field's list (kept as written) counts under 其他; 月收入 counts by the
template's income bucket of its bounds (a range by its midpoint, an open range by its bound).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from branchflow.templates.definitions import (
    CHANNELS,
    INCOME_BUCKETS,
    PAYMENT_METHODS,
    PURPOSES,
)
from branchflow.validate.amounts import income_bucket

OTHER, UNFILLED = "其他", "未填"
LISTED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("付款方式", "payment", PAYMENT_METHODS),
    ("置业目的", "purpose", PURPOSES),
    ("认知途径", "channel", CHANNELS),
)
BASIS = (
    "客户结构按本分中心截至月末登记的客户统计；不在可选值中的写法计入“其他”；"
    "月收入按区间统计，写成范围的按中间值、写成“以下/以上”的按其界限归入区间。"
)


def counted_as(value: Any, choices: Iterable[str]) -> str:
    """The category a stored value counts under: itself when listed, else 其他 (or 未填)."""
    if value is None or value == "":
        return UNFILLED
    return str(value) if value in tuple(choices) else OTHER


def income_of(customer: Mapping[str, Any]) -> str:
    """A customer's 月收入 bucket, from the bounds it was read with (or its one number)."""
    low, high = customer.get("monthly_income_low"), customer.get("monthly_income_high")
    if low is None and high is None:
        low = high = customer.get("monthly_income")
    return income_bucket(low, high) or UNFILLED


def customer_mix(customers: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One row per field: its categories in list order with count and share, 其他 and 未填 last."""
    stored: dict[str, Counter[Any]] = {key: Counter() for _, key, _ in LISTED}
    stored["income"] = Counter()
    for c in customers:
        for _, key, _ in LISTED:
            stored[key][c.get(key)] += 1
        bounds = (c.get("monthly_income_low"), c.get("monthly_income_high"))
        stored["income"][(*bounds, c.get("monthly_income"))] += 1
    return counted_mix(stored)


def counted_mix(stored: Mapping[str, Counter[Any]]) -> list[dict[str, str]]:
    """customer_mix from counts of stored values (the archive's aggregates.customer_mix): per
    field key, value → customers; for "income", (low, high, value) → customers."""
    income: Counter[str] = Counter()
    for (low, high, value), count in stored.get("income", Counter()).items():
        keys = {"monthly_income_low": low, "monthly_income_high": high, "monthly_income": value}
        income[income_of(keys)] += count
    found: list[tuple[str, Counter[str], tuple[str, ...]]] = [("月收入", income, INCOME_BUCKETS)]
    for title, key, choices in LISTED:
        counts: Counter[str] = Counter()
        for value, count in stored.get(key, Counter()).items():
            counts[counted_as(value, choices)] += count
        found.append((title, counts, choices))
    return [{"field": title, "parts": _parts(counts, order)} for title, counts, order in found]


def _parts(counts: Counter[str], order: Iterable[str]) -> str:
    total = sum(counts.values())
    if not total:
        return "—"
    names = [*dict.fromkeys((*order, OTHER, UNFILLED))]
    return "、".join(f"{n} {counts[n]}（{counts[n] / total:.0%}）" for n in names if counts[n])
