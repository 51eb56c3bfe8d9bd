"""The catalogue of issue codes: one severity and one Chinese message template per code.

A message says what is wrong and how to fix it. Templates use `str.format` fields; `field` is
always available (the column title or label). Messages never repeat a full ID number.
"""

from __future__ import annotations

from typing import Any

from branchflow.validate.issues import Issue, Severity

E: Severity = "error"
W: Severity = "warning"

CODES: dict[str, tuple[Severity, str]] = {
    "template.unknown": (
        E,
        "无法识别这个工作簿是哪一种报表：请从“空白模板”文件夹取模板重新填写",
    ),
    "required.missing": (E, "“{field}”是必填项，但这里是空的：请补填"),
    "reporter.blank": (
        W,
        "“{field}”没有填写：客户已按每行的置业顾问登记；以后请在这里写上填表人姓名",
    ),
    "branch.mismatch": (
        W,
        "表中分中心写的是“{value}”，而文件放在“{branch}”文件夹里：以文件夹为准，已按“{branch}”登记",
    ),
    "period.invalid": (E, "报告期“{value}”无法识别：请填写{expected}"),
    "period.wrong_kind": (E, "报告期“{value}”是{got}，本表应填写{expected}"),
    "period.kept": (
        W,
        "报告期“{value}”不是月份，已按本月（{period}）登记：本表可不填报告期，或填月份如 2026-11",
    ),
    "period.future": (W, "报告期 {value} 还没到（今天是 {today}）：请核对是否填错"),
    "phone.invalid": (
        E,
        "{field}“{value}”不是有效的 11 位手机号，请核对后重填（可带 +86，不要多填或少填数字）",
    ),
    "phone.masked": (
        W,
        "{field}“{value}”中间打了星号：已按前三后四登记，能取得完整号码时请补全",
    ),
    "phone.duplicate_in_file": (
        E,
        "第 {row} 行与第 {first_row} 行的{field}“{value}”重复：同一客户只能登记一行，"
        "请合并或删掉其中一行",
    ),
    "contact_phone.invalid": (
        E,
        "{field}“{value}”不像手机号或座机号：手机填 11 位，座机填区号加号码，如 0769-22334455",
    ),
    "id.stored_as_number": (
        E,
        "身份证号被 Excel 存成了数字，后几位已丢失：请把该列设为“文本”格式后重新输入",
    ),
    "id.format": (
        E,
        "身份证号应为 18 位（17 位数字加最后一位数字或 X），这里是 {length} 个字符："
        "请对照身份证重填",
    ),
    "id.checksum": (E, "身份证号校验不通过（有一位抄错了）：请对照身份证重新填写"),
    "id.birth_date": (
        E,
        "身份证号里的出生日期（第 7 至 14 位）不是有效日期或晚于今天：请对照身份证核对",
    ),
    "date.invalid": (
        E,
        "{field}“{value}”不是日期：请填写如 2026-11-03、2026/11/3 或 2026年11月3日",
    ),
    "date.future": (E, "{field} {value} 晚于今天（{today}）：请核对年月日"),
    "date.outside_period": (
        W,
        "{field} {value} 不在报告期 {period}（{start} 至 {end}）内：请核对日期或报告期",
    ),
    "number.invalid": (
        E,
        "{field}“{value}”不是数字：请只填一个数字（不要写范围、文字或百分号）",
    ),
    "number.unit": (
        E,
        "{field}“{value}”带了单位“{unit}”，而本列{expected}：请按本列单位换算后只填数字",
    ),
    "number.not_integer": (E, "{field}“{value}”不是整数：本列只能填整数"),
    "number.negative": (E, "{field}“{value}”是负数：本列不能为负，请核对"),
    "number.too_large": (E, "{field}“{value}”大得不合常理：请核对是否多打了数字"),
    "number.range_in_count": (E, "{field}“{value}”是一个范围：本列只能填一个整数"),
    "number.converted": (W, "“{value}”已按{reading}登记"),
    "number.range": (W, "“{value}”已按{reading}登记{basis}"),
    "number.kept": (W, "“{value}”{why}，已按原文保存（不计入统计）：{how}"),
    "number.unit_kept": (
        W,
        "“{value}”带了单位“{unit}”，而本行指标{expected}：已按原文保存（不计入统计）",
    ),
    "date.kept": (W, "“{value}”不是日期，已按原文保存：请填写如 2026-11-03 或 2026年11月3日"),
    "contact_phone.kept": (
        W,
        "“{value}”不像手机号或座机号，已按原文保存：手机填 11 位，座机填区号加号码",
    ),
    "enum.synonym": (W, "“{value}”已按“{canonical}”登记"),
    "enum.kept": (
        W,
        "“{value}”不是{field}的可选值，已按原文保存，统计时计入“其他”（可选：{choices}）",
    ),
    "enum.other": (
        W,
        "“{value}”不是{field}的可选值，已按“其他”登记，原文已保存（可选：{choices}）",
    ),
    "project.kept": (
        W,
        "“{value}”不是公司在售项目，已按原文保存（在售项目：{choices}）",
    ),
    "enum.invalid": (
        E,
        "“{value}”不是“{field}”的可选值：请从下拉列表中选择（{choices}）",
    ),
    "project.unknown": (
        E,
        "{field}“{value}”不是公司在售项目：请从下拉列表中选择（{choices}）",
    ),
    "kpi.duplicate": (
        E,
        "指标“{value}”在第 {first_row} 行已经填过：每个指标只填一行，请合并",
    ),
    "county.unknown": (
        E,
        "“{value}”不是{province}的县(市、区)：请填写官方全称{hint}",
    ),
    "county.short_name": (W, "{field}“{value}”已按“{canonical}”登记：以后请填写全称"),
    "county.out_of_scope": (
        W,
        "{value}不在本中心负责的县(市、区)范围内（{scope}）：请核对{field}",
    ),
    "township.unknown": (
        E,
        "{county}没有“{value}”这个乡镇：请按民政部公布的官方名称填写县和乡镇{hint}",
    ),
    "township.short_name": (
        W,
        "{field}“{value}”已按“{canonical}”登记：以后请填写全称（带镇、乡或街道）",
    ),
    "county.former_name": (W, "{field}“{value}”是旧称，现为“{canonical}”，已按新名称登记"),
    "township.former_name": (W, "{field}“{value}”现名“{canonical}”，已按新名称登记"),
    "township.in_other_county": (
        E,
        "{county}没有“{value}”这个乡镇；{other_county}有“{other}”：请核对县和乡镇是否填对{hint}",
    ),
}


class _Params(dict[str, Any]):
    """A missing template parameter reads as empty rather than failing the whole validation."""

    def __missing__(self, key: str) -> str:
        return ""


def make_issue(code: str, sheet: str, cell: str, field: str, **params: Any) -> Issue:
    """Build the Issue for a catalogue code; `params` fill the code's message template."""
    severity, template = CODES[code]
    message = template.format_map(_Params(field=field, **params))
    return Issue(code, message, sheet=sheet, cell=cell, field=field, severity=severity)


# Warnings that say a value was read other than as written (the receipt lists them together,
# once per distinct value), and warnings that say a value was kept as written.
CORRECTION_CODES = frozenset(
    {"enum.synonym", "enum.other", "number.converted", "number.range", "county.short_name",
     "township.short_name", "county.former_name", "township.former_name"}
)  # fmt: skip
KEPT_CODES = frozenset(
    {"enum.kept", "project.kept", "number.kept", "number.unit_kept", "date.kept",
     "contact_phone.kept"}
)  # fmt: skip
