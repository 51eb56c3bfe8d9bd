"""Realistic sample rows for the demo and the benchmarks: buyers from Guizhou townships."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from branchflow.templates.definitions import (
    ACTIVITY_TYPES,
    CHANNELS,
    FOLLOW_UP_METHODS,
    KPIS,
    PAYMENT_METHODS,
    PURPOSES,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林龙田石杨冉罗韦潘吴陆"
GIVEN = "勇军伟平刚明华红梅兰芳英秀玉春燕林强磊涛超杰敏静丽娟霞婷鹏飞洪波"
HOMES = {
    "湄潭县": ("湄江街道", "永兴镇", "复兴镇", "马山镇", "高台镇", "兴隆镇", "石莲镇", "西河镇"),
    "凤冈县": ("龙泉街道", "进化镇", "琊川镇", "蜂岩镇", "永和镇", "绥阳镇", "土溪镇", "天桥镇"),
    "余庆县": ("子营街道", "龙溪镇", "构皮滩镇", "敖溪镇", "龙家镇", "松烟镇", "白泥镇"),
    "绥阳县": ("洋川街道", "郑场镇", "旺草镇", "蒲场镇", "风华镇", "宽阔镇", "温泉镇"),
    "正安县": ("凤仪街道", "瑞溪镇", "和溪镇", "安场镇", "格林镇", "新州镇", "小雅镇"),
    "习水县": ("东皇街道", "土城镇", "同民镇", "良村镇", "温水镇", "仙源镇", "二郎镇"),
}
JOBS = (
    ("电子厂", "普工"),
    ("建筑工地", "钢筋工"),
    ("物流园", "快递分拣"),
    ("服装厂", "车工"),
    ("家具厂", "木工"),
    ("餐馆", "厨师"),
    ("模具厂", "技术员"),
)
UNIT_TYPES = ("两室两厅", "三室两厅", "三室两厅两卫", "四室两厅", "商铺")
CONTENTS = (
    "电话回访，客户关心首付比例和公积金能否异地使用",
    "微信发送项目资料和样板间视频，客户表示春节返乡时看房",
    "推介会后回访，客户已和家人商量，倾向三室",
    "客户询问老带新优惠，答应介绍同厂老乡",
    "客户资金已备好，约定返乡到售楼部认筹",
)


# How staff write what the templates list (validate/synonyms.py reads every one of these back).
STAFF_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "gender": {"男": ("男", "先生", "男士"), "女": ("女", "女士", "小姐")},
    "payment": {
        "公积金贷款": ("公积金",), "商业贷款": ("按揭", "商贷", "银行贷款"),
        "一次性付款": ("全款", "一次性"), "组合贷款": ("公积金+商贷",), "分期付款": ("首付分期",),
    },
    "purpose": {
        "自住": ("自住首次", "刚需", "婚房"), "子女教育": ("小孩读书", "学区"),
        "养老": ("回家养老",), "改善": ("改善型",),
    },
    "channel": {
        "微信/抖音": ("朋友圈", "抖音", "快手"), "亲友介绍": ("老乡介绍", "朋友介绍"),
        "外展派单": ("派单",), "老带新": ("老业主介绍",),
    },
    "grade": {"A": ("A类", "A+"), "B": ("B类", "b"), "C": ("C类",), "D": ("D类",)},
    "status": {"到访": ("已到访", "看房"), "意向": ("有意向",)},
    "method": {"电话": ("电联", "打电话"), "到访": ("面谈", "来访"), "上门拜访": ("上门",)},
}  # fmt: skip
INCOME_WORDS = ("3000-5000", "5000-8000", "8000-12000", "8千-1.2万", "约6000", "1.2万", "7000左右")


class SampleCompany:
    """A seeded generator of plausible buyers, follow-ups and reports for one branch."""

    def __init__(self, seed: int, projects: Sequence[str], staff: Sequence[str]) -> None:
        self.rng = random.Random(seed)
        self.projects = list(projects)
        self.staff = list(staff)
        self._phones: set[str] = set()

    def phone(self) -> str:
        while True:
            number = f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + given

    def customer(self, registered: date, city: str) -> dict[str, Any]:
        county = self.rng.choice(list(HOMES))
        employer, job = self.rng.choice(JOBS)
        grade = self.rng.choices("ABCD", weights=(2, 4, 5, 2))[0]
        return {
            "name": self.name(),
            "gender": self.rng.choice(("男", "女")),
            "phone": self.phone(),
            "county": county,
            "township": self.rng.choice(HOMES[county]),
            "village": f"{self.rng.choice('新龙桥田石马')}{self.rng.choice('家坝湾寨沟坪')}村",
            "work_city": city,
            "employer": f"{city[:2]}{employer}",
            "occupation": job,
            "monthly_income": self.rng.randrange(45, 120) * 100,
            "family_size": self.rng.randrange(2, 7),
            "project": self.rng.choice(self.projects),
            "unit_type": self.rng.choice(UNIT_TYPES),
            "area": self.rng.choice((89, 98, 110, 118, 126, 138)),
            "budget": self.rng.choice((35, 42, 48, 55, 60, 68)),
            "payment": self.rng.choice(PAYMENT_METHODS),
            "purpose": self.rng.choice(PURPOSES),
            "channel": self.rng.choice(CHANNELS),
            "grade": grade,
            "customer_type": self.rng.choices(("新客户", "老业主"), weights=(9, 1))[0],
            "registered_on": registered,
            "status": self.rng.choice(("登记", "意向", "意向", "到访")),
            "consultant": self.rng.choice(self.staff),
            "remark": "",
        }

    @staticmethod
    def staff_wording(row: dict[str, Any]) -> dict[str, Any]:
        """The row as a member of staff types it: their own words for listed values, income as
        a range, budget with 万, area as a range (what `make demo` shows corrected). The same
        customer is worded the same way in every drop (a running workbook re-dropped)."""
        rng = random.Random(f"{row.get('phone')}{row.get('date', '')}")
        worded = dict(row)
        for key, words in STAFF_WORDS.items():
            choices = words.get(str(worded.get(key, "")))
            if choices and rng.random() < 0.6:
                worded[key] = rng.choice(choices)
        if "monthly_income" in worded:
            worded["monthly_income"] = rng.choice(INCOME_WORDS)
        if "budget" in worded and rng.random() < 0.5:
            low = worded["budget"]
            worded["budget"] = rng.choice((f"{low}万", f"约{low}万", f"{low - 5}-{low + 5}万"))
        if "area" in worded and rng.random() < 0.4:
            worded["area"] = rng.choice(("90~110", "110平", "120平米左右"))
        return worded

    def followup(self, customer: dict[str, Any], on: date) -> dict[str, Any]:
        return {
            "phone": customer["phone"],
            "date": on,
            "method": self.rng.choice(FOLLOW_UP_METHODS[:3]),
            "content": self.rng.choice(CONTENTS),
            "grade_after": customer["grade"],
            "next_date": on + timedelta(days=self.rng.randrange(5, 30)),
            "staff": customer["consultant"],
        }

    def kpis(
        self, new: int, effective: int, townships: int, followups: int
    ) -> list[dict[str, Any]]:
        actual = {
            "新增登记客户": new,
            "有效客户(A+B)": effective,
            "覆盖乡镇数": townships,
            "跟进人次": followups,
        }
        rows = []
        for kpi in KPIS:
            done = actual.get(kpi, self.rng.randrange(0, 12))
            target = max(1, round(done * self.rng.uniform(0.8, 1.3)))
            rows.append({"kpi": kpi, "target": target, "actual": done, "note": ""})
        return rows

    def activities(self, monday: date, city: str) -> list[dict[str, Any]]:
        rows = []
        for i in range(self.rng.randrange(1, 3)):
            # most weeks open with a weekend 推介会; the rest is 外展 or an owners' event
            pitch = i == 0 and self.rng.random() < 0.75
            kind = ACTIVITY_TYPES[0] if pitch else self.rng.choice(ACTIVITY_TYPES[1:3])
            day = monday + timedelta(days=self.rng.randrange(0, 7))
            people = self.rng.randrange(20, 160)
            rows.append(
                {
                    "date": day,
                    "name": f"{city[:2]}{('黔龙阳光' if i == 0 else '老乡')}{kind}",
                    "type": kind,
                    "place": f"{city[:2]}{self.rng.choice(('工业园', '贵州老乡会', '城中村广场'))}",
                    "participants": people,
                    "new_registrations": people // self.rng.randrange(3, 8),
                    "news": f"{day.month}月{day.day}日，分中心在{city[:2]}举办{kind}，"
                    f"到场老乡{people}人，现场介绍了各项目在售户型和返乡置业优惠。",
                }
            )
        return rows
