"""`branchflow demo`: a sample company's two months of drops, some wrong, ingested as they came."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, DISTRIBUTION_DIR, RECEIPTS_DIR, Settings
from branchflow.distribute import distribute
from branchflow.pipeline import FileOutcome, ingest
from branchflow.reports import render_period
from branchflow.sample import story
from branchflow.sample.fill import Drop, Filling, Quirks, fill_template
from branchflow.sample.people import SampleCompany
from branchflow.templates.definitions import TEMPLATES
from branchflow.workspace import prepare_demo_workspace

MONTHS = ((2026, 10), (2026, 11))
REPORT_PERIOD = "2026-11"
REPORT_WEEK = "2026-W46"
REPORTS_AT = datetime(2026, 12, 1, 9, 30)
SKIPPED_WEEK = ("深圳分中心", "2026-W47")  # the one weekly news a branch forgot
STAFF = ("罗明", "田秀英", "冉海", "龙小燕")
QUIRKS = {
    "东莞分中心": Quirks(phones_as_float=True, text_dates=True),
    "宁波分中心": Quirks(extra_column="我的编号", merge_townships=True),
    "苏州分中心": Quirks(hide_rows=(2,), formatted_tail=400),
    "深圳分中心": Quirks(drop_columns=("身份证号", "户籍村(社区)")),
}
# Branches whose staff write in their own words (公积金, 8000-12000, 50万, 电联): accepted, the
# receipt lists each correction once with its count (not in QUIRKS: the benchmark keeps its own
# workload).
STAFF_WORDING = frozenset({"温州分中心", "东莞分中心"})


def run_demo(directory: Path, on_file: Callable[[FileOutcome], None] | None = None) -> list[str]:
    """Build the sample workspace, replay the drops in time order, return the closing summary."""
    settings = prepare_demo_workspace(directory)
    drops = sorted(_all_drops(settings), key=lambda d: d.at)
    outcomes: list[FileOutcome] = []
    moment = settings
    with Archive.open(settings) as archive:
        for at in sorted({d.at for d in drops}):
            for drop in (d for d in drops if d.at == at):
                target = settings.inbox / drop.folder / drop.name
                target.write_bytes(drop.data)
            moment = dataclasses.replace(
                settings, now_override=at.replace(tzinfo=settings.timezone)
            )
            report = ingest(moment, archive, on_file=on_file)
            outcomes.extend(o for o in report.outcomes if o.status != "ignored")
    # HQ makes November's documents on the morning of 1 December (or later, if the clock says so)
    at = max(settings.now(), REPORTS_AT.replace(tzinfo=settings.timezone))
    rendering = dataclasses.replace(settings, now_override=at)
    documents = render_period(rendering, period=REPORT_PERIOD, week=None)
    documents += render_period(rendering, period=None, week=REPORT_WEEK)
    # What each branch's 下发 folder holds as the replay ends (follow-ups due from that day on).
    distribute(rendering, REPORT_PERIOD)
    return _summary(settings, outcomes, documents) + _demo_accounts(settings)


# Console accounts of the sample company, one per role; the passwords are printed, so the
# closing lines say to change them before the console is opened to anyone.
DEMO_ACCOUNTS = (
    ("admin", "admin", None, "demo-admin-2026"),
    ("xiaoshou", "sales", None, "demo-sales-2026"),
    ("dongguan", "branch", "东莞分中心", "demo-dongguan-2026"),
    ("shichang", "department", "市场策划部", "demo-shichang-2026"),
)


def _demo_accounts(settings: Settings) -> list[str]:
    from branchflow.console.accounts import add_user

    lines = ["", "  控制台（branchflow serve 后用浏览器打开 http://127.0.0.1:8080/）示例账号："]
    for name, role, scope, password in DEMO_ACCOUNTS:
        described = add_user(settings, name, role, scope, password)
        lines.append(f"    {described.removeprefix('已添加账号 ')}  密码 {password}")
    lines.append(
        "  这些是公开的示例密码：正式使用前请用"
        " branchflow users passwd 账号 --password-stdin 修改。"
    )
    return lines


def _summary(settings: Settings, outcomes: list[FileOutcome], documents: list[Path]) -> list[str]:
    count = {s: sum(o.status == s for o in outcomes) for s in ("accepted", "rejected", "duplicate")}
    ws = settings.workspace
    return [
        "",
        f"示例完成：{len(settings.branches)} 个分中心、{len(settings.planners)} 个部门和"
        f"项目营销部、2 个月共 {len(outcomes)} 次报送 —— "
        f"接收 {count['accepted']}，退回 {count['rejected']}，重复 {count['duplicate']}。",
        f"  回执（各分中心看到的答复）：{ws / 'inbox'}/<分中心>/{RECEIPTS_DIR}/",
        f"  下发（各分中心收到的总部简报、例会资料、部门及项目工作计划、本分中心档案、下发说明）："
        f"{ws / 'inbox'}/<分中心>/{DISTRIBUTION_DIR}/{REPORT_PERIOD}/",
        f"  客户总档案：{settings.archive_dir / '客户总档案.xlsx'}",
        f"  各分中心档案：{settings.archive_dir}/分中心档案-<分中心>.xlsx",
        f"  档案库与全部原件：{settings.store_dir}/",
        f"  Word 文档（{len(documents)} 份）：{settings.reports_dir / REPORT_PERIOD}/ 和 "
        f"{settings.reports_dir / REPORT_WEEK}/",
        f"  报送考核：branchflow -w {ws} status --period {REPORT_PERIOD}",
        "  苏州分中心文件夹里的 ~$ 开头文件是 Excel 锁文件，按规则不处理、原样保留。",
    ]


def _drops(settings: Settings) -> Iterator[Drop]:
    projects = settings.project_names
    for index, branch in enumerate(settings.branches):
        company = SampleCompany(seed=index + 1, projects=projects, staff=STAFF)
        yield _september(settings, index, company)
        customers: list[dict[str, Any]] = []
        for year, month in MONTHS:
            yield from _branch_month(settings, index, branch.city, company, customers, year, month)
    yield from _hq_briefing(settings)


def _all_drops(settings: Settings) -> list[Drop]:
    from branchflow.sample.mistakes import mistaken_drops
    from branchflow.sample.plans import plan_drops

    regular = list(_drops(settings))
    plans = list(plan_drops(settings, _blank, _at))
    return regular + plans + list(mistaken_drops(settings, regular, _blank))


def _branch_month(
    settings: Settings,
    index: int,
    city: str,
    company: SampleCompany,
    customers: list[dict[str, Any]],
    year: int,
    month: int,
) -> Iterator[Drop]:
    """The running customer workbook (dropped twice), weekly news, monthly and market reports."""
    branch = settings.branches[index].name
    followups: list[dict[str, Any]] = []
    quirks = QUIRKS.get(branch, Quirks())
    for day in (6, 19):
        when = date(year, month, day)
        for _ in range(company.rng.randrange(8, 14)):
            customers.append(
                company.customer(when - timedelta(days=company.rng.randrange(0, 5)), city)
            )
        for customer in company.rng.sample(customers, k=min(len(customers), 6)):
            customer["grade"] = company.rng.choice("ABBC")
            followups.append(company.followup(customer, when - timedelta(days=1)))
        rows, visits = [dict(c) for c in customers], list(followups)
        if branch in STAFF_WORDING:
            rows = [SampleCompany.staff_wording(c) for c in rows]
            visits = [SampleCompany.staff_wording(v) for v in visits]
        filling = Filling(
            "customers",
            {"branch": branch, "reporter": STAFF[0], "period": f"{year}-{month:02d}"},
            {"customers": rows, "followups": visits},
        )
        data = fill_template(_blank(settings, branch, "customers"), filling, quirks)
        yield Drop(_at(when, 18), branch, f"{branch[:2]}客户登记表.xlsx", data)
    events: list[dict[str, Any]] = []
    yield from _weekly(settings, branch, city, company, year, month, events)
    if branch != "温州分中心" or month == 10:
        due = 25 if branch != "温州分中心" else 27  # 温州 is late in October, missing in November
        month_events = [e for e in events if e["date"].month == month and e["type"] == "推介会"]
        work = Work(customers, followups, month_events)
        yield _monthly(settings, index, company, work, year, month, due)
    if branch not in {"深圳分中心"}:
        yield _market(settings, index, city, year, month)


def _weekly(
    settings: Settings,
    branch: str,
    city: str,
    company: SampleCompany,
    year: int,
    month: int,
    events: list[dict[str, Any]],
) -> Iterator[Drop]:
    """Every Monday of the month, the news of the week before (and `events` collects them)."""
    first = date(year, month, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    while monday.month == month:
        week_start = monday - timedelta(days=7)
        iso = week_start.isocalendar()
        period = f"{iso.year}-W{iso.week:02d}"
        activities = company.activities(week_start, city)
        monday += timedelta(days=7)
        if (branch, period) == SKIPPED_WEEK:
            continue
        events += activities
        filling = Filling(
            "weekly",
            {"branch": branch, "reporter": STAFF[1], "period": period},
            {"activities": activities},
        )
        hour = 16 if company.rng.random() > 0.2 else 33  # now and then a day late
        data = fill_template(_blank(settings, branch, "weekly"), filling)
        yield Drop(
            _at(week_start + timedelta(days=7), hour), branch, f"活动新闻{period}.xlsx", data
        )


@dataclass(frozen=True)
class Work:
    """What a branch did in the month, as its monthly report counts it."""

    customers: list[dict[str, Any]]
    followups: list[dict[str, Any]]
    events: list[dict[str, Any]]  # the month's 推介会, from its weekly news


def _monthly(
    settings: Settings,
    index: int,
    company: SampleCompany,
    work: Work,
    year: int,
    month: int,
    due: int,
) -> Drop:
    branch, city = settings.branches[index].name, settings.branches[index].city
    this_month = [c for c in work.customers if c["registered_on"].month == month]
    plan_month = date(year + month // 12, month % 12 + 1, 10)
    counted = {
        "新增登记客户": len(this_month),
        "有效客户(A+B)": sum(c["grade"] in "AB" for c in work.customers),
        "覆盖乡镇数": len({c["township"] for c in this_month}),
        "跟进人次": len(work.followups),
    }
    deals = story.merchants(index, branch, city, settings.project_names[1])
    events = len(work.events)
    filling = Filling(
        "monthly",
        {
            "branch": branch,
            "reporter": STAFF[0],
            "period": f"{year}-{month:02d}",
            "main_work": f"本月举办推介会 {events} 场，新登记客户 {len(this_month)} 人，"
            f"跟进 {len(work.followups)} 人次。",
            **story.concerns(index, month),
        },
        {
            "kpis": story.results(company.rng, index, month, counted, work.events, len(deals)),
            "targets": [
                {"kpi": kpi, "target": target}
                for kpi, target in story.targets(index, month + 1).items()
            ],
            "plan": _plan(settings, plan_month),
            "merchants": deals,
        },
    )
    data = fill_template(_blank(settings, branch, "monthly"), filling)
    return Drop(_at(date(year, month, due), 15), branch, f"{month}月总结及下月计划.xlsx", data)


def _plan(settings: Settings, plan_month: date) -> list[dict[str, Any]]:
    """Next month's work items, as a branch plans them in the month before."""
    first, second = story.PLANS.get(plan_month.month, story.PLANS[11])
    return [
        {
            "item": first[0],
            "detail": first[1],
            "owner": STAFF[0],
            "due": plan_month,
            "involves": "市场策划部/" + settings.project_names[0],
        },
        {
            "item": second[0],
            "detail": second[1],
            "owner": STAFF[2],
            "due": plan_month + timedelta(days=10),
            "involves": "客户服务部",
        },
    ]


def _september(settings: Settings, index: int, company: SampleCompany) -> Drop:
    """The month before the archive starts: only its report, which planned October's work."""
    branch = settings.branches[index].name
    goal = story.targets(index, 9)
    counted = {k: round(goal[k] * company.rng.uniform(0.85, 1.1)) for k in story.ARCHIVE_KPIS}
    events = [{"participants": company.rng.randrange(50, 90)} for _ in range(3)]
    filling = Filling(
        "monthly",
        {
            "branch": branch,
            "reporter": STAFF[0],
            "period": "2026-09",
            "main_work": "本月在工业园和老乡会开展推介，为国庆返乡看房做准备。",
            **story.concerns(index, 9),
        },
        {
            "kpis": story.results(company.rng, index, 9, counted, events, 1),
            "targets": [{"kpi": k, "target": t} for k, t in story.targets(index, 10).items()],
            "plan": _plan(settings, date(2026, 10, 10)),
        },
    )
    data = fill_template(_blank(settings, branch, "monthly"), filling)
    return Drop(_at(date(2026, 9, 25), 15), branch, "9月总结及下月计划.xlsx", data)


def _market(settings: Settings, index: int, city: str, year: int, month: int) -> Drop:
    branch = settings.branches[index].name
    values, tables = story.market(index, city, month)
    filling = Filling(
        "market",
        {"branch": branch, "reporter": STAFF[0], "period": f"{year}-{month:02d}", **values},
        tables,
    )
    data = fill_template(_blank(settings, branch, "market"), filling)
    return Drop(
        _at(date(year, month, 27), 11), branch, f"{city[:2]}市场{month}月份市场研究报告.xlsx", data
    )


def _hq_briefing(settings: Settings) -> Iterator[Drop]:
    for year, month in MONTHS:
        filling = Filling(
            "hq_briefing",
            {
                "branch": settings.hq_folder,
                "reporter": "销售管理部",
                "period": f"{year}-{month:02d}",
                "sales_brief": f"{month - 1}月全公司签约 86 套，回款 4200 万元；省外客户占 21%。",
                "key_work": "各分中心重点邀约 A/B 类客户春节返乡看房；做好老带新登记。",
            },
            {
                "nodes": [
                    {
                        "project": settings.project_names[0],
                        "node": "二期开盘",
                        "date": date(year, month, 18),
                        "note": "开盘当天认购享 9.8 折",
                    }
                ],
                "properties": [
                    {
                        "project": p,
                        "unit_type": "三室两厅",
                        "area": "110–126㎡",
                        "available": 40 + i * 7,
                        "price_range": "4200–4800 元/㎡",
                        "offers": "返乡置业客户额外优惠 1 万元",
                    }
                    for i, p in enumerate(settings.project_names[:4])
                ],
            },
        )
        data = fill_template(_blank(settings, settings.hq_folder, "hq_briefing"), filling)
        yield Drop(
            _at(date(year, month, 1), 10), settings.hq_folder, f"{month}月总部简报.xlsx", data
        )


def _blank(settings: Settings, folder: str, kind: str) -> Path:
    return settings.inbox / folder / BLANKS_DIR / f"{TEMPLATES[kind].title}-{folder}.xlsx"


def _at(day: date, hour: int, minute: int = 30) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=None) + timedelta(
        hours=hour, minutes=minute
    )
