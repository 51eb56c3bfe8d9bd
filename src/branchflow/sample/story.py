"""The demo's month-end story, told consistently: each branch has targets that carry from one
month's 下月计划 to the next month's 本月目标, results that follow from its form (东莞 ahead, 苏州
behind), signings at county-town prices (40–80 万元 a unit), 推介会 counted from its own weekly
news, its own problems and requests, and its own market."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from branchflow.templates.definitions import KPIS

PRICE_RANGE = (40.0, 80.0)  # 万元 a unit in a Guizhou county town
ARCHIVE_KPIS = ("新增登记客户", "有效客户(A+B)", "覆盖乡镇数", "跟进人次")


@dataclass(frozen=True)
class Form:
    """How a branch does against its targets, and how big it is."""

    pace: float  # results ÷ targets on the sales KPIs
    units: int  # signings a month it is asked for


FORMS = (
    Form(1.12, 8),  # 东莞: ahead
    Form(0.98, 6),  # 宁波: about on target
    Form(0.78, 5),  # 苏州: behind
    Form(1.0, 7),  # 深圳
    Form(0.9, 4),  # 温州
)

# 存在问题 / 原因分析 / 需公司支持, one set per branch (the bench's extra branches reuse them)
CONCERNS = (
    (
        "工业园客户多为夫妻双职工，晚上八点后才有空，推介会到场率不稳定。",
        "电子厂旺季连续加班，周末推介会与加班时间冲突。",
        "请市场策划部提供可在工厂宿舍区张贴的返乡置业海报；年底返乡看房专车支持。",
    ),
    (
        "部分客户对异地公积金贷款政策不清楚，认筹后迟迟不签约。",
        "宁波公积金中心与贵州项目所在地的异地贷款流程未打通。",
        "请销售管理部提供公积金异地贷款政策说明，并安排银行专人电话答疑。",
    ),
    (
        "新登记客户中 C、D 类偏多，有效客户转化慢；两名营销员离职，人手不足。",
        "外展选点以商业街为主，遇到的务工人员少；新人对项目卖点不熟。",
        "请公司尽快补充两名营销员，并安排项目营销部来苏州做一次产品培训。",
    ),
    (
        "深圳客户预算偏高、看重学区，对乡镇项目兴趣不大。",
        "深圳务工人员收入较高，多数希望在县城买房让孩子就近上学。",
        "请提供湄江府、凤冈城学区划片的正式文件，便于向客户说明。",
    ),
    (
        "温州客户以鞋服厂工人为主，年底结算前资金未到位，认购意愿推迟到春节后。",
        "工厂年底才发全年工资，客户首付需等到结算之后。",
        "请销售管理部延长返乡置业优惠至春节后，并提供首付分期方案。",
    ),
)

# Work items planned for a month (indexed by that month): (事项, 具体内容) twice
PLANS = {
    10: (
        ("国庆返乡看房团", "组织国庆回乡的 A/B 类客户到湄江府、凤冈城现场看房"),
        ("工业园外展", "每周末在工业园宿舍区设点，登记新客户"),
    ),
    11: (
        ("返乡置业推介会", "联合项目营销部在工业园举办推介会，邀约 A/B 类客户"),
        ("老业主回访", "回访本市场老业主，收集老带新线索"),
    ),
    12: (
        ("春节返乡看房团报名", "登记春节返乡看房意向，按乡镇编组，报总部安排专车"),
        ("年终客户回访", "逐一回访本年登记的 A/B 类客户，确认返乡时间和预算"),
    ),
}

INDUSTRIES = {
    "东莞市": (("电子制造", 9000, "5000–7000 元"), ("模具五金", 3500, "6000–8500 元")),
    "宁波市": (("家电制造", 6000, "5500–7500 元"), ("港口物流", 2500, "6500–9000 元")),
    "苏州市": (("电子制造", 7000, "5000–6500 元"), ("纺织服装", 3000, "4500–6000 元")),
    "深圳市": (("电子制造", 8000, "6000–8000 元"), ("建筑", 4000, "8000–11000 元")),
    "温州市": (("鞋服制造", 6500, "5000–7000 元"), ("建筑", 2000, "7000–10000 元")),
}


def concerns(index: int, month: int) -> dict[str, str]:
    problems, causes, support = CONCERNS[index % len(CONCERNS)]  # a branch's own, every month
    return {"problems": problems, "causes": causes, "support": support}


def form(index: int) -> Form:
    return FORMS[index % len(FORMS)]


def targets(index: int, month: int) -> dict[str, float]:
    """What a branch is asked for in `month`: the 下月目标 of the month before, by design."""
    units = form(index).units + (1 if month >= 11 else 0)  # the year-end push
    return {
        "新增登记客户": 20,
        "有效客户(A+B)": 10 if month <= 10 else 22,  # the A/B count grows as the archive does
        "覆盖乡镇数": 14,
        "跟进人次": 12,
        "推介会场次": 4,
        "推介会到场人数": 240,
        "邀约返乡到访": 2 * units + 4,
        "认筹": units + 4,
        "认购套数": units + 2,
        "签约套数": units,
        "签约金额(万元)": units * 55,
        "老业主回访": 10,
        "老带新推荐": 4,
        "招商洽谈商家": 3,
    }


def results(
    rng: random.Random,
    index: int,
    month: int,
    counted: dict[str, int],
    events: list[dict[str, Any]],
    merchants: int,
) -> list[dict[str, Any]]:
    """The KPI table a branch fills in: targets, and results that follow from its form.

    `counted` holds the four figures the archive can check; `events` the month's 推介会 from
    the branch's own weekly news."""
    goal = targets(index, month)
    pace = form(index).pace
    signed = max(0, round(goal["签约套数"] * pace + rng.choice((-1, 0, 0, 1))))
    bought = signed + rng.randrange(0, 3)
    pledged = bought + rng.randrange(1, 4)
    actual: dict[str, float] = {
        **counted,
        "推介会场次": len(events),
        "推介会到场人数": sum(e["participants"] for e in events),
        "邀约返乡到访": max(pledged, round(goal["邀约返乡到访"] * pace) + rng.randrange(-2, 2)),
        "认筹": pledged,
        "认购套数": bought,
        "签约套数": signed,
        "签约金额(万元)": round(sum(rng.uniform(*PRICE_RANGE) for _ in range(signed)), 1),
        "老业主回访": rng.randrange(6, 13),
        "老带新推荐": rng.randrange(2, 7),
        "招商洽谈商家": merchants,
    }
    return [{"kpi": kpi, "target": goal[kpi], "actual": actual[kpi], "note": ""} for kpi in KPIS]


def market(index: int, city: str, month: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A branch's 市场研究报告: its values and its tables."""
    short = city.removesuffix("市")
    industries = INDUSTRIES.get(
        city, (("制造业", 5000, "5000–7000 元"), ("建筑", 2000, "7000–9000 元"))
    )
    people = sum(n for _, n, _ in industries)
    ratio = (14, 18, 12, 22, 16)[index % 5] + (1 if month >= 11 else 0)
    counties = (
        ("湄潭县", "永兴镇"),
        ("凤冈县", "琊川镇"),
        ("余庆县", "构皮滩镇"),
        ("正安县", "安场镇"),
    )
    first, second = counties[index % 4], counties[(index + 1) % 4]
    values = {
        "worker_scale": f"{short}贵州籍务工人员约 {people * 3 / 10000:.1f} 万人，遵义籍约占四成",
        "intent_ratio": f"约 {ratio}% 有返乡置业意向，其中一年内置业约 {ratio // 3}%",
        "intent_places": f"{first[0][:2]}、{second[0][:2]}县城为主，乡镇集镇次之",
        "unit_types": ("三室两厅为主", "两室、三室各半", "三室两厅两卫为主")[index % 3],
        "areas": ("100–120㎡", "90–110㎡", "110–130㎡")[index % 3],
        "budgets": ("总价 45–65 万元", "总价 40–55 万元", "总价 55–80 万元")[index % 3],
        "payments": ("按揭为主，首付 3 成", "按揭为主，部分公积金贷款", "一次性付款约占两成")[
            index % 3
        ],
        "timing": "春节前后返乡看房" if month >= 11 else "国庆、春节返乡时看房",
        "competitors": (
            f"{short}本地两家返乡置业中介在工业园派单，主打低首付。",
            f"贵州另一房企在{short}老乡会设点，推出“老乡专享价”。",
            "同行以线上直播看房为主，线下活动较少。",
        )[index % 3],
        "suggestions": (
            "春节前组织返乡看房团；针对工地客户推出年底结算后认购优惠。",
            "与老乡会合作办年货节，现场登记；提供首付分期。",
            "增加周末夜场推介会；制作项目实景短视频供客户转发。",
        )[index % 3],
    }
    tables = {
        "sources": [
            {
                "county": first[0],
                "township": first[1],
                "estimate": people // 5,
                "note": "多在电子厂",
            },
            {"county": second[0], "township": second[1], "estimate": people // 8, "note": ""},
        ],
        "employment": [
            {"industry": name, "estimate": n, "income_range": income}
            for name, n, income in industries
        ],
    }
    return values, tables


def merchants(index: int, branch: str, city: str, project: str) -> list[dict[str, Any]]:
    """招商商家: a shop that wants space in a project, with a landline or a boss's mobile."""
    short = branch[:2]
    landline = ("0769-22334455", "0574-87654321", "0512-65432100", "0755-26663388", "0577-88776655")
    rows = [
        {
            "name": f"{short}黔味餐饮管理有限公司",
            "business": "餐饮",
            "contact": "杨先生",
            "phone": landline[index % len(landline)],
            "project": project,
            "area": 120,
            "progress": "已看项目资料，计划返乡实地考察",
        }
    ]
    if index % 2 == 0:
        rows.append(
            {
                "name": f"{short}贵州老乡超市",
                "business": "零售",
                "contact": "王女士",
                "phone": f"139{index:04d}5566",
                "project": project,
                "area": 80,
                "progress": "询问临街铺面租金，待报价",
            }
        )
    return rows
