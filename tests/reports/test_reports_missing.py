"""Nothing filed: every document still renders and says plainly what is missing."""

from __future__ import annotations

from report_helpers import A, B, Rendered, all_text, open_doc, paragraphs, rows_of, table_with

MONTHLY_MISSING = "{b}未报送2026年11月月度工作总结及下月工作计划（应于11月25日前报送）。"


def test_every_document_renders_with_nothing_filed(empty: Rendered) -> None:
    assert len(empty.month) == 5 + 1 + 4 + 6 + 5 + 1
    for path in (*empty.month, *empty.week):
        assert len(paragraphs(open_doc(path))) > 3, path.name


def test_branch_summary_without_a_report(empty: Rendered) -> None:
    doc = open_doc(empty.doc(f"月度工作总结-{A}.docx"))
    text = paragraphs(doc)
    assert MONTHLY_MISSING.format(b=A) in text
    assert "本月未报送月度工作总结，无法核对上报数；上表为档案统计数。" in text
    check = rows_of(table_with(doc, "指标"))
    assert check[0] == ["新增登记客户", "—", "0", "未报"]
    assert "2026年11月无新登记客户，无乡镇分布。" in text


def test_summary_names_every_branch_not_filed(empty: Rendered) -> None:
    text = paragraphs(open_doc(empty.doc("月度工作总结-汇总.docx")))
    for branch in empty.settings.branch_names:
        assert text.count(MONTHLY_MISSING.format(b=branch)) == 1
    doc = open_doc(empty.doc("月度工作总结-汇总.docx"))
    assert all(r[0] == "—" and r[-1] == "未报送" for r in rows_of(table_with(doc, "排名")))
    assert "本月尚无分中心报送月度工作总结。" in text


def test_packets_say_once_per_branch_what_it_did_not_file(empty: Rendered) -> None:
    market = paragraphs(open_doc(empty.doc("部门资料包-市场策划部.docx")))
    assert (
        "东莞分中心未报送2026年11月月度工作总结及下月工作计划（应于11月25日前报送）、"
        "2026年11月市场研究报告（应于11月28日前报送）。"
    ) in market
    service = paragraphs(open_doc(empty.doc("部门资料包-客户服务部.docx")))
    for branch in empty.settings.branch_names:
        [owed] = [p for p in service if p.startswith(f"{branch}未报送")]
        weeks = [part.split("（")[0] for part in owed.split("、")[1:]]
        assert weeks == [  # the weeks whose Thursday falls in November
            "第45周", "第46周", "第47周", "第48周",
        ], owed  # fmt: skip
    assert "本月各分中心未报送营销活动。" in service
    merchants = paragraphs(open_doc(empty.doc("部门资料包-招商管理部.docx")))
    assert "本月各分中心未报送招商商家。" in merchants
    sales = paragraphs(open_doc(empty.doc("部门资料包-销售管理部.docx")))
    assert "本月未发现撞单。" in sales
    assert sum(p.startswith(f"{A}未报送") for p in sales) == 1


def test_lead_list_without_leads(empty: Rendered) -> None:
    project = empty.settings.projects[0].name
    text = paragraphs(open_doc(empty.doc(f"项目客户清单-{project}.docx")))
    assert "截至2026年11月30日，没有意向本项目的 A/B 类客户。" in text


def test_meeting_without_briefing_or_reports(empty: Rendered) -> None:
    text = paragraphs(open_doc(empty.doc(f"例会资料-{B}.docx")))
    assert "总部（销售管理部）未报送2026年11月总部月度简报（应于11月2日前报送）。" in text
    assert f"{B}未报送2026年10月月度工作总结及下月工作计划（应于10月25日前报送）。" in text
    assert "截至2026年11月3日，下次跟进日期在本月的客户共 0 人。" in text


def test_weekly_without_reports(empty: Rendered) -> None:
    doc = open_doc(empty.doc("营销活动周报-2026-W46.docx"))
    for branch in empty.settings.branch_names:
        assert f"{branch}未报送本周营销活动周报（应于11月16日（周一）前报送）。" in all_text(doc)


def test_submissions_with_nothing_filed(empty: Rendered) -> None:
    doc = open_doc(empty.doc("报送考核-2026-11.docx"))
    rows = {r[0]: r for r in rows_of(table_with(doc, "分中心"))}
    assert rows[A][1] == "未交" and rows[A][4] == "0/7" and rows[A][5] == "0.0%"
