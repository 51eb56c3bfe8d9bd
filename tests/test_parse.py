import datetime as dt

from branchflow.parse import read_workbook
from builders import CUSTOMER_HEADER, customers_workbook, make_workbook

ROW = ("张三", "13812345678", "湄潭县", "永兴镇", "A", "2026-11-03", "罗明")


def values(table, key):
    return [r.cells[key].value if key in r.cells else None for r in table.rows]


def test_kind_from_structure_and_header_block() -> None:
    parsed = read_workbook(customers_workbook([ROW]))
    assert parsed.kind == "customers" and parsed.version is None
    assert parsed.values["branch"].value == "东莞分中心"
    assert parsed.values["branch"].address == "B2"
    assert parsed.values["reporter"].value == "罗明"
    assert parsed.values["period"] is None


def test_every_value_keeps_its_address() -> None:
    table = read_workbook(customers_workbook([ROW, ROW])).tables["customers"]
    assert table.header_row == 4
    assert [r.row for r in table.rows] == [5, 6]
    assert table.rows[1].cells["phone"].address == "B6"
    assert table.rows[1].cells["phone"].sheet == "客户档案"


def test_columns_in_any_order_with_stars_aliases_and_extra_columns() -> None:
    header = (
        "我的编号",
        "手机号",
        "客户姓名",
        "户籍县(市、区)",
        "户籍乡镇",
        "客户等级",
        "登记日期",
        "置业顾问",
    )
    row = ("7", "13812345678", "张三", "湄潭县", "永兴镇", "A", "2026-11-03", "罗明")
    table = read_workbook(customers_workbook([row], header=header)).tables["customers"]
    assert table.extra == ("我的编号",)
    assert table.missing == ()
    assert table.columns["phone"] == 2 and table.columns["name"] == 3
    assert values(table, "phone") == ["13812345678"]


def test_fullwidth_and_spaced_titles_match() -> None:
    header = (
        "客户 姓名＊",
        "手机号码",
        "户籍县（市、区）",
        "户籍乡镇：",
        "客户等级",
        "登记日期",
        "置业顾问",
    )
    table = read_workbook(customers_workbook([ROW], header=header)).tables["customers"]
    assert set(table.columns) == {
        "name",
        "phone",
        "county",
        "township",
        "grade",
        "registered_on",
        "consultant",
    }


def test_missing_required_column_is_reported() -> None:
    header = CUSTOMER_HEADER[:1] + CUSTOMER_HEADER[2:]
    parsed = read_workbook(customers_workbook([ROW[:1] + ROW[2:]], header=header))
    assert parsed.tables["customers"].missing == ("phone",)
    assert [(i.code, i.cell, i.field) for i in parsed.issues] == [
        ("column.missing", "A4", "手机号码")
    ]


def test_data_ends_at_last_key_row_despite_blank_and_formatted_rows() -> None:
    rows = [ROW, (), (None, None, None, "永兴镇"), ROW]  # a blank row and a stray value in between
    parsed = read_workbook(
        customers_workbook([*rows, *[()] * 50, (None, None, None, None, None, None, " ")])
    )
    table = parsed.tables["customers"]
    assert [r.row for r in table.rows] == [5, 7, 8]


def test_vertical_merge_gives_its_value_to_every_row_with_a_warning() -> None:
    rows = [ROW, ("李四", "13812345679", "湄潭县", None, "B", "2026-11-03", "罗明"), ROW]
    parsed = read_workbook(customers_workbook(rows, merges={"客户档案": ["D5:D7"]}))
    table = parsed.tables["customers"]
    assert values(table, "township") == ["永兴镇"] * 3
    assert table.rows[1].merged == frozenset({"township"})
    assert [(i.code, i.cell, i.severity) for i in parsed.issues] == [
        ("cell.merged", "D5", "warning")
    ]


def test_hidden_rows_are_read_with_a_warning() -> None:
    parsed = read_workbook(customers_workbook([ROW, ROW, ROW], hidden_rows={"客户档案": [6]}))
    table = parsed.tables["customers"]
    assert [r.hidden for r in table.rows] == [False, True, False]
    assert [(i.code, i.cell) for i in parsed.issues] == [("row.hidden", "A6")]


def test_raw_values_are_kept_for_validation() -> None:
    row = ("张三", 13812345678.0, "湄潭县", "永兴镇", "A", dt.datetime(2026, 11, 3), "罗明")
    table = read_workbook(customers_workbook([row])).tables["customers"]
    assert values(table, "phone") == [13812345678.0]
    assert values(table, "registered_on") == [dt.date(2026, 11, 3)]


def test_renamed_sheet_still_found_by_its_header() -> None:
    data = make_workbook({"Sheet1": [("分中心", "东莞分中心"), (), CUSTOMER_HEADER, ROW]})
    parsed = read_workbook(data)
    assert parsed.kind == "customers"
    assert len(parsed.tables["customers"].rows) == 1


def test_unknown_workbook() -> None:
    parsed = read_workbook(make_workbook({"Sheet1": [("随便", "写点"), (1, 2)]}))
    assert parsed.kind == "unknown"
    assert [i.code for i in parsed.issues] == ["kind.unknown"]


def test_monthly_kpi_table_stops_at_the_text_labels() -> None:
    sheet = [
        ("分中心：", "东莞分中心"),
        ("报告期：", "2026-11"),
        ("指标", "本月目标", "本月完成", "说明"),
        ("新增登记客户", 30, 28, ""),
        ("跟进人次", 100, 120, ""),
        (),
        ("主要工作：", "推介会两场"),
        ("存在问题：", "无"),
    ]
    plan = [
        ("下月目标",),
        ("指标", "下月目标"),
        ("新增登记客户", 35),
        (),
        ("下月工作计划",),
        ("工作事项*", "具体内容", "责任人*", "完成时间*"),
        ("推介会", "工业园", "罗明", "2026-12-10"),
    ]
    parsed = read_workbook(make_workbook({"本月总结": sheet, "下月计划": plan}))
    assert parsed.kind == "monthly"
    assert values(parsed.tables["kpis"], "kpi") == ["新增登记客户", "跟进人次"]
    assert parsed.values["main_work"].value == "推介会两场"
    assert values(parsed.tables["targets"], "kpi") == ["新增登记客户"]
    assert values(parsed.tables["plan"], "item") == ["推介会"]


def test_a_list_made_from_scratch_without_the_header_block_only_gets_warnings() -> None:
    parsed = read_workbook(make_workbook({"Sheet1": [("11月登记",), CUSTOMER_HEADER, ROW]}))
    assert [(i.code, i.field, i.severity) for i in parsed.issues] == [
        ("label.missing", "分中心", "warning"),
        ("label.missing", "填报人", "warning"),
    ]


def test_a_monthly_report_without_its_reporter_is_an_error() -> None:
    sheet = [
        ("分中心：", "东莞分中心"),
        ("报告期：", "2026-11"),
        ("指标", "本月目标", "本月完成", "说明"),
        ("新增登记客户", 1, 1, ""),
    ]
    plan = [("工作事项*", "具体内容", "责任人*", "完成时间*"), ("推介会", "", "罗明", "2026-12-10")]
    parsed = read_workbook(make_workbook({"本月总结": sheet, "下月计划": plan}))
    missing = {(i.field, i.severity) for i in parsed.issues if i.code == "label.missing"}
    assert ("填报人", "error") in missing
