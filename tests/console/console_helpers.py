"""A small company for console tests: staff-made workbooks ingested by the real pipeline
(a 撞单 between 东莞 and 宁波, a rejected drop, a monthly summary), and one account per role."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from branchflow.archive.store import Archive
from branchflow.config import Settings, load_settings
from branchflow.console.accounts import add_user
from branchflow.pipeline import ingest
from branchflow.workspace import create_workspace
from builders import customers_workbook, make_workbook

TZ = ZoneInfo("Asia/Shanghai")
NOW = "2026-11-26T09:30"
DG, NB = "东莞分中心", "宁波分中心"
SHARED_PHONE = "13812345678"  # registered by 东莞 on 11-03, by 宁波 on 11-20: a 撞单
PASSWORDS = {
    "admin": "admin-pass-1",
    "zhangmin": "sales-pass-1",
    "dongguan": "dg-pass-12",
    "ningbo": "nb-pass-12",
    "shichang": "dept-pass-1",
}
ROLES = {
    "admin": ("admin", None),
    "zhangmin": ("sales", None),
    "dongguan": ("branch", DG),
    "ningbo": ("branch", NB),
    "shichang": ("department", "市场策划部"),
}


def settings_for(workspace: Path) -> Settings:
    return load_settings(workspace, now=NOW)


def build_workspace(target: Path) -> Settings:
    """The sample company with three drop rounds ingested as they came in."""
    create_workspace(target)
    settings = settings_for(target)
    rounds = [
        (
            datetime(2026, 11, 5, 18, 30),
            {
                DG: {
                    "东莞客户登记表.xlsx": customers_workbook(
                        [
                            (
                                "张三",
                                float(SHARED_PHONE),
                                "湄潭县",
                                "永兴镇",
                                "A",
                                "2026-11-03",
                                "罗明",
                            ),
                            (
                                "李四",
                                "13900001111",
                                "湄潭县",
                                "复兴镇",
                                "B",
                                "2026年11月4日",
                                "罗明",
                            ),
                            ("王五", "13700002222", "凤冈县", "琊川镇", "C", "2026/11/4", "罗明"),
                        ]
                    )
                }
            },
        ),
        (
            datetime(2026, 11, 21, 16, 30),
            {
                NB: {
                    "宁波新客户.xlsx": customers_workbook(
                        [
                            ("张三", SHARED_PHONE, "湄潭县", "永兴镇", "B", "2026-11-20", "田秀英"),
                            (
                                "赵六",
                                "15000003333",
                                "湄潭县",
                                "永兴镇",
                                "A",
                                "2026-11-20",
                                "田秀英",
                            ),
                        ]
                    )
                },
                DG: {
                    "东莞补登.xlsx": customers_workbook(
                        [("钱七", "1380000", "湄潭县", "永兴镇", "A", "2026-11-20", "罗明")]
                    )
                },
            },
        ),
    ]
    with Archive.open(settings) as archive:
        for at, folders in rounds:
            for folder, drops in folders.items():
                for name, data in drops.items():
                    (settings.inbox / folder / name).write_bytes(data)
            moment = dataclasses.replace(settings, now_override=at.replace(tzinfo=TZ))
            ingest(moment, archive)
    for name, (role, scope) in ROLES.items():
        add_user(settings, name, role, scope, PASSWORDS[name])
    return settings


def copy_workspace(source: Path, target: Path) -> Settings:
    shutil.copytree(source, target)
    return settings_for(target)


def not_a_workbook() -> bytes:
    return make_workbook({"Sheet1": [("随便写的",)]})


def login(client: TestClient, name: str, password: str | None = None) -> TestClient:
    """Log in through the form as a person does (the login page's CSRF token first)."""
    page = client.get("/login")
    token = csrf_of(page.text)
    answer = client.post(
        "/login",
        data={"username": name, "password": password or PASSWORDS[name], "csrf": token},
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)
