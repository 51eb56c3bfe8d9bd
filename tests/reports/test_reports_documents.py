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
    Rendered,
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
    # beside each project's list, every lead in a workbook to filter
    assert {p.name for p in rendered.books} == {f"项目客户清单-{p.name}.xlsx" for p in s.projects}
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


KPI_HEADER = ["分中心", "目标", "完成", "完成率", "上月", "环比"]


def test_summary_opens_with_highlights_and_ranks_by_completion(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("月度工作总结-汇总.docx"))
    text = paragraphs(doc)
    highlights = next(p for p in text if p.startswith("本月要点："))
    assert highlights.startswith("本月要点：本月应报 5 个分中心，已报送 1 个")
    assert f"按综合完成率，{A}第一" in highlights
    rates = [
        a / t
        for k, (t, a) in A_KPIS.items()
        if k in ("新增登记客户", "有效客户(A+B)", "签约金额(万元)")
    ]
    overall = f"{sum(rates) / len(rates):.1%}"
    ranking = rows_of(table_with(doc, "排名"))
    assert ranking[0][:2] == ["1", A] and ranking[0][-1] == overall
    assert all(r[0] == "—" and r[-1] == "未报送" for r in ranking[1:])  # not filed: unranked
    assert f"{B}未报送2026年11月月度工作总结及下月工作计划（应于11月25日前报送）。" in text


def test_summary_gives_target_result_rate_and_last_month_per_main_kpi(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("月度工作总结-汇总.docx"))
    per_kpi = [t for t in tables(doc) if t[0] == KPI_HEADER]
    titles = [h.split("）", 1)[1] for h in headings(doc, 2)]
    assert titles == ["新增登记客户", "有效客户(A+B)", "邀约返乡到访", "签约套数", "签约金额(万元)"]
    assert len(per_kpi) == len(titles)
    new = {r[0]: r for r in rows_of(per_kpi[0])}
    target, actual = A_KPIS["新增登记客户"]
    assert new[A] == [A, str(target), str(actual), f"{actual / target:.1%}", "1", "+400.0%"]
    assert new[B][1:3] == ["—", "未报送"]
    assert new["合计"][1:4] == [str(target), str(actual), f"{actual / target:.1%}"]
    amount = {r[0]: r for r in rows_of(per_kpi[-1])}
    assert amount[A][1:5] == ["100", "60", "60.0%", "—"]  # no October figure: no 环比


def test_summary_checks_reports_against_the_archive(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("月度工作总结-汇总.docx"))
    check = next(t for t in tables(doc) if t[0][1].startswith("新增登记客户"))
    rows = {r[0]: r for r in rows_of(check)}
    counted = archive_expected()
    b_new = sum(c["registered_on"].month == 11 for c in B_CUSTOMERS[:1])
    assert rows[A][1] == f"5 / {counted['新增登记客户']}"
    assert rows[B][1] == f"— / {b_new}"
    assert rows["合计"][1] == f"5 / {counted['新增登记客户'] + b_new}"
    highlights = next(p for p in paragraphs(doc) if p.startswith("本月要点："))
    assert "上报数与档案统计相差最大的是" in highlights
    asks = next(t for t in tables(doc) if t[0] == ["分中心", "存在问题", "需公司支持"])
    assert rows_of(asks) == [[A, "客户资金未到位", "请提供贷款政策说明"]]


def test_ranking_ties_share_a_rank() -> None:
    from branchflow.archive.reportdata import ReportData
    from branchflow.reports.summary import BranchMonth, ranking

    def month(branch: str, done: int) -> BranchMonth:
        kpis = [{"kpi": "签约套数", "target": 10.0, "actual": float(done)}]
        report = ReportData("monthly", branch, "2026-11", 1, {}, {"kpis": kpis})
        return BranchMonth(branch, report, None, {})

    found = ranking(
        [month("甲", 8), month("乙", 10), month("丙", 10), BranchMonth("丁", None, None, {})]
    )
    assert [(b.branch, found["ranks"][b.branch]) for b in found["order"]] == [
        ("丙", "1"), ("乙", "1"), ("甲", "3"), ("丁", "—"),
    ]  # fmt: skip


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
        assert found[0] == "各分中心对比"  # the comparison page comes first
        assert sorted(found[1:]) == sorted(titles[k] for k in department.receives), department
        compared = [h.split("：")[0] for h in headings(doc, 2) if "：" in h]
        assert len(compared) == len(department.receives)


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
    owed = [p for p in text if p.startswith(f"{B}未报送")]
    assert owed == [  # once, naming everything 宁波 owes this department
        f"{B}未报送2026年11月月度工作总结及下月工作计划（应于11月25日前报送）、"
        "2026年11月市场研究报告（应于11月28日前报送）。"
    ]
    assert "务工人员规模估计：约 3 万人" in text
    compare = {r[0]: r for r in rows_of(table_with(doc, "分中心")) if r[1] in ("已报送", "未报送")}
    assert compare[A][1] == "已报送" and compare[B][1] == "未报送"
    sources = table_with(doc, "来源县(市、区)")
    assert sources == [["来源县(市、区)", "来源乡镇", "人数估计"], ["湄潭县", "永兴镇", "1800"]]
    # (its 说明 column, left empty by the branch, is dropped)


def test_customer_service_packet_has_news_and_archive_changes(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("部门资料包-客户服务部.docx"))
    text = paragraphs(doc)
    assert f"11月14日\u3000{A}\u3000{A_ACTIVITY['name']}" in text
    assert A_ACTIVITY["news"] in text
    changes = next(t for t in tables(doc) if t[0][1].startswith("本月新登记"))
    a_row = next(r for r in rows_of(changes) if r[0] == A)
    november = sum(c["registered_on"].month == 11 for c in A_CUSTOMERS)
    visits = sum(f["date"].month == 11 for f in A_FOLLOWUPS)
    assert a_row[1] == str(november) and a_row[4] == str(visits)


def test_merchants_packet(rendered: Rendered) -> None:
    doc = open_doc(rendered.doc("部门资料包-招商管理部.docx"))
    [row] = rows_of(next(t for t in tables(doc) if t[0][:2] == ["分中心", "商家名称"]))
    assert row[:2] == [A, A_MERCHANT["name"]]
    compare = next(t for t in tables(doc) if t[0] == ["分中心", "月报", "商家数", "业态"])
    assert rows_of(compare)[:2] == [[A, "已报送", "1", "餐饮 1"], [B, "未报送", "—", "—"]]
    owed = [p for p in paragraphs(doc) if p.startswith(f"{B}未报送")]
    assert owed == [f"{B}未报送2026年11月月度工作总结及下月工作计划（应于11月25日前报送）。"]


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
    # who to call this week: the overdue follow-up (张二, B) first, then A before B
    assert [r[1] for r in rows] == ["张二", "张一", "李一"]
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
