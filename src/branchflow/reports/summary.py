"""月度工作总结-汇总.docx: every branch side by side for the 营销中心 leadership — who is ahead and
who is behind on the month's targets, against last month, what the archive says, and what the
branches ask of HQ. It opens with 本月要点, a paragraph written from the figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from branchflow.archive.reportdata import ReportData
from branchflow.config import Settings
from branchflow.reports import blocks, summary_text
from branchflow.reports.charts import NO_FONT, branch_chart, cjk_font
from branchflow.reports.engine import alert
from branchflow.reports.figures import AB, BASIS, FOLLOWUPS, NEW, TOWNSHIPS, ArchiveFigures
from branchflow.reports.periods import numeral
from branchflow.reports.snapshot import MonthSnapshot
from branchflow.reports.word_style import Col, TemplateBuilder

TEMPLATE = FILE = "月度工作总结-汇总.docx"
# The targets the ranking weighs, each with its key in the templates.
MAIN_KPIS = (
    ("new", NEW),
    ("ab", AB),
    ("visits_home", "邀约返乡到访"),
    ("units", "签约套数"),
    ("amount", "签约金额(万元)"),
)
PAIRED = (("new", NEW), ("ab", AB), ("towns", TOWNSHIPS), ("visits", FOLLOWUPS))
RANK_NOTE = (
    "综合完成率为上表五项指标完成率的平均值（未定目标的指标不计）；完成率低于 100% 的以红色标出；"
    "综合完成率相同的名次并列。"
)


@dataclass(frozen=True)
class BranchMonth:
    """One branch's month: its report, last month's, and the archive's own four figures."""

    branch: str
    report: ReportData | None
    previous: ReportData | None
    archive: dict[str, int]

    def value(self, kpi: str, column: str = "actual") -> float | None:
        return blocks.reported(self.report, kpi, column)

    def rate(self, kpi: str) -> float | None:
        return blocks.ratio(self.value(kpi), self.value(kpi, "target"))

    @property
    def overall(self) -> float | None:
        rates = [r for _, kpi in MAIN_KPIS if (r := self.rate(kpi)) is not None]
        return sum(rates) / len(rates) if rates else None


def context(settings: Settings, snapshot: MonthSnapshot, figures: ArchiveFigures) -> dict[str, Any]:
    month = snapshot.month
    branches = [
        BranchMonth(
            b,
            snapshot.monthly_of(b, month),
            snapshot.monthly_of(b, month.shift(-1)),
            figures.kpis(b, month),
        )
        for b in settings.branch_names
    ]
    ranked = ranking(branches)
    missing = [b.branch for b in branches if b.report is None]
    checks = [_check_row(b, ranked) for b in ranked["order"]]
    return {
        **blocks.frame(settings, "月度工作总结汇总", month.label, snapshot.now),
        "highlights": summary_text.highlights(branches, ranked, MAIN_KPIS, PAIRED),
        "branch_count": str(len(branches)),
        "filed_count": str(len(branches) - len(missing)),
        "missing": [blocks.missing_report(settings, b, "monthly", month) for b in missing],
        "ranking": [_rank_row(b, ranked) for b in ranked["order"]],
        "rank_note": RANK_NOTE,
        "kpi_tables": [_kpi_table(n, key, kpi, branches) for n, (key, kpi) in enumerate(MAIN_KPIS)],
        "last_label": month.shift(-1).label,
        "rows": checks,
        "total": _check_total(branches),
        "signing": _signing_rank(branches),
        "asks": [_asks(b.report) for b in branches if b.report is not None],
        "basis": BASIS,
        "chart_branches": _chart(ranked) if cjk_font() else NO_FONT,
    }


def ranking(branches: list[BranchMonth]) -> dict[str, Any]:
    """Branches in order of their overall completion, with their ranks (ties share one; a
    branch that filed nothing comes last, unranked)."""
    order = sorted(branches, key=lambda b: (b.overall is None, -(b.overall or 0.0), b.branch))
    ranks: dict[str, str] = {}
    previous, rank = None, 0
    for position, b in enumerate(order, start=1):
        shown = blocks.percent(b.overall)
        if b.overall is None:
            ranks[b.branch] = blocks.DASH
            continue
        if shown != previous:
            rank, previous = position, shown
        ranks[b.branch] = str(rank)
    return {"order": order, "ranks": ranks}


def _rank_row(b: BranchMonth, ranked: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"rank": ranked["ranks"][b.branch], "branch": b.branch}
    for key, kpi in MAIN_KPIS:
        row[key] = blocks.rate_mark(b.value(kpi), b.value(kpi, "target"))
    overall = b.overall
    row["overall"] = (
        alert(blocks.percent(overall), overall < 1) if overall is not None else alert("未报送")
    )
    return row


def _kpi_table(number: int, key: str, kpi: str, branches: list[BranchMonth]) -> dict[str, Any]:
    """One main KPI: target, result, completion, last month and the change, best first."""
    order = sorted(branches, key=lambda b: (b.rate(kpi) is None, -(b.rate(kpi) or 0.0), b.branch))
    rows = [
        {
            "branch": b.branch,
            "target": blocks.num(b.value(kpi, "target")),
            "actual": blocks.num(b.value(kpi)) if b.report else "未报送",
            "rate": blocks.rate_mark(b.value(kpi), b.value(kpi, "target")),
            "last": blocks.num(blocks.reported(b.previous, kpi)),
            "change": blocks.change(b.value(kpi), blocks.reported(b.previous, kpi)),
        }
        for b in order
    ]
    filed = [b for b in branches if b.value(kpi) is not None]
    target = _sum(b.value(kpi, "target") for b in filed)
    actual = _sum(b.value(kpi) for b in filed)
    last = _sum(blocks.reported(b.previous, kpi) for b in branches)
    return {
        "no": numeral(number),
        "key": key,
        "name": kpi,
        "rows": rows,
        "total": {
            "target": blocks.num(target),
            "actual": blocks.num(actual),
            "rate": blocks.rate_mark(actual, target),
            "last": blocks.num(last),
            "change": blocks.change(actual, last),
        },
    }


def _sum(values: Any) -> float | None:
    found = [v for v in values if v is not None]
    return sum(found) if found else None


def _check_row(b: BranchMonth, ranked: dict[str, Any]) -> dict[str, Any]:
    """Reported beside counted, for the four figures the archive can count (differences red);
    the older keys (events, units, amount…) stay for templates HQ made from the first design."""
    row: dict[str, Any] = {
        "rank": ranked["ranks"][b.branch],
        "branch": b.branch,
        "state": alert("已报送", False) if b.report else alert("未报送"),
    }
    for key, kpi in PAIRED:
        filed = b.value(kpi)
        shown = f"{blocks.num(filed)} / {b.archive[kpi]}"
        row[key] = alert(shown, filed is not None and filed != b.archive[kpi])
    row["events"] = blocks.num(b.value("推介会场次"))
    row["units"] = blocks.num(b.value("签约套数"))
    row["amount"] = blocks.num(b.value("签约金额(万元)"))
    row["amount_rate"] = blocks.percent(b.rate("签约金额(万元)"))
    return row


def _check_total(branches: list[BranchMonth]) -> dict[str, str]:
    total: dict[str, str] = {}
    for key, kpi in PAIRED:
        filed = _sum(b.value(kpi) for b in branches)
        total[key] = f"{blocks.num(filed)} / {sum(b.archive[kpi] for b in branches)}"
    for key, kpi in (("events", "推介会场次"), ("units", "签约套数")):
        total[key] = blocks.num(_sum(b.value(kpi) for b in branches))
    amount = "签约金额(万元)"
    with_target = [b for b in branches if b.value(amount, "target")]
    total["amount"] = blocks.num(_sum(b.value(amount) for b in branches))
    total["amount_rate"] = blocks.rate(
        _sum(b.value(amount) or 0.0 for b in with_target),
        _sum(b.value(amount, "target") for b in with_target),
    )
    return total


def _signing_rank(branches: list[BranchMonth]) -> list[dict[str, str]]:
    """Kept for templates made from the first design (签约排名)."""
    amount = "签约金额(万元)"
    filed = sorted(
        (b for b in branches if b.value(amount) is not None),
        key=lambda b: (-(b.value(amount) or 0.0), b.branch),
    )
    return [
        {
            "rank": str(n),
            "branch": b.branch,
            "units": blocks.num(b.value("签约套数")),
            "amount": blocks.num(b.value(amount)),
            "rate": blocks.percent(b.rate(amount)),
        }
        for n, b in enumerate(filed, start=1)
    ]


def _asks(report: ReportData) -> dict[str, str]:
    return {
        "branch": report.branch,
        "problems": blocks.text(report.values.get("problems"), blocks.UNFILLED),
        "support": blocks.text(report.values.get("support"), blocks.UNFILLED),
    }


def _chart(ranked: dict[str, Any]) -> Any:
    data = []
    for b in ranked["order"]:
        filed = b.value(NEW)
        data.append(
            (b.branch.removesuffix("分中心"), b.archive[NEW], round(filed) if filed else None)
        )
    return branch_chart(data) or "无数据。"


def template() -> bytes:
    b = TemplateBuilder("月度工作总结汇总")
    blocks.frame_title(b, "{{ period_label }}各分中心月度工作总结汇总", "{{ company }}")
    b.labelled("本月要点", "{{ highlights }}")
    b.tag("for m in missing")
    b.notice("{{ m }}")
    b.tag("endfor")
    b.heading("一、目标完成排名（按综合完成率）")
    b.table(
        [
            Col("排名", "{{ r.rank }}", 10, "c"),
            Col("分中心", "{{ r.branch }}", 22),
            *(Col(_title(kpi), f"{{{{r r.{key} }}}}", 17, "c") for key, kpi in MAIN_KPIS),
            Col("综合\n完成率", "{{r r.overall }}", 18, "c"),
        ],
        "r in ranking",
    )
    b.note("{{ rank_note }}")
    b.heading("二、主要指标完成情况")
    b.note(
        "目标、完成为各分中心上报数；上月为{{ last_label }}上报的完成数，环比为本月较上月的增减。"
    )
    b.tag("for k in kpi_tables")
    b.heading("（{{ k.no }}）{{ k.name }}", 2)
    b.table(
        [
            Col("分中心", "{{ x.branch }}", 36),
            Col("目标", "{{ x.target }}", 22, "c"),
            Col("完成", "{{ x.actual }}", 22, "c"),
            Col("完成率", "{{r x.rate }}", 24, "c"),
            Col("上月", "{{ x.last }}", 22, "c"),
            Col("环比", "{{ x.change }}", 24, "c"),
        ],
        "x in k.rows",
        total=[
            "合计",
            "{{ k.total.target }}",
            "{{ k.total.actual }}",
            "{{r k.total.rate }}",
            "{{ k.total.last }}",
            "{{ k.total.change }}",
        ],
    )
    b.tag("endfor")
    _checks(b)
    b.heading("四、存在问题与需公司支持事项")
    b.tag("if asks")
    b.table(
        [
            Col("分中心", "{{ a.branch }}", 26),
            Col("存在问题", "{{ a.problems }}", 65),
            Col("需公司支持", "{{ a.support }}", 65),
        ],
        "a in asks",
    )
    b.tag("else")
    b.text("本月尚无分中心报送月度工作总结。")
    b.tag("endif")
    return b.save()


def _title(kpi: str) -> str:
    """A KPI as a narrow column's title: two lines, broken before a bracket or after four
    characters (新增登记/客户, 签约金额/(万元)), not wherever the column width falls."""
    head, bracket, tail = kpi.partition("(")
    if bracket:
        return f"{head}\n({tail}"
    return f"{kpi[:4]}\n{kpi[4:]}" if len(kpi) > 4 else kpi


def _checks(b: TemplateBuilder) -> None:
    b.heading("三、上报数与档案统计核对")
    b.note("“上报 / 档案”：左为分中心上报数，右为档案统计数，不一致的以红色标出。")
    b.table(
        [
            Col("分中心", "{{ r.branch }}", 30),
            Col("新增登记客户\n上报 / 档案", "{{r r.new }}", 30, "c"),
            Col("有效客户(A+B)\n上报 / 档案", "{{r r.ab }}", 30, "c"),
            Col("覆盖乡镇数\n上报 / 档案", "{{r r.towns }}", 30, "c"),
            Col("跟进人次\n上报 / 档案", "{{r r.visits }}", 30, "c"),
        ],
        "r in rows",
        total=[
            "合计",
            "{{ total.new }}",
            "{{ total.ab }}",
            "{{ total.towns }}",
            "{{ total.visits }}",
        ],
    )
    b.note("{{ basis }}")
    b.figure("chart_branches", "图1　各分中心新增登记客户：档案统计与上报")
