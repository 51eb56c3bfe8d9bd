"""The messages themselves, in short Chinese: one builder per event, pure (no I/O).

Each builder returns the text for one scope (a branch, a department or 总部); events.py routes
it to the channels that take that event for that scope. Every text passes formats.guard, so no
full mobile or ID number is ever written to the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from branchflow.archive.results import ArchiveResult, Conflict
from branchflow.config import BLANKS_DIR, RECEIPTS_DIR
from branchflow.notify.formats import guard
from branchflow.templates.definitions import KIND_NAMES
from branchflow.validate.issues import Issue

if TYPE_CHECKING:  # the calendar is imported only when a reminder is written, not by the pipeline
    from branchflow.calendar.matrix import Submission

RECEIPT_TOKEN = "〔回执位置〕"  # replaced when sending by the answer's path in 回执/
SHOWN_ERRORS = 3
MAX_SUMMARY_LINES = 40


def rejected(folder: str, file_name: str, kind: str, issues: Sequence[Issue]) -> str:
    """A rejection, at once: the file, how many errors, the first three with their cells."""
    errors = [i for i in dict.fromkeys(issues) if i.is_error]
    kind_name = KIND_NAMES.get(kind, KIND_NAMES["unknown"])
    lines = [
        f"【退回】{folder}",
        f"文件：{file_name}（{kind_name}）未入库，共 {len(errors)} 处错误"
        + (f"，前 {SHOWN_ERRORS} 处：" if len(errors) > SHOWN_ERRORS else "："),
    ]
    for number, issue in enumerate(errors[:SHOWN_ERRORS], start=1):
        place = " ".join(p for p in (issue.address, issue.field) if p)
        lines.append(f"{number}. {place + '：' if place else ''}{issue.message}")
    lines += [
        f"每处错误已在退回的工作簿中标出：{RECEIPT_TOKEN}",
        "请改正后重新放入本分中心文件夹。",
    ]
    return guard("\n".join(lines))


def accepted_line(
    folder: str, file_name: str, kind: str, period: str | None, result: ArchiveResult
) -> str:
    """One accepted drop, a line of the 接收汇总 the sender puts together per burst."""
    what = KIND_NAMES.get(kind, kind) + (f" {period}" if period else "")
    if kind == "customers":
        counts = f"新增 {result.new_customers}，更新 {result.updated_customers}"
        if result.conflicts:
            counts += f"，撞单 {len(result.conflicts)}"
        return guard(f"· {folder}：{file_name}（{what}）{counts}")
    return guard(f"· {folder}：{file_name}（{what}）")


def accepted_payload(result: ArchiveResult) -> dict[str, int]:
    return {
        "files": 1,
        "new": result.new_customers,
        "updated": result.updated_customers,
        "conflicts": len(result.conflicts),
    }


def accepted_summary(lines: Sequence[str], payloads: Sequence[Mapping[str, int]]) -> str:
    """Every drop accepted in one burst, for one channel, as one message."""
    total = {k: sum(int(p.get(k, 0)) for p in payloads) for k in ("new", "updated", "conflicts")}
    head = f"【已接收】{len(lines)} 个文件已入库"
    if any(total.values()):
        head += f"：新增客户 {total['new']} 位，更新 {total['updated']} 位"
        head += f"，撞单 {total['conflicts']} 起" if total["conflicts"] else ""
    shown = list(lines[:MAX_SUMMARY_LINES])
    if len(lines) > MAX_SUMMARY_LINES:
        shown.append(f"……另有 {len(lines) - MAX_SUMMARY_LINES} 个文件，详见各自的回执")
    return guard("\n".join([head, *shown, f"回执在各分中心的“{RECEIPTS_DIR}”文件夹中。"]))


def conflict_for_claimant(branch: str, file_name: str, found: Sequence[Conflict]) -> str:
    lines = [
        f"【撞单】{branch}",
        f"{file_name} 中有 {len(found)} 位客户此前已由其他分中心登记：",
    ]
    lines += [
        f"· {c.masked_phone}：{c.owner_branch}登记，{_decision(c, c.claimant_branch)}"
        for c in found
    ]
    lines.append("如有异议请联系销售管理部。")
    return guard("\n".join(lines))


def conflict_for_owner(owner: str, claimant: str, found: Sequence[Conflict]) -> str:
    lines = [
        f"【撞单】{owner}",
        f"{claimant}报送的客户中有 {len(found)} 位是你们已登记的：",
    ]
    lines += [f"· {c.masked_phone}：{_decision(c, c.claimant_branch)}" for c in found]
    lines.append("如有异议请联系销售管理部。")
    return guard("\n".join(lines))


def conflict_for_hq(claimant: str, file_name: str, found: Sequence[Conflict]) -> str:
    lines = [f"【撞单】{claimant} 报送的 {file_name} 中 {len(found)} 起："]
    lines += [
        f"· {c.masked_phone} 原属{c.owner_branch}：{_decision(c, c.claimant_branch)}" for c in found
    ]
    return guard("\n".join(lines))


def conflict_decided(masked_phone: str, owner: str, claimant: str, decision: str) -> str:
    """A 判客 made in the console: who keeps the customer."""
    return guard(f"【判客】客户 {masked_phone}（{owner} / {claimant} 撞单）\n判定：{decision}")


def _decision(c: Conflict, claimant: str) -> str:
    if c.ruled:
        return f"销售管理部此前已裁定归属{c.owner_branch}，不变"
    if c.within_protection:
        return f"仍在保护期内，归属{c.owner_branch}不变"
    return f"已过保护期，改归{claimant}"


def reminder(owner: str, items: Sequence[Submission], today: date) -> str:
    """待报提醒 for one folder: 3 days before a deadline and on the day."""
    from branchflow.calendar.reminders import describe_item

    lines = [f"【待报提醒】{owner}"]
    for s in items:
        lines.append(f"· {describe_item(s, today)}")
        if s.state == "rejected":
            lines.append("  上次报送的文件已退回，请按退回说明改正后重新放入。")
    lines.append(f"从“{BLANKS_DIR}”复制模板填写，放入“{owner}”文件夹；已报送的请忽略。")
    return guard("\n".join(lines))


def documents(scope: str, period: str, names: Sequence[str], links: Sequence[str]) -> str:
    """The month's documents for one department (or 总部, or a branch's meeting packet)."""
    lines = [f"【月度文档】{period} {scope}", "本月资料已生成："]
    if links:
        lines += [f"· {name}：{link}" for name, link in zip(names, links, strict=True)]
    else:
        lines += [f"· {name}" for name in names]
    return guard("\n".join(lines))


def distributed(scope: str, period: str, folder: str, names: Sequence[str]) -> str:
    lines = [f"【下发资料】{period} {scope}", f"已放入 {folder}："]
    lines += [f"· {name}" for name in names]
    return guard("\n".join(lines))


def test_message(channel: str, when: str) -> str:
    return f"【测试】渠道“{channel}”已接通（{when}）。以后的退回、提醒等消息会发到这里。"


def subject_of(body: str) -> str:
    """An e-mail subject: the message's first line without its brackets."""
    first = body.split("\n", 1)[0].strip()
    return guard(first.replace("【", "").replace("】", "：", 1))
