"""The demo's departments and project 营销部: their monthly work plans, filed on the 28th.

October's plans (for November) all come on time but one; November's (for December) have one
late and one missing, so 报送考核 shows both sides measured. Items ask some branches by name,
some all of them, some none: each branch's 部门及项目工作计划 puts its own first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from branchflow.config import Settings
from branchflow.sample.fill import Drop, Filling, fill_template

Blank = Callable[[Settings, str, str], Path]
# (period, folder) → (day of the month filed, hour); a folder absent here files nothing.
MISSING = {("2026-10", "习水温泉小镇营销部"), ("2026-11", "正安花园营销部")}
LATE = {("2026-11", "招商管理部"): (29, 10)}  # a day and a half after the 28th 23:59
CONTACTS = ("李娜 13908510001", "王强 0851-28561234", "陈静 13908510003", "赵磊 13908510004")

DEPARTMENT_ITEMS = {
    "市场策划部": (
        (
            "春节返乡置业推介会物料",
            "海报、折页、视频按分中心所在城市定制，请各分中心提交场地和人数",
            "全部",
        ),
        ("抖音直播看房", "项目现场直播，分中心组织老乡在线观看并登记", "{0}、{1}"),
    ),
    "客户服务部": (
        ("老业主春节回访", "回访名单随本计划下发，请分中心核对本市场老业主的联系电话", "全部"),
        ("客户系统录入核查", "抽查 11 月新登记客户的户籍乡镇和等级", "{2}、{3}"),
    ),
    "招商管理部": (
        ("商家返乡考察", "邀请洽谈中的餐饮、建材商家返乡看商铺，分中心协助组织", "{4}"),
        ("每周一招商电话沟通", "与各分中心交流招商线索", "全部"),
    ),
}


def plan_drops(
    settings: Settings, blank: Blank, at: Callable[[date, int], datetime]
) -> Iterator[Drop]:
    """Every department's and project's plan for 2026-10 and 2026-11, as filed."""
    for period in ("2026-10", "2026-11"):
        year, month = (int(x) for x in period.split("-"))
        for index, owner in enumerate(settings.planners):
            if (period, owner) in MISSING:
                continue
            day, hour = LATE.get((period, owner), (26 + index % 3, 9 + index % 6))
            data = fill_template(
                blank(settings, owner, "dept_plan"), _filling(settings, owner, period, index)
            )
            yield Drop(
                at(date(year, month, day), hour), owner, f"{month}月工作计划-{owner}.xlsx", data
            )


def _filling(settings: Settings, owner: str, period: str, index: int) -> Filling:
    year, month = (int(x) for x in period.split("-"))
    first = date(year + month // 12, month % 12 + 1, 1)  # the month planned
    branches = [b.name.removesuffix("分中心") for b in settings.branches]
    rows = [
        {
            "item": item,
            "detail": detail,
            "due": first + timedelta(days=9 + 7 * n),
            "cooperation": ask.format(*(branches * 2)),
            "contact": CONTACTS[(index + n) % len(CONTACTS)],
        }
        for n, (item, detail, ask) in enumerate(
            DEPARTMENT_ITEMS.get(owner, _project_items(settings, owner, index))
        )
    ]
    for row in rows:
        row["projects"] = _project_of(settings, owner) or ""
    return Filling(
        "dept_plan", {"branch": owner, "reporter": "张伟", "period": period}, {"items": rows}
    )


def _project_items(settings: Settings, owner: str, index: int) -> tuple[tuple[str, str, str], ...]:
    branch = settings.branches[index % len(settings.branches)].name
    return (
        ("开盘/加推", "春节前加推一批三室两厅，返乡客户认购额外优惠 1 万元", "全部"),
        ("返乡看房专车", f"{branch}组织春节返乡客户集中看房，项目安排专车接送", branch),
        ("样板间开放", "新样板间开放，现场接待", "无"),
    )


def _project_of(settings: Settings, owner: str) -> str | None:
    return next((p.name for p in settings.projects if p.marketing == owner), None)
