"""Listed values as staff write them: the synonym table, the key folding and company aliases."""

from __future__ import annotations

import pytest

from branchflow.templates.definitions import TEMPLATES, FieldType
from branchflow.validate.choices import ChoiceReader, choice_key
from branchflow.validate.synonyms import SYNONYMS

PROJECTS = ("黔龙阳光·湄江府", "黔龙阳光·凤冈城", "黔龙阳光·习水温泉小镇")
LISTS = {
    f.title: f.choices
    for t in TEMPLATES.values()
    for table in t.tables
    for f in table.fields
    if f.type is FieldType.ENUM and not table.row_labels
}

# (column, as written, the listed value, told as a correction?)
CASES = [
    ("性别", "男", "男", False),
    ("性别", "男性", "男", False),
    ("性别", " 女 ", "女", False),
    ("性别", "先生", "男", True),
    ("性别", "男士", "男", True),
    ("性别", "女士", "女", True),
    ("性别", "小姐", "女", True),
    ("性别", "Ｆ", "女", True),
    ("性别", "male", "男", True),
    ("客户等级", "A", "A", False),
    ("客户等级", "ａ", "A", False),
    ("客户等级", "A类", "A", False),
    ("客户等级", "A级", "A", False),
    ("客户等级", "b级客户", "B", False),
    ("客户等级", "C 类", "C", False),
    ("客户等级", "A+", "A", True),
    ("客户等级", "B-", "B", True),
    ("客户等级", "甲", "A", True),
    ("客户等级", "重点客户", "A", True),
    ("客户等级", "观望", "C", True),
    ("客户等级", "无意向", "D", True),
    ("跟进后等级", "Ｂ类", "B", False),
    ("跟进后等级", "C+", "C", True),
    ("客户类型", "新客户", "新客户", False),
    ("客户类型", "新", "新客户", False),
    ("客户类型", "老客户", "老业主", True),
    ("客户类型", "业主", "老业主", True),
    ("状态", "到访", "到访", False),
    ("状态", "已到访", "到访", True),
    ("状态", "看房", "到访", True),
    ("状态", "有意向", "意向", True),
    ("状态", "交诚意金", "认筹", True),
    ("状态", "排号", "认筹", True),
    ("状态", "小定", "认购", True),
    ("状态", "大定", "认购", True),
    ("状态", "网签", "签约", True),
    ("状态", "已成交", "签约", True),
    ("状态", "不买了", "放弃", True),
    ("付款方式", "公积金贷款", "公积金贷款", False),
    ("付款方式", "公积金", "公积金贷款", True),
    ("付款方式", "住房公积金", "公积金贷款", True),
    ("付款方式", "商贷", "商业贷款", True),
    ("付款方式", "按揭", "商业贷款", True),
    ("付款方式", "银行按揭", "商业贷款", True),
    ("付款方式", "银行贷款", "商业贷款", True),
    ("付款方式", "全款", "一次性付款", True),
    ("付款方式", "一次性", "一次性付款", True),
    ("付款方式", "一次性付清", "一次性付款", True),
    ("付款方式", "公积金+商贷", "组合贷款", True),
    ("付款方式", "商贷 + 公积金", "组合贷款", True),
    ("付款方式", "组合贷", "组合贷款", True),
    ("付款方式", "首付分期", "分期付款", True),
    ("付款方式", "待定", "未定", True),
    ("付款方式", "银行按揭贷款", "商业贷款", True),  # found inside: 按揭, 银行贷款 → one value
    ("置业目的", "自住", "自住", False),
    ("置业目的", "自住首次", "自住", True),
    ("置业目的", "首套", "自住", True),
    ("置业目的", "刚需", "自住", True),
    ("置业目的", "婚房", "自住", True),
    ("置业目的", "学区", "子女教育", True),
    ("置业目的", "小孩读书", "子女教育", True),
    ("置业目的", "孩子上学", "子女教育", True),
    ("置业目的", "回家养老", "养老", True),
    ("置业目的", "给父母住", "养老", True),
    ("置业目的", "改善型", "改善", False),
    ("置业目的", "换大房", "改善", True),
    ("置业目的", "出租", "投资", True),
    ("置业目的", "回乡创业", "返乡创业", True),
    ("认知途径", "微信/抖音", "微信/抖音", False),
    ("认知途径", "微信抖音", "微信/抖音", False),
    ("认知途径", "朋友圈", "微信/抖音", True),
    ("认知途径", "抖音", "微信/抖音", True),
    ("认知途径", "快手", "微信/抖音", True),
    ("认知途径", "微信群", "微信/抖音", True),
    ("认知途径", "在抖音上刷到的", "微信/抖音", True),
    ("认知途径", "朋友介绍", "亲友介绍", True),
    ("认知途径", "老乡介绍", "亲友介绍", True),
    ("认知途径", "同厂工友介绍", "亲友介绍", True),
    ("认知途径", "老业主介绍", "老带新", True),
    ("认知途径", "业主介绍的", "老带新", True),  # the longest word found wins over 介绍
    ("认知途径", "派单", "外展派单", True),
    ("认知途径", "发传单", "外展派单", True),
    ("认知途径", "老乡会", "推介会", True),
    ("认知途径", "户外广告", "广告", True),
    ("跟进方式", "电话", "电话", False),
    ("跟进方式", "电联", "电话", True),
    ("跟进方式", "打电话", "电话", True),
    ("跟进方式", "电话回访", "电话", True),
    ("跟进方式", "面谈", "到访", True),
    ("跟进方式", "来访", "到访", True),
    ("跟进方式", "看房", "到访", True),
    ("跟进方式", "邀约登门", "到访", True),
    ("跟进方式", "直接登门", "上门拜访", True),
    ("跟进方式", "上门", "上门拜访", True),
    ("跟进方式", "微信语音", "微信", True),
    ("跟进方式", "QQ", "微信", True),
    ("跟进方式", "发短信", "短信", True),
    ("活动类型", "推介会", "推介会", False),
    ("活动类型", "说明会", "推介会", True),
    ("活动类型", "老乡会", "推介会", True),
    ("活动类型", "业主答谢会", "老业主活动", True),
    ("活动类型", "巡展", "外展", True),
    ("活动类型", "地推", "外展", True),
]

UNKNOWN = [
    ("性别", "未说"),
    ("客户等级", "E"),
    ("客户等级", "AB"),
    ("付款方式", "公积"),  # a company alias can teach this one (test below)
    ("付款方式", "看首付"),
    ("置业目的", "投靠子女"),
    ("置业目的", "不是自住"),  # a negation is never read as the value it names
    ("认知途径", "抖音广告"),  # two values at once: left as written
    ("跟进方式", "飞鸽传书"),
    ("活动类型", "年会"),
]


@pytest.mark.parametrize(("column", "written", "listed", "corrected"), CASES)
def test_staff_wording_reads_as_the_listed_value(
    column: str, written: str, listed: str, corrected: bool
) -> None:
    found = ChoiceReader(LISTS[column], column).read(written)
    assert found is not None, written
    assert (found.value, found.corrected) == (listed, corrected)


@pytest.mark.parametrize(("column", "written"), UNKNOWN)
def test_what_is_no_listed_value_stays_unknown(column: str, written: str) -> None:
    assert ChoiceReader(LISTS[column], column).read(written) is None


@pytest.mark.parametrize(
    ("written", "project", "corrected"),
    [
        ("黔龙阳光·湄江府", "黔龙阳光·湄江府", False),
        ("湄江府", "黔龙阳光·湄江府", False),
        ("湄江府项目", "黔龙阳光·湄江府", False),
        ("黔龙阳光湄江府", "黔龙阳光·湄江府", False),
        ("黔龙 • 湄江府", "黔龙阳光·湄江府", True),
        ("湄潭湄江府二期", "黔龙阳光·湄江府", True),
        ("温泉小镇", "黔龙阳光·习水温泉小镇", True),
        ("凤冈城", "黔龙阳光·凤冈城", False),
    ],
)
def test_projects_by_short_names(written: str, project: str, corrected: bool) -> None:
    found = ChoiceReader(PROJECTS, "意向项目", projects=True).read(written)
    assert found is not None and (found.value, found.corrected) == (project, corrected)


def test_company_aliases_extend_and_override_the_table() -> None:
    aliases = {"公积": "公积金贷款", "按揭": "组合贷款", "乱写": "不是可选值"}
    reader = ChoiceReader(LISTS["付款方式"], "付款方式", aliases)
    assert reader.read("公积").value == "公积金贷款"  # type: ignore[union-attr]
    assert reader.read("按揭").value == "组合贷款"  # type: ignore[union-attr]
    assert reader.read("乱写") is None  # config checks this at load; never a value off the list
    assert reader.read("公积金贷款").corrected is False  # type: ignore[union-attr]


def test_the_table_only_names_listed_values_and_no_word_means_two() -> None:
    for column, values in SYNONYMS.items():
        assert column in LISTS, column
        assert set(values) <= set(LISTS[column]), column
        seen: dict[str, str] = {}
        for value, words in values.items():
            for word in words:
                key = choice_key(word)
                assert key, (column, word)
                assert seen.setdefault(key, value) == value, (column, word)
                listed = {choice_key(c): c for c in LISTS[column]}
                assert listed.get(key, value) == value, (column, word)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Ａ类客户", "a"),
        ("A+", "a+"),
        (" 改善型 ", "改善"),
        ("微信／抖音", "微信抖音"),
        ("男性", "男"),
    ],
)
def test_key_folding(written: str, key: str) -> None:
    assert choice_key(written) == key
