"""Departments and project 营销部 file a monthly work plan: their folders, what each folder takes,
the archive, their rows in the submission matrix, and the config that names them."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from branchflow.archive.store import Archive
from branchflow.calendar import submission_matrix
from branchflow.config import BLANKS_DIR, RECEIPTS_DIR, Settings, parse_settings
from branchflow.errors import ConfigError
from branchflow.pipeline import FileOutcome, ingest
from branchflow.sample.fill import Filling, fill_template
from branchflow.templates.definitions import TEMPLATES
from branchflow.workspace import create_workspace

DEPT, PROJECT, BRANCH, HQ = "市场策划部", "湄江府营销部", "东莞分中心", "总部"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return create_workspace(tmp_path / "ws")


def at(settings: Settings, text: str) -> Settings:
    moment = datetime.fromisoformat(text).replace(tzinfo=settings.timezone)
    return dataclasses.replace(settings, now_override=moment)


def plan(owner: str, period: str = "2026-11", **item: Any) -> Filling:
    row = {"item": "二期开盘", "detail": "邀约 A/B 类客户返乡看房", "due": date(2026, 12, 18),
           "cooperation": "全部", "contact": "李娜 13908510001", **item}  # fmt: skip
    return Filling("dept_plan", {"branch": owner, "reporter": "张伟", "period": period},
                   {"items": [row]})  # fmt: skip


def drop(settings: Settings, folder: str, filling: Filling, blank_of: str | None = None) -> None:
    """Fill the blank pre-filled for `blank_of` (default: the folder's own) and drop it."""
    owner = blank_of or folder
    blank = settings.inbox / owner / BLANKS_DIR / f"{TEMPLATES[filling.kind].title}-{owner}.xlsx"
    (settings.inbox / folder / f"{filling.kind}.xlsx").write_bytes(fill_template(blank, filling))


def run(settings: Settings, when: str) -> list[FileOutcome]:
    now = at(settings, when)
    with Archive.open(now) as archive:
        return [o for o in ingest(now, archive).outcomes if o.status != "ignored"]


def test_every_department_and_project_has_a_drop_folder(settings: Settings) -> None:
    assert settings.planners == (
        "市场策划部", "客户服务部", "招商管理部",  # 销售管理部 files through 总部 (plans = false)
        "湄江府营销部", "凤冈城营销部", "余庆名苑营销部", "绥阳尚城营销部", "正安花园营销部",
        "习水温泉小镇营销部",
    )  # fmt: skip
    for owner in settings.planners:
        folder = settings.inbox / owner
        assert (folder / RECEIPTS_DIR).is_dir()
        blank = folder / BLANKS_DIR / f"部门月度工作计划-{owner}.xlsx"
        book = openpyxl.load_workbook(blank)
        assert book.sheetnames == ["填写说明", "工作计划"]
        assert book["工作计划"]["B2"].value == owner
        headers = [c.value for c in book["工作计划"][7] if c.value]
        assert headers == ["工作事项*", "具体内容", "完成时间*", "需分中心配合*", "涉及项目",
                           "联系人/电话"]  # fmt: skip
        assert "28日" in (folder / "使用说明.txt").read_text(encoding="utf-8-sig")
    assert not (settings.inbox / "销售管理部").exists()


def test_a_plan_from_its_own_folder_is_archived(settings: Settings) -> None:
    drop(settings, PROJECT, plan(PROJECT, cooperation="东莞、宁波"))
    [outcome] = run(settings, "2026-11-27T10:00")
    assert (outcome.status, outcome.kind, outcome.period, outcome.rows) == (
        "accepted", "dept_plan", "2026-11", 1,
    )  # fmt: skip
    assert outcome.receipt and outcome.receipt.startswith(f"inbox/{PROJECT}/回执/")
    with Archive.open(settings) as archive:
        [report] = archive.reports("dept_plan", "2026-11")
    assert (report.branch, report.values["reporter"]) == (PROJECT, "张伟")
    assert report.tables["items"] == [
        {"item": "二期开盘", "detail": "邀约 A/B 类客户返乡看房", "due": date(2026, 12, 18),
         "cooperation": "东莞、宁波", "projects": None, "contact": "李娜 13908510001"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("folder", "filling", "blank_of", "message"),
    [
        (
            BRANCH,
            plan(BRANCH),
            DEPT,
            "部门月度工作计划请放入本部门（或本项目营销部）的报送文件夹，如 inbox/市场策划部/，"
            "不要放在分中心文件夹",
        ),
        (
            DEPT,
            Filling("weekly", {"branch": DEPT, "reporter": "罗明", "period": "2026-W47"}, {}),
            BRANCH,
            "“市场策划部”文件夹只接收部门月度工作计划：分中心的报表请放入本分中心的文件夹",
        ),
        (
            PROJECT,
            Filling("hq_briefing", {"period": "2026-11"}, {}),
            HQ,
            "“湄江府营销部”文件夹只接收部门月度工作计划：总部月度简报请放入 inbox/总部/ 文件夹",
        ),
        (
            HQ,
            plan(HQ),
            DEPT,
            "“总部”文件夹只接收总部月度简报：部门月度工作计划请放入本部门（或本项目营销部）的"
            "报送文件夹，如 inbox/市场策划部/",
        ),
    ],
    ids=["plan-in-branch", "weekly-in-department", "briefing-in-project", "plan-in-hq"],
)
def test_a_workbook_in_the_wrong_folder_is_rejected_saying_where(
    settings: Settings, folder: str, filling: Filling, blank_of: str, message: str
) -> None:
    drop(settings, folder, filling, blank_of)
    [outcome] = run(settings, "2026-11-27T10:00")
    assert outcome.status == "rejected"
    assert [(e.code, e.message) for e in outcome.errors] == [("kind.wrong_folder", message)]
    with Archive.open(settings) as archive:
        assert archive.reports("dept_plan", "2026-11") == []


def test_departments_are_rows_of_the_matrix(settings: Settings) -> None:
    drop(settings, DEPT, plan(DEPT))
    drop(settings, PROJECT, plan(PROJECT))
    run(settings, "2026-11-27T10:00")
    drop(settings, "客户服务部", plan("客户服务部"))
    run(settings, "2026-11-29T09:30")  # 33.5 hours after the 28th 23:59
    matrix = submission_matrix(at(settings, "2026-12-01T09:00"), "2026-11")
    plans = {s.branch: s for s in matrix if s.deliverable == "dept_plan"}
    assert list(plans) == list(settings.planners)
    assert [s.branch for s in matrix][-1] == HQ  # HQ's briefing still last
    assert (plans[DEPT].state, plans["客户服务部"].state, plans["招商管理部"].state) == (
        "on_time", "late", "missing",
    )  # fmt: skip
    assert plans["客户服务部"].late_hours == 9.5
    assert plans[DEPT].as_json()["due"] == "2026-11-28T23:59:00+08:00"


def test_status_json_names_departments_in_branch(settings: Settings) -> None:
    drop(settings, DEPT, plan(DEPT))
    run(settings, "2026-11-27T10:00")
    src = str(Path(__file__).parents[1] / "src")
    env = {**os.environ, "BRANCHFLOW_NOW": "2026-12-01T09:00", "PYTHONPATH": src}
    done = subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(settings.workspace), "status",
         "--period", "2026-11", "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [r for r in json.loads(done.stdout) if r["deliverable"] == "dept_plan"]
    assert [r["branch"] for r in rows] == list(settings.planners)
    assert rows[0] == {
        "branch": DEPT, "deliverable": "dept_plan", "period": "2026-11",
        "due": "2026-11-28T23:59:00+08:00", "submitted_at": "2026-11-27T10:00:00+08:00",
        "state": "on_time", "late_hours": None, "past_cutoff": False, "due_passed": True,
    }  # fmt: skip
    table = subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(settings.workspace), "status",
         "--period", "2026-11"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    ).stdout  # fmt: skip
    assert "部门/项目           部门月度工作计划" in table
    assert "市场策划部          按时" in table


def _config(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "branches": [{"name": BRANCH, "city": "东莞市"}],
        "projects": [{"name": "黔龙阳光·湄江府", "town": "湄江街道"}],
        "departments": [{"name": DEPT}],
    }
    return {**raw, **changes}


def test_names_default_and_clash(tmp_path: Path) -> None:
    settings = parse_settings(_config(), tmp_path)
    assert settings.planners == (DEPT, "湄江府营销部")
    assert settings.drop_folders == (BRANCH, HQ, DEPT, "湄江府营销部")
    quiet = _config(projects=[{"name": "黔龙阳光·湄江府", "town": "湄江街道", "marketing": ""}])
    assert parse_settings(quiet, tmp_path).planners == (DEPT,)
    clash = _config(departments=[{"name": BRANCH}])
    with pytest.raises(ConfigError, match="部门名称“东莞分中心”与分中心重名"):
        parse_settings(clash, tmp_path)
    reserved = _config(projects=[{"name": "甲", "town": "湄江街道", "marketing": "下发"}])
    with pytest.raises(ConfigError, match="自用的子文件夹名"):
        parse_settings(reserved, tmp_path)
    unsafe = _config(projects=[{"name": "甲", "town": "湄江街道", "marketing": "营销/部"}])
    with pytest.raises(ConfigError, match="不能用于文件夹名"):
        parse_settings(unsafe, tmp_path)
    with pytest.raises(ConfigError, match=r"\[distribution\] items"):
        parse_settings(_config(distribution={"items": ["archive", "everything"]}), tmp_path)
    dated = parse_settings(_config(calendar={"dept_plan": {"day": 27, "time": "17:00"}}), tmp_path)
    rule = next(d for d in dated.calendar if d.kind == "dept_plan")
    assert (rule.day, f"{rule.at:%H:%M}") == (27, "17:00")
