"""What each Excel template holds: sheets, single-value labels, tables, fields and their types.

Everything downstream (the .xlsx generator, the parser, the validator, the archive columns) reads
these definitions, so a field is described once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FieldType(Enum):
    TEXT = "text"  # free text: trimmed, zero-width characters removed, never NFKC-folded
    LONG_TEXT = "long_text"  # free text written in a wide merged cell (news, summaries)
    PHONE = "phone"  # mainland mobile number (a masked 138****5678 is accepted with a warning)
    CONTACT_PHONE = "contact_phone"  # a mobile or a landline, checked loosely
    ID_NUMBER = "id_number"  # GB 11643 resident ID number
    DATE = "date"
    ENUM = "enum"  # one of Field.choices
    PROJECT = "project"  # one of the configured projects
    COUNTY = "county"  # a county of the home province
    TOWNSHIP = "township"  # a township of the county in the same row
    INTEGER = "integer"
    NUMBER = "number"
    PERIOD = "period"  # a month (2026-11, 2026年11月) or an ISO week (2026-W48)


@dataclass(frozen=True)
class Field:
    """One column of a table, or one labelled single value."""

    key: str  # identifier, also the archive column name
    title: str  # the exact column title / label staff see (without the * mark)
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()  # ENUM: the list; other types: dropdown suggestions only
    future_ok: bool = False  # dates: a future date is expected (next follow-up, plan deadlines)
    width: int = 12  # column width in the template, in characters
    hint: str = ""  # one line for the 填写说明 sheet
    aliases: tuple[str, ...] = ()  # other titles staff use for the same column


@dataclass(frozen=True)
class Table:
    """A table: one header row of exact titles, data rows beneath."""

    key: str
    title: str  # a caption shown above the header row
    fields: tuple[Field, ...]
    key_fields: tuple[str, ...]  # the data area ends at the last row with a value in one of these
    row_labels: tuple[str, ...] = ()  # pre-filled first-column labels (the KPI tables)
    blank_rows: int = 20  # empty formatted rows in the blank template
    optional: bool = False  # staff may leave the whole table (or its sheet) out

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


@dataclass(frozen=True)
class Sheet:
    name: str
    values: tuple[Field, ...] = ()  # label cell, value in the cell to its right
    tables: tuple[Table, ...] = ()
    values_first: bool = True  # layout: the value block above the tables, or below them


@dataclass(frozen=True)
class TemplateDef:
    kind: str
    version: int
    title: str  # also the blank template's file name
    sheets: tuple[Sheet, ...]
    instructions: tuple[str, ...]

    def table(self, key: str) -> Table:
        return next(t for s in self.sheets for t in s.tables if t.key == key)

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for s in self.sheets for t in s.tables)

    @property
    def values(self) -> tuple[Field, ...]:
        return tuple(v for s in self.sheets for v in s.values)


F = FieldType

GENDERS = ("男", "女")
GRADES = ("A", "B", "C", "D")
CUSTOMER_TYPES = ("新客户", "老业主")
STATUSES = ("登记", "意向", "到访", "认筹", "认购", "签约", "放弃")
FOLLOW_UP_METHODS = ("电话", "微信", "上门拜访", "到访", "推介会", "短信", "其他")
PAYMENT_METHODS = ("一次性付款", "商业贷款", "公积金贷款", "组合贷款", "分期付款", "未定")
PURPOSES = ("自住", "养老", "子女教育", "改善", "投资", "返乡创业", "其他")
CHANNELS = ("推介会", "老带新", "亲友介绍", "微信/抖音", "外展派单", "电话营销", "广告", "其他")
ACTIVITY_TYPES = ("推介会", "老业主活动", "外展", "其他")
# 月收入 as staff think of it, and as the 市场研究报告's 月收入区间 asks: a dropdown of these
# (a number or another range may still be typed; validate/amounts.py reads them all).
INCOME_BUCKETS = ("3000以下", "3000-5000", "5000-8000", "8000-12000", "12000以上")

KPIS = (
    "新增登记客户",
    "有效客户(A+B)",
    "覆盖乡镇数",
    "跟进人次",
    "推介会场次",
    "推介会到场人数",
    "邀约返乡到访",
    "认筹",
    "认购套数",
    "签约套数",
    "签约金额(万元)",
    "老业主回访",
    "老带新推荐",
    "招商洽谈商家",
)

BRANCH = Field("branch", "分中心", required=True, width=16, hint="分中心名称，与所在文件夹一致")
REPORTER = Field("reporter", "填报人", required=True, width=10, hint="填表人姓名")
MONTH = Field("period", "报告期", F.PERIOD, required=True, width=12, hint="月份，如 2026-11")
WEEK = Field("period", "报告期", F.PERIOD, required=True, width=12, hint="ISO 周，如 2026-W48")
CUSTOMER_PERIOD = Field("period", "报告期", F.PERIOD, width=12, hint="可不填；填月份如 2026-11")

GRADE_HINT = "A 动机明确资金到位约1周 / B 1-2周 / C 比较中1-2个月 / D 无真实意向"

CUSTOMER_FIELDS = (
    Field("name", "客户姓名", required=True, width=10, aliases=("姓名", "客户名称")),
    Field("gender", "性别", F.ENUM, choices=GENDERS, width=6),
    Field(
        "phone",
        "手机号码",
        F.PHONE,
        required=True,
        width=14,
        hint="11 位手机号，请设为文本格式",
        aliases=("手机号", "手机", "电话号码", "联系电话"),
    ),
    Field(
        "id_number",
        "身份证号",
        F.ID_NUMBER,
        width=20,
        hint="18 位，请设为文本格式",
        aliases=("身份证号码", "身份证"),
    ),
    Field(
        "county",
        "户籍县(市、区)",
        F.COUNTY,
        required=True,
        width=14,
        hint="如 湄潭县",
        aliases=("户籍县", "户籍县(市)", "户籍县市区", "县(市、区)"),
    ),
    Field(
        "township",
        "户籍乡镇",
        F.TOWNSHIP,
        required=True,
        width=12,
        hint="官方乡镇名，如 永兴镇",
        aliases=("户籍乡镇(街道)", "乡镇", "乡镇(街道)"),
    ),
    Field("village", "户籍村(社区)", width=12),
    Field("work_city", "务工城市", width=10),
    Field("employer", "务工单位/工地", width=16),
    Field("occupation", "职业/行业", width=10),
    Field("monthly_income", "月收入", F.NUMBER, choices=INCOME_BUCKETS, width=11, hint="元/月"),
    Field("family_size", "家庭人数", F.INTEGER, width=8),
    Field("project", "意向项目", F.PROJECT, width=16),
    Field("unit_type", "意向户型", width=10),
    Field("area", "意向面积(㎡)", F.NUMBER, width=10),
    Field("budget", "预算总价(万元)", F.NUMBER, width=10),
    Field("payment", "付款方式", F.ENUM, choices=PAYMENT_METHODS, width=10),
    Field("purpose", "置业目的", F.ENUM, choices=PURPOSES, width=10),
    Field("channel", "认知途径", F.ENUM, choices=CHANNELS, width=10),
    Field("grade", "客户等级", F.ENUM, required=True, choices=GRADES, width=8, hint=GRADE_HINT),
    Field("customer_type", "客户类型", F.ENUM, choices=CUSTOMER_TYPES, width=8),
    Field("registered_on", "登记日期", F.DATE, required=True, width=12, hint="如 2026-11-03"),
    Field("status", "状态", F.ENUM, choices=STATUSES, width=8),
    Field("consultant", "置业顾问", required=True, width=10),
    Field("remark", "备注", width=20),
)

FOLLOW_UP_FIELDS = (
    Field("phone", "手机号码", F.PHONE, required=True, width=14),
    Field("date", "跟进日期", F.DATE, required=True, width=12),
    Field("method", "跟进方式", F.ENUM, required=True, choices=FOLLOW_UP_METHODS, width=10),
    Field("content", "跟进内容", required=True, width=40),
    Field("grade_after", "跟进后等级", F.ENUM, choices=GRADES, width=10),
    Field("next_date", "下次跟进日期", F.DATE, future_ok=True, width=12),
    Field("staff", "跟进人", required=True, width=10),
)

CUSTOMERS = TemplateDef(
    kind="customers",
    version=1,
    title="客户档案",
    sheets=(
        Sheet(
            "客户档案",
            values=(BRANCH, REPORTER, CUSTOMER_PERIOD),
            tables=(
                Table("customers", "客户登记", CUSTOMER_FIELDS, ("name", "phone"), blank_rows=200),
            ),
        ),
        Sheet(
            "跟进记录",
            tables=(
                Table(
                    "followups",
                    "跟进记录",
                    FOLLOW_UP_FIELDS,
                    ("phone",),
                    blank_rows=200,
                    optional=True,
                ),
            ),
        ),
    ),
    instructions=(
        "一位客户一行；同一手机号在本表只能出现一次。以乡镇为单位登记：户籍县、户籍乡镇请写官方名称。",
        "可以一直使用同一个工作簿：新增客户往下加行，修改过的内容会更新并保留历史，不会重复入库。",
        "手机号码、身份证号请设为“文本”格式，否则 Excel 会把身份证号后几位变成 0。",
        "跟进记录：每次跟进一行，用手机号码对应客户。",
        "可以调整列的顺序、删去非必填列、加入自己的列；带 * 的列必须有。文件名可以随意改。",
    ),
)

KPI_FIELDS = (
    Field("kpi", "指标", F.ENUM, required=True, choices=KPIS, width=18),
    Field("target", "本月目标", F.NUMBER, width=10),
    Field("actual", "本月完成", F.NUMBER, width=10),
    Field("note", "说明", width=30),
)

PLAN_FIELDS = (
    Field("item", "工作事项", required=True, width=20),
    Field("detail", "具体内容", width=40),
    Field("owner", "责任人", required=True, width=10),
    Field("due", "完成时间", F.DATE, required=True, future_ok=True, width=12),
    Field("involves", "涉及部门/项目", width=18),
)

TARGET_FIELDS = (
    Field("kpi", "指标", F.ENUM, required=True, choices=KPIS, width=18),
    Field("target", "下月目标", F.NUMBER, width=10),
)

MERCHANT_FIELDS = (
    Field("name", "商家名称", required=True, width=20),
    Field("business", "业态", width=10),
    Field("contact", "联系人", width=10),
    Field("phone", "联系电话", F.CONTACT_PHONE, width=14),
    Field("project", "意向项目", F.PROJECT, width=16),
    Field("area", "意向面积(㎡)", F.NUMBER, width=10),
    Field("progress", "洽谈进展", width=30),
)

MONTHLY = TemplateDef(
    kind="monthly",
    version=1,
    title="月度工作总结及下月工作计划",
    sheets=(
        Sheet(
            "本月总结",
            values=(
                BRANCH,
                REPORTER,
                MONTH,
                Field("main_work", "主要工作", F.LONG_TEXT, required=True),
                Field("problems", "存在问题", F.LONG_TEXT),
                Field("causes", "原因分析", F.LONG_TEXT),
                Field("support", "需公司支持", F.LONG_TEXT),
            ),
            tables=(Table("kpis", "本月指标", KPI_FIELDS, ("kpi",), row_labels=KPIS),),
        ),
        Sheet(
            "下月计划",
            tables=(
                Table(
                    "targets", "下月目标", TARGET_FIELDS, ("kpi",), row_labels=KPIS, optional=True
                ),
                Table("plan", "下月工作计划", PLAN_FIELDS, ("item",), blank_rows=15),
            ),
        ),
        Sheet(
            "招商商家",
            tables=(Table("merchants", "招商商家", MERCHANT_FIELDS, ("name",), optional=True),),
        ),
    ),
    instructions=(
        "每月 25 日前报送本月总结及下月计划；28 日 17:00 为月报统计截止时间。",
        "本月总结：在指标表中填写本月目标与本月完成；主要工作等文字写在标签右边的格子里。",
        "下月计划：先填下月各项指标目标，再逐行填写工作事项、责任人和完成时间。",
        "招商商家：本月洽谈的商家，一家一行，随月报一并报送。",
    ),
)

MARKET = TemplateDef(
    kind="market",
    version=1,
    title="市场研究报告",
    sheets=(
        Sheet(
            "市场概况",
            values=(
                BRANCH,
                REPORTER,
                MONTH,
                Field("worker_scale", "务工人员规模估计", required=True, width=30),
            ),
            tables=(
                Table(
                    "sources",
                    "主要来源县/乡镇",
                    (
                        Field("county", "来源县(市、区)", F.COUNTY, required=True, width=14),
                        Field("township", "来源乡镇", F.TOWNSHIP, width=12),
                        Field("estimate", "人数估计", F.INTEGER, width=10),
                        Field("note", "说明", width=30),
                    ),
                    ("county",),
                ),
            ),
        ),
        Sheet(
            "就业与收入",
            tables=(
                Table(
                    "employment",
                    "就业与收入",
                    (
                        Field("industry", "行业", required=True, width=16),
                        Field("estimate", "人数估计", F.INTEGER, width=10),
                        Field("income_range", "月收入区间", choices=INCOME_BUCKETS, width=16),
                        Field("note", "说明", width=30),
                    ),
                    ("industry",),
                    optional=True,
                ),
            ),
        ),
        Sheet(
            "置业意向",
            values=(
                Field("intent_ratio", "意向比例", required=True, width=40),
                Field("intent_places", "意向乡镇/项目", F.LONG_TEXT),
                Field("unit_types", "户型", F.LONG_TEXT),
                Field("areas", "面积", F.LONG_TEXT),
                Field("budgets", "预算", F.LONG_TEXT),
                Field("payments", "付款方式", F.LONG_TEXT),
                Field("timing", "时间", F.LONG_TEXT),
            ),
        ),
        Sheet(
            "同行动态与对策",
            values=(
                Field("competitors", "同行动态", F.LONG_TEXT, required=True),
                Field("suggestions", "对策建议", F.LONG_TEXT, required=True),
            ),
        ),
    ),
    instructions=(
        "《××市场×月份市场研究报告》，每月 28 日前报送，交市场策划部。",
        "市场概况：本责任市场贵州籍务工人员规模，及主要来源县、乡镇。",
        "就业与收入、置业意向、同行动态、对策建议：照各表标签填写。",
    ),
)

WEEKLY = TemplateDef(
    kind="weekly",
    version=1,
    title="营销活动周报",
    sheets=(
        Sheet(
            "营销活动周报",
            values=(BRANCH, REPORTER, WEEK),
            tables=(
                Table(
                    "activities",
                    "本周营销活动",
                    (
                        Field("date", "活动日期", F.DATE, required=True, width=12),
                        Field("name", "活动名称", required=True, width=20),
                        Field("type", "活动类型", F.ENUM, choices=ACTIVITY_TYPES, width=10),
                        Field("place", "地点", required=True, width=16),
                        Field("participants", "参与人数", F.INTEGER, width=8),
                        Field("new_registrations", "新增登记", F.INTEGER, width=8),
                        Field("news", "新闻稿", F.LONG_TEXT, required=True, width=60),
                    ),
                    ("name",),
                ),
            ),
        ),
    ),
    instructions=(
        "每周一报送上一周（ISO 周）的营销活动新闻，交客户服务部。",
        "一次活动一行；推介会请写清到场人数和新增登记人数。",
    ),
)

HQ_BRIEFING = TemplateDef(
    kind="hq_briefing",
    version=1,
    title="总部月度简报",
    sheets=(
        Sheet(
            "销售简报",
            values=(
                Field("branch", "分中心", width=16, hint="总部填写“总部”或留空"),
                REPORTER,
                MONTH,
                Field("sales_brief", "销售简报", F.LONG_TEXT, required=True),
                Field("key_work", "本月重点工作", F.LONG_TEXT, required=True),
            ),
        ),
        Sheet(
            "项目营销节点",
            tables=(
                Table(
                    "nodes",
                    "项目营销节点",
                    (
                        Field("project", "项目", F.PROJECT, required=True, width=18),
                        Field("node", "节点", required=True, width=20),
                        Field("date", "日期", F.DATE, required=True, future_ok=True, width=12),
                        Field("note", "说明", width=40),
                    ),
                    ("project", "node"),
                ),
            ),
        ),
        Sheet(
            "在售物业",
            tables=(
                Table(
                    "properties",
                    "在售物业",
                    (
                        Field("project", "项目", F.PROJECT, required=True, width=18),
                        Field("unit_type", "户型", width=12),
                        Field("area", "面积", width=12),
                        Field("available", "可售套数", F.INTEGER, width=10),
                        Field("price_range", "价格区间", width=16),
                        Field("offers", "优惠政策", width=40),
                    ),
                    ("project",),
                ),
            ),
        ),
    ),
    instructions=(
        "销售管理部每月 2 日前放入 inbox/总部/，供 3 日各分中心例会使用。",
        "销售简报、本月重点工作写在标签右边；项目营销节点、在售物业逐行填写。",
    ),
)

# 需分中心配合: which branches the item asks for help ("全部", "无", or branch names); the
# documents sent to each branch (distribute/) put the items that name it first.
ALL_BRANCHES, NO_BRANCH = "全部", "无"
DEPT_PLAN_FIELDS = (
    Field("item", "工作事项", required=True, width=20),
    Field("detail", "具体内容", width=40, hint="要做什么、需要分中心做什么"),
    Field("due", "完成时间", F.DATE, required=True, future_ok=True, width=12),
    Field(
        "cooperation",
        "需分中心配合",
        required=True,
        width=18,
        hint="写“全部”或分中心名称（多个用顿号分隔，如 东莞、宁波）；不需要写“无”",
        aliases=("需要分中心配合", "分中心配合", "需配合分中心"),
    ),
    Field("projects", "涉及项目", width=18, hint="项目名称，可写多个"),
    Field(
        "contact",
        "联系人/电话",
        width=20,
        hint="分中心找谁对接，如 张伟 13900001111",
        aliases=("联系人", "联系人及电话", "联系人电话", "联系电话"),
    ),
)

DEPT_PLAN = TemplateDef(
    kind="dept_plan",
    version=1,
    title="部门月度工作计划",
    sheets=(
        Sheet(
            "工作计划",
            values=(
                Field(
                    "branch",
                    "部门/项目",
                    required=True,
                    width=16,
                    hint="部门或项目营销部名称，与所在文件夹一致",
                    aliases=("部门", "部门名称", "填报部门", "项目营销部", "分中心"),
                ),
                REPORTER,
                Field(
                    "period",
                    "报告期",
                    F.PERIOD,
                    required=True,
                    width=12,
                    hint="报送的月份，如 2026-11（11 月 28 日前报 12 月的计划）",
                ),
            ),
            tables=(Table("items", "下月工作计划", DEPT_PLAN_FIELDS, ("item",), blank_rows=20),),
        ),
    ),
    instructions=(
        "各部门、各项目营销部每月 28 日前报送下月工作计划，与各分中心的月度计划互换"
        "（制度“部门流程”）；报告期填报送的月份：11 月 28 日前报 12 月的计划，"
        "报告期填 2026-11。",
        "一项工作一行：项目营销节点、在售物业变化、招商动态、客户服务安排等，"
        "分中心需要知道的事都可以写。",
        "需分中心配合：需要哪些分中心配合就写哪些（“全部”或分中心名称，多个用顿号分隔），"
        "不需要写“无”；下发给每个分中心的工作计划里，点名该分中心的事项排在最前面。",
        "填好后放入本部门（或本项目营销部）的报送文件夹，下月初随例会资料下发到各分中心。",
    ),
)

TEMPLATES: dict[str, TemplateDef] = {
    t.kind: t for t in (CUSTOMERS, MONTHLY, MARKET, WEEKLY, HQ_BRIEFING, DEPT_PLAN)
}

KIND_NAMES = {
    "customers": "客户档案",
    "monthly": "月度工作总结及下月工作计划",
    "market": "市场研究报告",
    "weekly": "营销活动周报",
    "hq_briefing": "总部月度简报",
    "dept_plan": "部门月度工作计划",
    "unknown": "无法识别",
}
