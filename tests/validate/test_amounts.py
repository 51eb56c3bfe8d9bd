"""Numbers as staff write them, read in each column's unit (validate/amounts.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from branchflow.templates.definitions import CUSTOMER_FIELDS, INCOME_BUCKETS, TEMPLATES
from branchflow.validate.amounts import Amount, income_bucket, read_amount
from branchflow.validate.fields import describe_amount, scale_for
from branchflow.validate.normalize import Invalid

FIELDS = {f.key: f for f in CUSTOMER_FIELDS}
INCOME = scale_for(FIELDS["monthly_income"])  # 元/月
BUDGET = scale_for(FIELDS["budget"])  # 万元
AREA = scale_for(FIELDS["area"])  # ㎡
COUNT = scale_for(FIELDS["family_size"])  # people
KPI = scale_for(TEMPLATES["monthly"].table("kpis").field("actual"), ("万元", "万"))
SCALES = {"income": INCOME, "budget": BUDGET, "area": AREA, "count": COUNT, "kpi": KPI}

# (column, as written, low, high, approximate, converted)
READINGS: list[tuple[str, Any, Any, Any, bool, bool]] = [
    ("income", 6500, 6500, 6500, False, False),
    ("income", 6500.0, 6500, 6500, False, False),
    ("income", "6500", 6500, 6500, False, False),
    ("income", "６５００", 6500, 6500, False, False),
    ("income", "6,500", 6500, 6500, False, False),
    ("income", "6500元", 6500, 6500, False, False),
    ("income", "6500元/月", 6500, 6500, False, False),
    ("income", "6500/月", 6500, 6500, False, False),
    ("income", "月入6500", 6500, 6500, False, False),
    ("income", "8000-12000", 8000, 12000, False, False),
    ("income", "8000~12000", 8000, 12000, False, False),
    ("income", "8000～12000元", 8000, 12000, False, False),
    ("income", "8000—12000", 8000, 12000, False, False),
    ("income", "8000至12000", 8000, 12000, False, False),
    ("income", "8000到12000", 8000, 12000, False, False),
    ("income", "12000-8000", 8000, 12000, False, False),
    ("income", "8千-1.2万", 8000, 12000, False, True),
    ("income", "8000-1.2万", 8000, 12000, False, True),
    ("income", "0.8-1.2万", 8000, 12000, False, True),
    ("income", "3000以下", None, 3000, False, False),
    ("income", "3000以内", None, 3000, False, False),
    ("income", "不到3000", None, 3000, False, False),
    ("income", "12000以上", 12000, None, False, False),
    ("income", "1万+", 10000, None, False, True),
    ("income", "1万多", 10000, 10000, True, True),
    ("income", "1万多元", 10000, 10000, True, True),
    ("income", "至少8000", 8000, None, False, False),
    ("income", "约5000", 5000, 5000, True, False),
    ("income", "大概5000", 5000, 5000, True, False),
    ("income", "5000左右", 5000, 5000, True, False),
    ("income", "5000上下", 5000, 5000, True, False),
    ("income", "1.2万", 12000, 12000, False, True),
    ("income", "1.2W", 12000, 12000, False, True),
    ("income", "5k", 5000, 5000, False, True),
    ("income", "5千", 5000, 5000, False, True),
    ("income", "五千", 5000, 5000, False, True),
    ("income", "一万二", 12000, 12000, False, True),
    ("income", "1万2", 12000, 12000, False, True),
    ("income", "三千五", 3500, 3500, False, True),
    ("income", "1万2000", 12000, 12000, False, False),
    ("budget", 50, 50, 50, False, False),
    ("budget", "50", 50, 50, False, False),
    ("budget", "50万", 50, 50, False, False),
    ("budget", "50万元", 50, 50, False, False),
    ("budget", "五十万", 50, 50, False, False),
    ("budget", "500000元", 50, 50, False, True),
    ("budget", "500000", 50, 50, False, True),  # 万元 column, clearly written in 元
    ("budget", "40-60万", 40, 60, False, False),
    ("budget", "40到60", 40, 60, False, False),
    ("budget", "50万左右", 50, 50, True, False),
    ("budget", "约45万", 45, 45, True, False),
    ("budget", "总价50万", 50, 50, False, False),
    ("budget", "60万以内", None, 60, False, False),
    ("area", "110", 110, 110, False, False),
    ("area", "110㎡", 110, 110, False, False),
    ("area", "110 m²", 110, 110, False, False),
    ("area", "110平", 110, 110, False, False),
    ("area", "110平米", 110, 110, False, False),
    ("area", "110平方米", 110, 110, False, False),
    ("area", "110方", 110, 110, False, False),
    ("area", "90~110", 90, 110, False, False),
    ("area", "90-110平", 90, 110, False, False),
    ("area", "90至110㎡", 90, 110, False, False),
    ("area", "120平米左右", 120, 120, True, False),
    ("area", "100以上", 100, None, False, False),
    ("count", 3, 3, 3, False, False),
    ("count", 3.0, 3, 3, False, False),
    ("count", "3", 3, 3, False, False),
    ("count", "3人", 3, 3, False, False),
    ("count", "3口人", 3, 3, False, False),
    ("count", "三口", 3, 3, False, False),
    ("count", "五口人", 5, 5, False, False),
    ("count", "约3人", 3, 3, True, False),
    ("count", "80多人", 80, 80, True, False),
    ("count", "80余人", 80, 80, True, False),
    ("count", "二十来个", 20, 20, True, False),
    ("kpi", "46", 46, 46, False, False),
    ("kpi", "120万", 120, 120, False, False),
    ("kpi", "5场", 5, 5, False, False),
]

# (column, as written, the code it is refused with)
REFUSED = [
    ("income", "面议", "number.invalid"),
    ("income", "50%", "number.invalid"),
    ("income", "-3000", "number.invalid"),
    ("income", "3000㎡", "number.unit"),
    ("income", "至少3000以下", "number.invalid"),
    ("income", "3000-5000以上", "number.invalid"),
    ("income", True, "number.invalid"),
    ("income", float("nan"), "number.invalid"),
    ("budget", "首付15万", "number.invalid"),
    ("area", "100万", "number.unit"),
    ("area", "三室两厅", "number.invalid"),
    ("count", "3.5", "number.not_integer"),
    ("count", "3-4人", "number.range_in_count"),
    ("count", "5口以上", "number.range_in_count"),
    ("count", 2**31, "number.too_large"),
    ("income", "99999999999999", "number.too_large"),
]


@pytest.mark.parametrize(("column", "written", "low", "high", "approximate", "converted"), READINGS)
def test_numbers_as_staff_write_them(
    column: str, written: Any, low: Any, high: Any, approximate: bool, converted: bool
) -> None:
    amount = read_amount(written, SCALES[column], integer=column == "count")
    assert (amount.low, amount.high) == (low, high)
    assert (amount.approximate, amount.converted) == (approximate, converted)
    for bound in (amount.low, amount.high):
        assert bound is None or type(bound) is int  # whole numbers stay ints (家庭人数 3, not 3.0)


@pytest.mark.parametrize(("column", "written", "code"), REFUSED)
def test_what_is_no_number_is_refused_with_its_reason(column: str, written: Any, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        read_amount(written, SCALES[column], integer=column == "count")
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("amount", "value", "told"),
    [
        (Amount(8000, 12000), 10000, ("区间 8000–12000 元/月", "（统计取中间值 10000）")),
        (Amount(None, 3000), 3000, (" 3000 元/月以下", "（统计按 3000 计）")),
        (Amount(12000, None), 12000, (" 12000 元/月以上", "（统计按 12000 计）")),
        (Amount(5000, 5000, approximate=True), 5000, ("约 5000 元/月", "")),
        (Amount(5000, 7000), 6000, ("区间 5000–7000 元/月", "（统计取中间值 6000）")),
        (Amount(4000, 4500), 4250, ("区间 4000–4500 元/月", "（统计取中间值 4250）")),
    ],
)
def test_one_way_of_counting(amount: Amount, value: int, told: tuple[str, str]) -> None:
    assert amount.value == value
    assert describe_amount(amount, "元/月") == told


@pytest.mark.parametrize(
    ("low", "high", "bucket"),
    [
        (2500, 2500, "3000以下"),
        (None, 3000, "3000以下"),
        (3000, 3000, "3000-5000"),
        (3000, 5000, "3000-5000"),
        (5000, 5000, "5000-8000"),
        (6000, 9000, "5000-8000"),
        (8000, 12000, "8000-12000"),
        (11999, 11999, "8000-12000"),
        (12000, None, "12000以上"),
        (20000, 20000, "12000以上"),
        (None, None, None),
    ],
)
def test_income_buckets_are_the_templates_dropdown(low: Any, high: Any, bucket: Any) -> None:
    assert income_bucket(low, high) == bucket
    assert bucket is None or bucket in INCOME_BUCKETS


def test_every_dropdown_bucket_reads_back_as_itself() -> None:
    for bucket in INCOME_BUCKETS:
        amount = read_amount(bucket, INCOME)
        assert income_bucket(amount.low, amount.high) == bucket


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_any_written_range_reads_back(a: int, b: int) -> None:
    amount = read_amount(f"{a}-{b}", INCOME)
    assert (amount.low, amount.high) == (min(a, b), max(a, b))
    assert amount.low <= amount.value <= amount.high  # type: ignore[operator]
