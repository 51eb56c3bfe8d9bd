from __future__ import annotations

from datetime import date, datetime
from typing import Any

from parsed_workbooks import context, flat, make_parsed

from branchflow.templates.definitions import KPIS
from branchflow.validate import validate
from branchflow.validate.choices import Aliases
from branchflow.validate.issues import Issue
from branchflow.validate.normalize import id_check_char

S = "客户档案"
F = "跟进记录"
GOOD: dict[str, Any] = {
    "name": "张三",
    "phone": "13812345678",
    "county": "湄潭县",
    "township": "永兴镇",
    "grade": "A",
    "registered_on": date(2026, 11, 3),
    "consultant": "罗明",
}
VALID_ID = "52032819900101123" + id_check_char("52032819900101123")
SERIAL = (date(2026, 11, 3) - date(1899, 12, 30)).days
HEADER = {"branch": "东莞分中心", "reporter": "罗明"}
# Customer columns used below: A 客户姓名, B 性别, C 手机号码, D 身份证号, E 户籍县, F 户籍乡镇,
# G 意向项目, H 预算总价(万元), I 客户等级, J 登记日期, K 置业顾问.
WIDE = (
    "name",
    "gender",
    "phone",
    "id_number",
    "county",
    "township",
    "project",
    "budget",
    "grade",
    "registered_on",
    "consultant",
)


def customers(*rows: dict[str, Any], **kw: Any) -> Any:
    kw.setdefault("values", HEADER)
    kw.setdefault("columns", {"customers": WIDE})
    return make_parsed("customers", tables={"customers": [{**GOOD, **r} for r in rows]}, **kw)


def test_a_clean_file_normalises_every_value() -> None:
    parsed = customers(
        {
            "phone": 13812345678.0,
            "gender": "男性",
            "id_number": VALID_ID,
            "county": "湄潭县",
            "township": "\u200b永兴镇 ",
            "project": "湄江府",
            "budget": "65万",
            "grade": "ａ",
            "registered_on": "2026年11月3日",
        },
        {"phone": "+86 139-0000-1111", "registered_on": SERIAL, "id_number": None},
    )
    batch = validate(parsed, context())
    assert flat(batch) == []
    assert batch.accepted and batch.period == "2026-11" and batch.reporter == "罗明"
    first, second = batch.tables["customers"]
    assert first.values == {
        **dict.fromkeys(first.values),
        "name": "张三",
        "gender": "男",
        "phone": "13812345678",
        "id_number": first.values["id_number"],
        "county": "湄潭县",
        "township": "永兴镇",
        "project": "黔龙阳光·湄江府",
        "budget": 65,
        "grade": "A",
        "registered_on": date(2026, 11, 3),
        "consultant": "罗明",
    }
    assert first.cells["phone"] == "C5" and second.cells["consultant"] == "K6"
    assert dict(first.cells) == {key: f"{chr(65 + i)}5" for i, key in enumerate(WIDE)}
    assert first.cells == dict(first.cells)
    assert first.address("phone") == "客户档案!C5" and first.address("remark") == "客户档案!A5"
    assert second.values["phone"] == "13900001111"
    assert second.values["registered_on"] == date(2026, 11, 3)


def test_id_numbers_are_kept_masked_only() -> None:
    batch = validate(customers({"id_number": VALID_ID.lower()}), context())
    assert flat(batch) == []
    assert batch.tables["customers"][0].values["id_number"] == "520328********" + VALID_ID[-4:]
    assert VALID_ID not in repr(batch)


def test_every_kind_of_cell_problem_is_located() -> None:
    parsed = customers(
        {},
        {"phone": "1381234567"},
        {"phone": "138-1234-5678"},
        {"phone": "13800000003", "id_number": 520328199001011000},
        {"phone": "13800000004", "township": "永新镇"},
        {"phone": "13800000005", "registered_on": date(2026, 12, 1)},
        {"phone": "13800000006", "grade": "E"},
        {"phone": "13800000007", "consultant": None},
        {"phone": "138****0008"},
        {"phone": "13800000009", "county": "湄潭"},
        {"phone": "13800000010", "county": "火星县"},
        {"phone": "13800000011", "project": "别的项目", "budget": "650000元"},
        {"phone": "13800000012", "id_number": "5203281990010112"},
    )
    batch = validate(parsed, context())
    assert flat(batch) == [
        (S, "C6", "phone.invalid"),
        (S, "C7", "phone.duplicate_in_file"),
        (S, "D8", "id.stored_as_number"),
        (S, "F9", "township.unknown"),
        (S, "J10", "date.future"),
        (S, "I11", "enum.invalid"),
        (S, "K12", "required.missing"),
        (S, "C13", "phone.masked"),
        (S, "E14", "county.short_name"),
        (S, "E15", "county.unknown"),
        (S, "G16", "project.kept"),
        (S, "H16", "number.converted"),
        (S, "D17", "id.format"),
    ]
    messages = {i.cell: i for i in batch.issues}
    assert messages["C6"].message.startswith("手机号码“1381234567”不是有效的 11 位手机号")
    assert messages["C6"].field == "手机号码"
    assert "第 7 行与第 5 行" in messages["C7"].message
    assert "设为“文本”格式" in messages["D8"].message
    assert "“湄潭县永兴镇”" in messages["F9"].message
    assert messages["C13"].severity == "warning"
    assert batch.tables["customers"][8].values["phone"] == "138****0008"
    assert batch.tables["customers"][9].values["county"] == "湄潭县"
    assert batch.tables["customers"][9].originals["county"].text == "湄潭"
    # An optional field never rejects: an unknown project is kept as written, 650000元 in a
    # 万元 column is 65 (told), and neither is an error.
    assert messages["G16"].severity == messages["H16"].severity == "warning"
    assert batch.tables["customers"][11].values["project"] == "别的项目"
    assert batch.tables["customers"][11].values["budget"] == 65
    assert messages["H16"].message == "“650000元”已按 65 万元登记"
    assert not batch.accepted


def test_duplicate_phone_names_both_rows_each_time() -> None:
    batch = validate(customers({}, {"phone": "13900000000"}, {}, {}), context())
    assert flat(batch) == [
        (S, "C7", "phone.duplicate_in_file"),
        (S, "C8", "phone.duplicate_in_file"),
    ]
    assert all("第 5 行" in i.message for i in batch.issues)


def test_follow_ups() -> None:
    follow_up = {
        "phone": "13700000000",  # not registered in this file: the archive matches it
        "date": "2026-11-20",
        "method": "电话",
        "content": "① 已约到访",
        "next_date": datetime(2027, 1, 5),
        "staff": "罗明",
    }
    parsed = make_parsed(
        "customers",
        values=HEADER,
        tables={
            "customers": [GOOD],
            "followups": [follow_up, {**follow_up, "date": date(2026, 11, 27), "method": "飞鸽"}],
        },
    )
    batch = validate(parsed, context())
    # Follow-up columns: A 手机号码, B 跟进日期, C 跟进方式, D 跟进内容, E 下次跟进日期, F 跟进人.
    # 跟进方式 is required and lists 其他: "飞鸽" is stored as 其他, its text kept beside it.
    assert flat(batch) == [(F, "B6", "date.future"), (F, "C6", "enum.other")]
    other = batch.tables["followups"][1]
    assert other.values["method"] == "其他" and other.originals["method"].text == "飞鸽"
    record = batch.tables["followups"][0]
    assert record.values["content"] == "① 已约到访"
    assert record.values["next_date"] == date(2027, 1, 5)


def test_parse_issues_come_first_and_rows_still_validate() -> None:
    hidden = Issue("row.hidden", "第 5 行是隐藏行", sheet=S, cell="A5", severity="warning")
    parsed = customers({"phone": "123"}, issues=(hidden,))
    assert flat(validate(parsed, context())) == [
        (S, "A5", "row.hidden"),
        (S, "C5", "phone.invalid"),
    ]


def test_header_block() -> None:
    values = {"branch": "宁波分中心", "reporter": None, "period": "2026年第48周"}
    batch = validate(customers({}, values=values), context())
    assert flat(batch) == [
        (S, "B1", "branch.mismatch"),
        (S, "B2", "reporter.blank"),  # every row names its 置业顾问: a warning
        (S, "B3", "period.kept"),  # optional in a 客户档案: this month, with a warning
    ]
    assert batch.period == "2026-11" and batch.issues[-1].severity == "warning"
    assert batch.branch == "东莞分中心" and batch.values["branch"] == "东莞分中心"


def test_branch_written_short_is_the_same_branch() -> None:
    batch = validate(customers({}, values={**HEADER, "branch": "东莞"}), context())
    assert flat(batch) == []


def test_a_label_parse_did_not_find_is_not_reported_twice() -> None:
    missing = Issue("label.missing", "没有找到“填报人”", sheet=S, field="填报人")
    parsed = customers({}, values={"branch": "东莞分中心"}, absent=("reporter",), issues=[missing])
    assert flat(validate(parsed, context())) == [(S, "", "label.missing")]
    parsed = customers({}, values={"branch": "东莞分中心"}, absent=("reporter",))
    assert flat(validate(parsed, context())) == [(S, "", "reporter.blank")]


def weekly(period: Any, *activities: dict[str, Any]) -> Any:
    row = {"date": date(2026, 11, 24), "name": "推介会", "place": "长安镇", "news": "新闻稿"}
    return make_parsed(
        "weekly",
        values={**HEADER, "period": period},
        tables={"activities": [{**row, **a} for a in activities]},
    )


def test_weekly_period_and_activity_dates() -> None:
    batch = validate(weekly("2026-W48", {}, {"date": "2026-11-01"}), context())
    W = "营销活动周报"
    assert flat(batch) == [(W, "A6", "date.outside_period")]
    assert batch.period == "2026-W48"
    assert flat(validate(weekly("2026-11", {}), context())) == [(W, "B3", "period.wrong_kind")]
    assert flat(validate(weekly("2026-W60", {}), context())) == [(W, "B3", "period.invalid")]
    assert flat(validate(weekly(None, {}), context())) == [(W, "B3", "required.missing")]
    assert flat(validate(weekly("2027-W02", {}), context()))[0] == (W, "B3", "period.future")


def test_monthly_kpis() -> None:
    kpis = [
        {"kpi": "新增登记客户", "target": 50, "actual": "46"},
        {"kpi": "签约金额（万元）", "target": "120万", "actual": 98.5},
        {"kpi": "新增客户", "target": 1},
        {"kpi": "新增登记客户", "actual": 3},
        {"kpi": "跟进人次", "actual": "3万"},
        {"kpi": "认筹"},
    ]
    parsed = make_parsed(
        "monthly",
        values={**HEADER, "period": datetime(2026, 11, 1), "main_work": "① 推介会两场"},
        tables={"kpis": kpis, "plan": [{"item": "推介会", "owner": "罗明", "due": "2026-12-20"}]},
    )
    batch = validate(parsed, context())
    M = "本月总结"
    assert flat(batch) == [
        (M, "A7", "enum.invalid"),
        (M, "A8", "kpi.duplicate"),
        (M, "C9", "number.unit_kept"),  # a warning: 本月完成 is optional
    ]
    records = batch.tables["kpis"]
    assert records[1].values == {
        "kpi": "签约金额(万元)",
        "target": 120,
        "actual": 98.5,
        "note": None,
    }
    assert batch.values["main_work"] == "① 推介会两场"
    assert batch.period == "2026-11"
    assert batch.tables["plan"][0].values["due"] == date(2026, 12, 20)
    assert set(KPIS) >= {r.values["kpi"] for r in records if r.values["kpi"]}


def test_monthly_requires_its_text_and_period() -> None:
    parsed = make_parsed("monthly", values={**HEADER, "period": "2026-13"})
    M = "本月总结"
    assert flat(validate(parsed, context())) == [
        (M, "B3", "period.invalid"),
        (M, "B4", "required.missing"),
    ]


def test_hq_briefing_from_the_hq_folder() -> None:
    values = {"branch": "总部", "reporter": "王芳", "period": "2026-12", "sales_brief": "x"}
    parsed = make_parsed(
        "hq_briefing",
        values={**values, "key_work": "y"},
        tables={"nodes": [{"project": "黔龙阳光·凤冈城", "node": "开盘", "date": "2027-01-18"}]},
    )
    batch = validate(parsed, context(branch="总部", hq_folder=True, today=date(2026, 12, 1)))
    assert flat(batch) == []
    assert batch.tables["nodes"][0].values["date"] == date(2027, 1, 18)


def test_scope_counties() -> None:
    parsed = customers({}, {"phone": "13900000000", "county": "凤冈县", "township": "龙泉街道"})
    batch = validate(parsed, context(scope_counties=("湄潭",)))
    assert flat(batch) == [(S, "E6", "county.out_of_scope")]


def test_market_sources_need_only_a_county() -> None:
    parsed = make_parsed(
        "market",
        values={**HEADER, "period": "2026-11", "worker_scale": "约 3 万人", "intent_ratio": "30%"},
        tables={"sources": [{"county": "湄潭县"}, {"county": "余庆", "township": "白泥"}]},
    )
    batch = validate(parsed, context())
    codes = [(i.cell, i.code) for i in batch.issues if i.sheet == "市场概况"]
    assert codes == [("A6", "county.short_name"), ("B6", "township.short_name")]
    assert batch.tables["sources"][1].values["township"] == "白泥镇"


def test_unknown_kind() -> None:
    parsed = make_parsed("customers")
    unknown = type(parsed)("unknown", None, {}, {}, (), ())
    batch = validate(unknown, context())
    assert flat(batch) == [("", "", "template.unknown")]
    assert batch.tables == {}


# ── tolerance: staff wording is read, an optional field never rejects ────────────────────────

TOLERANT = (*WIDE, "gender", "monthly_income", "family_size", "area", "payment", "purpose",
            "channel", "status")  # fmt: skip


def by_place(batch: Any) -> dict[tuple[str, int], Issue]:
    """Issues by (column title, sheet row)."""
    return {(i.field, int(i.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))): i for i in batch.issues}


def test_staff_wording_is_read_and_the_original_kept() -> None:
    parsed = customers(
        {"gender": "先生", "payment": "公积金", "monthly_income": "8千-1.2万", "grade": "A+",
         "purpose": "自住首次", "family_size": "三口", "area": "90~110平", "budget": "50万",
         "channel": "朋友圈", "status": "已到访"},
        {"phone": "13900000001", "payment": "公积金", "monthly_income": "3000-5000",
         "family_size": 3.0, "budget": "约45万"},
        columns={"customers": TOLERANT},
    )  # fmt: skip
    batch = validate(parsed, context())
    assert batch.accepted
    first, second = batch.tables["customers"]
    assert {k: first.values[k] for k in ("gender", "payment", "grade", "purpose", "channel")} == {
        "gender": "男", "payment": "公积金贷款", "grade": "A", "purpose": "自住",
        "channel": "微信/抖音",
    }  # fmt: skip
    assert first.values["status"] == "到访" and first.values["family_size"] == 3
    assert first.values["monthly_income"] == 10000 and first.values["area"] == 100
    assert first.values["budget"] == 50 and "budget" not in first.originals  # its own unit
    assert first.originals["payment"].text == "公积金"
    assert (first.originals["monthly_income"].low, first.originals["monthly_income"].high) == (
        8000, 12000,
    )  # fmt: skip
    assert type(second.values["family_size"]) is int and "family_size" not in second.originals
    assert second.originals["monthly_income"].text == "3000-5000"  # the dropdown: not told
    found = by_place(batch)
    assert found[("付款方式", 5)].message == "“公积金”已按“公积金贷款”登记"
    assert found[("付款方式", 5)].code == found[("付款方式", 6)].code == "enum.synonym"
    assert found[("月收入", 5)].message == (
        "“8千-1.2万”已按区间 8000–12000 元/月登记（统计取中间值 10000）"
    )
    assert ("月收入", 6) not in found  # 3000-5000 is one of the dropdown's buckets
    assert found[("客户等级", 5)].code == "enum.synonym"
    assert found[("预算总价(万元)", 6)].code == "number.range"
    assert all(not i.is_error for i in batch.issues)


def test_optional_never_rejects_required_with_other_becomes_other_else_error() -> None:
    parsed = customers(
        {"purpose": "投靠子女", "monthly_income": "面议", "family_size": "3-4人",
         "payment": "看首付", "grade": "E"},
        columns={"customers": TOLERANT},
    )  # fmt: skip
    batch = validate(parsed, context())
    assert {(i.field, i.code, i.severity) for i in batch.issues} == {
        ("客户等级", "enum.invalid", "error"),  # required, lists no 其他: the one error
        ("月收入", "number.kept", "warning"),
        ("家庭人数", "number.kept", "warning"),
        ("付款方式", "enum.kept", "warning"),
        ("置业目的", "enum.kept", "warning"),
    }
    record = batch.tables["customers"][0]
    assert record.values["purpose"] == "投靠子女" and record.values["payment"] == "看首付"
    assert record.values["monthly_income"] is None
    assert record.originals["monthly_income"].text == "面议"
    assert record.values["family_size"] is None and record.originals["family_size"].text == "3-4人"
    found = by_place(batch)
    assert found[("置业目的", 5)].message.startswith(
        "“投靠子女”不是置业目的的可选值，已按原文保存，统计时计入“其他”"
    )
    assert found[("客户等级", 5)].message.startswith("“E”不是“客户等级”的可选值")
    assert found[("家庭人数", 5)].message == (
        "“3-4人”是一个范围，本列只填一个整数，已按原文保存（不计入统计）：请只填一个整数，如 3"
    )
    assert found[("月收入", 5)].message.startswith(
        "“面议”读不出来，已按原文保存（不计入统计）：可填"
    )


def test_company_aliases_come_through_the_context() -> None:
    aliases = Aliases((("付款方式", "公积", "公积金贷款"), ("意向项目", "湄江", "黔龙阳光·湄江府")))
    parsed = customers({"payment": "公积", "project": "湄江"}, columns={"customers": TOLERANT})
    batch = validate(parsed, context(aliases=aliases))
    record = batch.tables["customers"][0]
    assert record.values["payment"] == "公积金贷款"
    assert record.values["project"] == "黔龙阳光·湄江府"
    assert [i.code for i in batch.issues] == ["enum.synonym", "enum.synonym"]
    assert validate(parsed, context()).tables["customers"][0].values["payment"] == "公积"


def test_strict_stays_strict_at_the_right_cell() -> None:
    wrong_check = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
    parsed = customers(
        {"payment": "公积金"},
        {"phone": "1381234567", "payment": "按揭"},
        {"phone": "13800000003", "township": "不存在镇"},
        {"phone": "13800000004", "registered_on": "2027年1月3日"},
        {"phone": "13800000005", "id_number": wrong_check},
        {"phone": "13800000005"},
        {"phone": "13800000007", "consultant": None},
    )
    batch = validate(parsed, context())
    assert [(c, code) for _, c, code in flat(batch) if not code.startswith("enum.")] == [
        ("C6", "phone.invalid"),
        ("F7", "township.unknown"),
        ("J8", "date.future"),
        ("D9", "id.checksum"),
        ("C10", "phone.duplicate_in_file"),
        ("K11", "required.missing"),
    ]
    assert not batch.accepted


def test_a_customer_list_with_a_blank_reporter_is_taken_with_a_warning() -> None:
    batch = validate(customers({}, values={"branch": "东莞分中心", "reporter": None}), context())
    assert batch.accepted
    assert [(i.field, i.code, i.severity) for i in batch.issues] == [
        ("填报人", "reporter.blank", "warning")
    ]
