"""Every document of the month and the week, read back and compared with the test's own input."""

from __future__ import annotations

import zipfile

from report_helpers import (
    A_ACTIVITY,
    A_CUSTOMERS,
    A_FOLLOWUPS,
    A_KPIS,
    A_MERCHANT,
    A_PLAN,
    B_CUSTOMERS,
    COMPANY,
    MEIJIANG,
    TRICKY,
    A,
    B,
    all_text,
    archive_expected,
    headers_footers,
    headings,
    open_doc,
    paragraphs,
    rows_of,
    table_with,
    tables,
)

from branchflow.templates.definitions import KPIS
from branchflow.validate.normalize import mask_phone
from conftest import Rendered


def test_every_document_of_the_month_and_week_with_spec_names(rendered: Rendered) -> None:
    s = rendered.settings
    expected = {
        *(f"月度工作总结-{b}.docx" for b in s.branch_names),
        "月度工作总结-汇总.docx",
        *(f"部门资料包-{d.name}.docx" for d in s.departments),
        *(f"项目客户清单-{p.name}.docx" for p in s.projects),
        *(f"例会资料-{b}.docx" for b in s.branch_names),
        "报送考核-2026-11.docx",
    }
    assert {p.name for p in rendered.month} == expected
    assert {p.parent for p in rendered.month} == {s.reports_dir / "2026-11"}
    assert [p.relative_to(s.reports_dir).as_posix() for p in rendered.week] == [
        "2026-W46/营销活动周报-2026-W46.docx"
    ]


def test_monthly_summary_sets_reported_kpis_beside_the_archive(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc(f"月度工作总结-{A}.docx"))
    counted = archive_expected()
    kpis = table_with(doc, "指标")
    assert [r[0] for r in rows_of(kpis)] == list(KPIS)
    for name, (target, actual) in A_KPIS.items():
        row = next(r for r in rows_of(kpis) if r[0] == name)
        assert row[1:4] == [str(target), str(actual), f"{actual / target:.1%}"]
    check = next(t for t in tables(doc) if t[0] == ["指标", "分中心上报", "档案统计", "差异"])
    expected = []
    for name, value in counted.items():
        filed = A_KPIS[name][1]
        gap = filed - value
        diff = "一致" if gap == 0 else f"上报{'多' if gap > 0 else '少'} {abs(gap)}"
        expected.append([name, str(filed), str(value), diff])
    assert rows_of(check) == expected
    text = paragraphs(doc)
    assert (
        f"新增登记客户：分中心上报 5，档案统计 {counted['新增登记客户']}，上报多 1，请核实。"
        in text
    )


def test_monthly_summary_text_plan_and_merchants(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc(f"月度工作总结-{A}.docx"))
    text = paragraphs(doc)
    assert text[text.index("主要工作") + 1] == TRICKY
    assert text[text.index("原因分析") + 1] == "（未填写）"
    plan = table_with(doc, "工作事项")
    assert rows_of(plan) == [
        [p["item"], p["detail"], p["owner"], p["due"].isoformat(), p["involves"]] for p in A_PLAN
    ]
    merchants = table_with(doc, "商家名称")
    assert rows_of(merchants)[0][:4] == [
        A_MERCHANT["name"],
        A_MERCHANT["business"],
        A_MERCHANT["contact"],
        mask_phone(A_MERCHANT["phone"]),  # a personal mobile; a landline would be shown
    ]
    assert "四、下月工作计划（2026年12月）" in headings(doc)


def test_monthly_summary_has_three_charts(rendered: Rendered) -> None:
    with zipfile.ZipFile(rendered.doc(f"月度工作总结-{A}.docx")) as docx:
        images = [n for n in docx.namelist() if n.startswith("word/media/")]
    assert len(images) == 3


def test_summary_puts_branches_side_by_side(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("月度工作总结-汇总.docx"))
    main = table_with(doc, "排名")
    rows = {r[1]: r for r in rows_of(main)}
    counted = archive_expected()
    assert rows[A][2] == "已报送"
    assert rows[A][3] == f"5 / {counted['新增登记客户']}"
    b_new = sum(c["registered_on"].month == 11 for c in B_CUSTOMERS[:1])
    assert rows[B][2:4] == ["未报送", f"— / {b_new}"]
    assert rows[A][0] == "1"  # most new registrations in the archive
    assert rows["合计"][3] == f"5 / {counted['新增登记客户'] + b_new}"
    assert rows["合计"][9:] == ["60", "60.0%"]
    assert f"{B}未报送2026年11月月度工作总结及下月工作计划（应于11月25日前报送）。" in paragraphs(
        doc
    )
    asks = table_with(doc, "分中心")
    assert rows_of(asks) == [[A, "客户资金未到位", "请提供贷款政策说明"]]


def test_packets_hold_exactly_what_the_config_routes(rendered: Rendered) -> None:
    titles = {
        "monthly_summary": "各分中心月度工作总结",
        "monthly_plan": "各分中心下月工作计划",
        "market": "各分中心市场研究报告",
        "weekly": "营销活动新闻",
        "merchants": "招商商家",
        "archive_changes": "客户档案变动",
        "conflicts": "撞单记录",
    }
    for department in rendered.settings.departments:
        doc = open_doc(rendered.doc(f"部门资料包-{department.name}.docx"))
        found = [h.split("、", 1)[1].split("（")[0] for h in headings(doc)]
        assert sorted(found) == sorted(titles[k] for k in department.receives), department


def test_sales_packet_lists_the_conflict_with_a_masked_phone(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("部门资料包-销售管理部.docx"))
    [row] = rows_of(table_with(doc, "发现日期"))
    phone = B_CUSTOMERS[1]["phone"]
    assert row[0] == "2026-11-26"
    assert row[1] == mask_phone(phone) and phone not in all_text(doc)
    assert row[2] == next(c["name"] for c in A_CUSTOMERS if c["phone"] == phone)
    assert row[3].startswith(A) and row[4].startswith(B)
    assert row[5] == "保护期内，归属不变"


def test_market_packet_says_who_did_not_file(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("部门资料包-市场策划部.docx"))
    text = paragraphs(doc)
    assert f"{B}未报送2026年11月市场研究报告（应于11月28日前报送）。" in text
    assert "务工人员规模估计：约 3 万人" in text
    assert rows_of(table_with(doc, "来源县(市、区)")) == [["湄潭县", "永兴镇", "1800", ""]]


def test_customer_service_packet_has_news_and_archive_changes(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("部门资料包-客户服务部.docx"))
    text = paragraphs(doc)
    assert f"11月14日\u3000{A}\u3000{A_ACTIVITY['name']}" in text
    assert A_ACTIVITY["news"] in text
    changes = table_with(doc, "分中心")
    a_row = next(r for r in rows_of(changes) if r[0] == A)
    november = sum(c["registered_on"].month == 11 for c in A_CUSTOMERS)
    visits = sum(f["date"].month == 11 for f in A_FOLLOWUPS)
    assert a_row[1] == str(november) and a_row[4] == str(visits)


def test_merchants_packet(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("部门资料包-招商管理部.docx"))
    [row] = rows_of(table_with(doc, "分中心"))
    assert row[:2] == [A, A_MERCHANT["name"]]
    assert any(p.startswith(f"{B}未报送2026年11月月度工作总结") for p in paragraphs(doc))


def test_project_lead_list(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc(f"项目客户清单-{MEIJIANG}.docx"))
    everyone = A_CUSTOMERS + B_CUSTOMERS[:1]  # B's second row is 东莞's customer (撞单)
    open_leads = [
        c
        for c in everyone
        if c["project"] == MEIJIANG and c["grade"] in "AB" and c["status"] not in ("签约", "放弃")
    ]
    rows = rows_of(table_with(doc, "序号"))
    assert sorted(r[1] for r in rows) == sorted(c["name"] for c in open_leads)
    assert [r[5] for r in rows] == sorted(r[5] for r in rows)  # A before B
    by_name = {r[1]: r for r in rows}
    for c in open_leads:
        assert by_name[c["name"]][2] == mask_phone(c["phone"])
    visit = next(f for f in A_FOLLOWUPS if f["phone"] == "13800138001")
    assert by_name["张一"][8].startswith(f"{visit['date'].isoformat()} {visit['method']}")
    assert by_name["张一"][9] == visit["next_date"].isoformat()
    assert by_name["张二"][9] == "2026-11-20\n已逾期"
    assert by_name["李一"][8] == "尚无跟进记录"


def test_meeting_packet(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc(f"例会资料-{A}.docx"))
    text = paragraphs(doc)
    assert text[0] == f"{A}2026年11月3日例会资料"
    assert "10月签约 86 套" in text
    assert rows_of(table_with(doc, "项目"))[0][:3] == [MEIJIANG, "二期开盘", "2026-11-18"]
    october = rows_of(table_with(doc, "指标"))[0]
    assert october[:4] == ["新增登记客户", "8", "1", "12.5%"]
    # due this month, as things stood on the 3rd: 张五 (next 11-08); 张一/张二 were only
    # followed up after the meeting
    due = rows_of(table_with(doc, "客户"))
    assert [(r[0], r[5]) for r in due] == [("张五", "2026-11-08")]
    plan = rows_of(table_with(doc, "工作事项"))
    assert plan[0][0] == "十一月走访工地"


def test_weekly_news(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("营销活动周报-2026-W46.docx"))
    overview = {r[0]: r for r in rows_of(table_with(doc, "分中心"))}
    assert overview[A][1:] == ["已报送", "1", str(A_ACTIVITY["participants"]), "11"]
    assert overview[B][1] == "未报送"
    assert overview["合计"][2:] == ["1", "80", "11"]
    text = paragraphs(doc)
    assert f"{B}未报送本周营销活动周报（应于11月16日（周一）前报送）。" in text
    assert A_ACTIVITY["news"] in text


def test_headers_and_footers_carry_company_period_and_page_number(rendered: Rendered) -> None:
    for path in (*rendered.month, *rendered.week):
        head, foot = headers_footers(open_doc(path))
        assert head.startswith(COMPANY + "\t"), path.name
        assert "2026年11月" in head or "2026年第46周" in head
        assert foot.startswith("— 1 —") and COMPANY in foot


def test_values_are_escaped_exactly_once(rendered: Rendered) -> None:
    """docxtpl's default would corrupt & < > \" (its issues #105, #634); here they survive."""
    with zipfile.ZipFile(rendered.doc(f"月度工作总结-{A}.docx")) as docx:
        body = docx.read("word/document.xml").decode()
        header = docx.read("word/header1.xml").decode()
    assert "A&amp;B &lt;推介会&gt;" in body and "&amp;amp;" not in body
    assert "&amp;amp;" not in header and "黔龙 &amp; &lt;阳光&gt;" in header
