"""本月要点: the few sentences that open the 汇总, written from the month's figures — who filed,
who leads and who lags, where the signings stand against target and last month, and the largest
gap between what a branch reported and what the archive counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from branchflow.reports import blocks

if TYPE_CHECKING:
    from branchflow.reports.summary import BranchMonth

AMOUNT, UNITS = "签约金额(万元)", "签约套数"


def highlights(
    branches: Sequence[BranchMonth],
    ranked: dict[str, Any],
    main: Sequence[tuple[str, str]],
    paired: Sequence[tuple[str, str]],
) -> str:
    """One paragraph; every sentence holds only figures shown in the tables below it."""
    sentences = [_filing(branches), _leaders(ranked), _signing(branches), _gap(branches, paired)]
    return "".join(s for s in sentences if s)


def _filing(branches: Sequence[BranchMonth]) -> str:
    missing = [b.branch for b in branches if b.report is None]
    text = f"本月应报 {len(branches)} 个分中心，已报送 {len(branches) - len(missing)} 个"
    return text + (f"，{'、'.join(missing)}未报送。" if missing else "，全部报送。")


def _leaders(ranked: dict[str, Any]) -> str:
    order = [b for b in ranked["order"] if b.overall is not None]
    if not order:
        return ""
    ranks = ranked["ranks"]
    first = [b for b in order if ranks[b.branch] == "1"]
    last = [b for b in order if ranks[b.branch] == ranks[order[-1].branch]]
    top = f"{'、'.join(b.branch for b in first)}{'并列' if len(first) > 1 else ''}第一"
    text = f"按综合完成率，{top}（{blocks.percent(first[0].overall)}）"
    if len(order) > len(first):
        text += f"，{'、'.join(b.branch for b in last)}居末（{blocks.percent(last[0].overall)}）"
    behind = [b for b in order if (b.overall or 0) < 1]
    if behind:
        text += f"；{len(behind)} 个分中心综合完成率未达 100%"
    return text + "。"


def _signing(branches: Sequence[BranchMonth]) -> str:
    filed = [b for b in branches if b.value(AMOUNT) is not None]
    if not filed:
        return ""
    amount = sum(b.value(AMOUNT) or 0.0 for b in filed)
    units = sum(b.value(UNITS) or 0.0 for b in filed)
    target = sum(b.value(AMOUNT, "target") or 0.0 for b in filed)
    text = f"已报送的分中心合计签约 {blocks.num(units)} 套、{blocks.num(amount)} 万元"
    if target:
        text += f"，完成目标的 {blocks.rate(amount, target)}"
    previous = [p for b in filed if (p := blocks.reported(b.previous, AMOUNT)) is not None]
    before = sum(previous, 0.0)
    if len(previous) == len(filed) and before:
        text += f"，环比 {blocks.change(amount, before)}"
    short = [b for b in filed if (b.rate(AMOUNT) or 1) < 1]
    if short:
        names = "、".join(f"{b.branch}（{blocks.percent(b.rate(AMOUNT))}）" for b in short)
        text += f"；签约金额未完成目标的有{names}"
    return text + "。"


def _gap(branches: Sequence[BranchMonth], paired: Sequence[tuple[str, str]]) -> str:
    gaps = [
        (abs(filed - b.archive[kpi]), b, kpi, filed)
        for b in branches
        for _, kpi in paired
        if (filed := b.value(kpi)) is not None
    ]
    if not gaps:
        return ""
    size, branch, kpi, filed = max(gaps, key=lambda g: (g[0], -branches.index(g[1])))
    if not size:
        return "各分中心上报的登记、有效客户、覆盖乡镇和跟进数与档案统计一致。"
    return (
        f"上报数与档案统计相差最大的是{branch.branch}的{kpi}"
        f"（上报 {blocks.num(filed)}，档案统计 {branch.archive[kpi]}），请核实。"
    )
