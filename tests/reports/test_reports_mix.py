"""客户结构: values written other than as listed count under 其他, 月收入 by its bucket."""

from __future__ import annotations

from typing import Any

from report_helpers import A_CUSTOMERS, A, Rendered, open_doc, rows_of, table_with

from branchflow.reports.mix import counted_as, customer_mix, income_of
from branchflow.templates.definitions import PURPOSES


def row(**values: Any) -> dict[str, Any]:
    return {"monthly_income": None, "monthly_income_low": None, "monthly_income_high": None,
            **values}  # fmt: skip


def test_a_value_off_the_list_counts_under_other() -> None:
    assert counted_as("自住", PURPOSES) == "自住"
    assert counted_as("投靠子女", PURPOSES) == "其他"  # kept as written
    assert counted_as(None, PURPOSES) == counted_as("", PURPOSES) == "未填"


def test_income_counts_by_bucket_of_its_bounds() -> None:
    assert income_of(row(monthly_income=10000, monthly_income_low=8000,
                         monthly_income_high=12000)) == "8000-12000"  # fmt: skip
    assert income_of(row(monthly_income=3000, monthly_income_high=3000)) == "3000以下"
    assert income_of(row(monthly_income=12000, monthly_income_low=12000)) == "12000以上"
    assert income_of(row(monthly_income=6500)) == "5000-8000"  # bounds not read: the number
    assert income_of(row()) == "未填"


def test_customer_mix_in_list_order_other_and_unfilled_last() -> None:
    customers = [
        row(payment="公积金贷款", purpose="自住", channel="微信/抖音", monthly_income=6000),
        row(payment="商业贷款", purpose="投靠子女", channel="微信/抖音", monthly_income_low=12000),
        row(payment="公积金贷款", purpose=None, channel="广告", monthly_income_high=3000),
        row(payment="看首付", purpose="自住", channel=None, monthly_income=4000),
    ]
    assert customer_mix(customers) == [
        {"field": "月收入", "parts": "3000以下 1（25%）、3000-5000 1（25%）、5000-8000 1（25%）、"
                                     "12000以上 1（25%）"},
        {"field": "付款方式", "parts": "商业贷款 1（25%）、公积金贷款 2（50%）、其他 1（25%）"},
        {"field": "置业目的", "parts": "自住 2（50%）、其他 1（25%）、未填 1（25%）"},
        {"field": "认知途径", "parts": "微信/抖音 2（50%）、广告 1（25%）、未填 1（25%）"},
    ]  # fmt: skip
    assert customer_mix([])[0] == {"field": "月收入", "parts": "—"}


def test_the_monthly_summary_shows_the_customer_mix(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc(f"月度工作总结-{A}.docx"))
    mix = table_with(doc, "栏目")
    assert [r[0] for r in rows_of(mix)] == ["月收入", "付款方式", "置业目的", "认知途径"]
    assert rows_of(mix)[1][1] == f"未填 {len(A_CUSTOMERS)}（100%）"
