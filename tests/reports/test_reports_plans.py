"""部门及项目工作计划: reading 需分中心配合 as staff write it."""

from __future__ import annotations

import pytest

from branchflow.config import Branch
from branchflow.reports.plans import asks_of

BRANCHES = (
    Branch("东莞分中心", "东莞市"),
    Branch("宁波分中心", "宁波市"),
    Branch("苏州分中心", "苏州市"),
)


@pytest.mark.parametrize(
    ("written", "named", "everyone"),
    [
        ("东莞、宁波", {"东莞分中心", "宁波分中心"}, False),
        ("宁波分中心", {"宁波分中心"}, False),
        ("东莞市 苏州市", {"东莞分中心", "苏州分中心"}, False),
        ("全部", set(), True),
        ("各分中心", set(), True),
        ("全部，东莞重点", {"东莞分中心"}, True),
        ("无", set(), False),
        ("", set(), False),
        (None, set(), False),
        ("深圳", set(), False),  # not a configured branch: nobody is named
        ("ＤＯＮＧ 东 莞", {"东莞分中心"}, False),  # full-width letters and spaces
    ],
)
def test_asks_of(written: object, named: set[str], everyone: bool) -> None:
    ask = asks_of(written, BRANCHES)
    assert (set(ask.named), ask.everyone) == (named, everyone)


def test_a_branch_named_comes_before_everyone() -> None:
    ask = asks_of("全部，东莞重点", BRANCHES)
    assert [ask.of(b.name) for b in BRANCHES] == [0, 1, 1]
    assert [asks_of("无", BRANCHES).of(b.name) for b in BRANCHES] == [2, 2, 2]
