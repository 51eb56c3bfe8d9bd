"""Jinja filters: moments in the company's time zone, masked phones, Chinese names of codes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment

from branchflow.archive.protection import rule_text
from branchflow.config import Settings
from branchflow.templates.definitions import CUSTOMER_FIELDS, KIND_NAMES
from branchflow.validate.normalize import mask_phone

STATUS_NAMES = {"accepted": "已入库", "rejected": "已退回", "duplicate": "重复"}
FIELD_TITLES = {f.key: f.title.rstrip("*") for f in CUSTOMER_FIELDS} | {
    "owner_branch": "归属分中心"
}
HISTORY_SOURCES = {"registration": "客户档案", "followup": "跟进记录", "ruling": "销售管理部裁定"}
AUDIT_ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "login_limited": "登录被限制",
    "logout": "退出",
    "download": "下载",
    "full_phone": "查看完整手机号",
    "ruling": "撞单裁定",
    "render": "重新生成文档",
}


def install(environment: Environment, settings: Settings) -> None:
    tz = settings.timezone

    def moment(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "" if value is None else value.astimezone(tz).strftime(fmt)

    def day(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(tz).date()
        return value.isoformat()

    environment.filters.update(
        moment=moment,
        day=day,
        masked=lambda phone: mask_phone(str(phone)) if phone else "",
        kind_name=lambda kind: KIND_NAMES.get(kind or "unknown", kind),
        status_name=lambda status: STATUS_NAMES.get(status, status),
        field_title=lambda key: FIELD_TITLES.get(key, key),
        action_name=lambda action: AUDIT_ACTIONS.get(action, action),
        blank=_blank,
        history_source=lambda source: HISTORY_SOURCES.get(source, ""),
    )
    environment.globals["protection_rule"] = rule_text(settings.protection)


def _blank(value: Any, fallback: str = "—") -> Any:
    return fallback if value is None or value == "" else value
