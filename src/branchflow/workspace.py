"""Create a workspace (`branchflow init`) and (re)generate its blank Excel templates."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from xlsxwriter.exceptions import XlsxWriterException

from branchflow.config import (
    BLANKS_DIR,
    CONFIG_NAME,
    DISTRIBUTION_DIR,
    GUIDE_FILE,
    RECEIPTS_DIR,
    SAMPLE_CONFIG,
    Deadline,
    Settings,
    load_settings,
)
from branchflow.errors import WorkspaceError
from branchflow.reports.word_templates import install_word_templates
from branchflow.templates.definitions import KIND_NAMES, TEMPLATES, TemplateDef
from branchflow.templates.xlsx import DEFAULT_COMPANY, write_template

BRANCH_KINDS = ("customers", "monthly", "market", "weekly")
HQ_KINDS = ("hq_briefing",)
PLANNER_KINDS = ("dept_plan",)
WEEKDAYS = "一二三四五六日"
README_NAME = GUIDE_FILE
DEMO_MARKER = ".branchflow-demo"  # in store/: this workspace was made by `branchflow demo`


def create_workspace(target: Path) -> Settings:
    """Write the sample branchflow.toml into `target` and build the folders and blank templates."""
    config = target / CONFIG_NAME
    if config.exists():
        raise WorkspaceError(
            f"{config} 已存在，未做任何改动；如要重建工作区，请先删除或改名这个文件，"
            f"或换一个空文件夹运行 branchflow init"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE_CONFIG, config)
    except OSError as exc:
        raise WorkspaceError(f"无法在 {target} 创建工作区：{exc}；请检查路径和写入权限") from exc
    settings = load_settings(target)
    build_workspace(settings)
    return settings


def build_workspace(settings: Settings) -> None:
    """Create whatever folders are missing and (re)write the templates, blanks and READMEs."""
    folders = [
        settings.archive_dir,
        settings.reports_dir,
        settings.store_dir,
        settings.templates_dir / "excel",
        settings.templates_dir / "word",
    ]
    for owner in settings.drop_folders:
        folders += [settings.inbox / owner / RECEIPTS_DIR, settings.inbox / owner / BLANKS_DIR]
    for folder in folders:
        _mkdir(folder)
    generate_templates(settings.templates_dir / "excel", settings.project_names, settings.company)
    generate_blanks(settings)
    install_word_templates(settings.templates_dir / "word")
    for branch in settings.branch_names:
        _write_readme(settings.inbox / branch, branch_readme(branch, settings))
    _write_readme(settings.inbox / settings.hq_folder, hq_readme(settings))
    for planner in settings.planners:
        _write_readme(settings.inbox / planner, planner_readme(planner, settings))


def prepare_demo_workspace(target: Path) -> Settings:
    """A workspace for `branchflow demo`: created when missing, an earlier demo's results cleared.

    Only a workspace an earlier demo made (it carries a marker in store/) is ever cleared; one
    holding real drops or a store is refused, so the demo never deletes real data.
    """
    if not (target / CONFIG_NAME).exists():
        settings = create_workspace(target)
    else:
        settings = load_settings(target)
        if (settings.store_dir / DEMO_MARKER).is_file():
            _clear_demo(settings)
        elif _holds_data(settings):
            raise WorkspaceError(
                f"{settings.workspace} 已有报送文件或档案库，示例不会覆盖它；"
                f"请换一个空文件夹运行 branchflow demo DIR"
            )
        build_workspace(settings)
    try:
        (settings.store_dir / DEMO_MARKER).write_text("branchflow demo\n", encoding="utf-8")
    except OSError as exc:
        raise WorkspaceError(f"无法写入 {settings.store_dir}：{exc}；请检查写入权限") from exc
    return settings


def generate_templates(
    templates_dir: Path, projects: Sequence[str], company: str = DEFAULT_COMPANY
) -> list[Path]:
    """Write `<templates_dir>/<title>.xlsx` for every kind (templates_dir is templates/excel/)."""
    _mkdir(templates_dir)
    paths = []
    for definition in TEMPLATES.values():
        path = templates_dir / f"{definition.title}.xlsx"
        _write_atomically(definition, path, projects, company)
        paths.append(path)
    return paths


def generate_blanks(settings: Settings) -> list[Path]:
    """Pre-filled blanks in every drop folder's 空白模板/: a branch's four kinds, HQ's briefing,
    a department's or project 营销部's monthly work plan."""
    owners: list[tuple[str, tuple[str, ...]]] = [(b, BRANCH_KINDS) for b in settings.branch_names]
    owners.append((settings.hq_folder, HQ_KINDS))
    owners += [(p, PLANNER_KINDS) for p in settings.planners]
    paths = []
    for owner, kinds in owners:
        folder = settings.inbox / owner / BLANKS_DIR
        _mkdir(folder)
        for kind in kinds:
            definition = TEMPLATES[kind]
            path = folder / blank_name(definition, owner)
            _write_atomically(definition, path, settings.project_names, settings.company, owner)
            paths.append(path)
    return paths


def blank_name(definition: TemplateDef, owner: str) -> str:
    """File name of a pre-filled blank, e.g. 客户档案-东莞分中心.xlsx."""
    return f"{definition.title}-{owner}.xlsx"


def branch_readme(branch: str, settings: Settings) -> str:
    """The Chinese note in a branch's drop folder: what to fill, where to drop, where to look."""
    kinds = "、".join(KIND_NAMES[k] for k in BRANCH_KINDS)
    deadlines = [
        f"  · {KIND_NAMES[d.kind]}：{describe_deadline(d)}"
        for d in settings.calendar
        if d.kind in BRANCH_KINDS
    ]
    return "\n".join(
        [
            f"{branch} 报送文件夹 使用说明（{settings.company}）",
            "",
            f"1. 打开“{BLANKS_DIR}”文件夹，复制需要的模板（{kinds}），分中心名称已经填好。",
            "2. 照第一页“填写说明”填写，带 * 的必须填；保存为 .xlsx，文件名可以随意改。",
            f"3. 把填好的文件放到本文件夹（{branch}）里，"
            f"不要放进“{RECEIPTS_DIR}”或“{BLANKS_DIR}”。",
            f"4. 几秒钟后到“{RECEIPTS_DIR}”文件夹看结果：通过的有一份回执；有错误的整份退回，",
            "   退回的工作簿第一页“错误清单”写明哪个格子错了、怎么改，改好后重新放入本文件夹即可。",
            "5. 客户档案可以一直用同一个工作簿往下加行，每次放入新的版本，不会重复入库。",
            f"6. 总部和各部门、各项目营销部发给本分中心的资料在“{DISTRIBUTION_DIR}”文件夹里，"
            "按月份分开（如 下发/2026-11/）：",
            "   总部月度简报、例会资料、部门及项目工作计划、本分中心档案；",
            "   每次更新写在其中的“下发说明.txt”里。",
            "",
            "报送时间：",
            "  · 客户档案：随时报送",
            *deadlines,
            "",
        ]
    )


def hq_readme(settings: Settings) -> str:
    """The note in HQ's drop folder."""
    due = next(describe_deadline(d) for d in settings.calendar if d.kind == "hq_briefing")
    return "\n".join(
        [
            f"{settings.hq_folder} 报送文件夹 使用说明（{settings.company}）",
            "",
            f"1. 销售管理部从“{BLANKS_DIR}”复制“总部月度简报”，照“填写说明”填写并保存。",
            f"2. 放入本文件夹，{due}；各分中心例会资料会用到它，简报本身（Word，装有 LibreOffice 时"
            f"另附 PDF）也会放进每个分中心的“{DISTRIBUTION_DIR}/<月份>/”文件夹。",
            f"3. 到“{RECEIPTS_DIR}”文件夹查看回执；有错误的整份退回，第一页写明如何改正。",
            "",
        ]
    )


def planner_readme(owner: str, settings: Settings) -> str:
    """The note in a department's or project 营销部's drop folder."""
    due = next(describe_deadline(d) for d in settings.calendar if d.kind == "dept_plan")
    return "\n".join(
        [
            f"{owner} 报送文件夹 使用说明（{settings.company}）",
            "",
            f"1. 从“{BLANKS_DIR}”复制“部门月度工作计划”（名称已经填好），照“填写说明”填写：",
            "   一项工作一行；需要哪些分中心配合写在“需分中心配合”一栏",
            "   （“全部”、分中心名称，或“无”）。",
            f"2. {due}放入本文件夹（{owner}），报告期填报送的月份，内容是下月的工作计划。",
            f"3. 几秒钟后到“{RECEIPTS_DIR}”文件夹看回执；有错误的整份退回，第一页写明如何改正。",
            "4. 收到的计划汇编成“部门及项目工作计划”，下发到每个分中心文件夹的“下发/<月份>/”里，",
            "   点名某个分中心配合的事项在该分中心那一份里排在最前面。",
            "",
        ]
    )


def describe_deadline(deadline: Deadline) -> str:
    """A deadline in plain Chinese, e.g. 每月25日 23:59 前（28日 17:00 统计截止）."""
    clock = deadline.at.strftime("%H:%M")
    if deadline.weekday is not None:
        return f"每周{WEEKDAYS[deadline.weekday - 1]} {clock} 前，报上一周"
    text = f"每月{deadline.day}日 {clock} 前"
    if deadline.final_day is not None and deadline.final_time is not None:
        text += f"（{deadline.final_day}日 {deadline.final_time.strftime('%H:%M')} 统计截止）"
    if deadline.meeting_day is not None:
        text += f"（{deadline.meeting_day}日例会）"
    return text


def _holds_data(settings: Settings) -> bool:
    """Anything a real workspace would not want lost: a store, drops, receipts, outputs."""
    if any(settings.store_dir.glob("*")) or any(settings.outbox.rglob("*.*")):
        return True
    return any(_demo_output(settings))


def _demo_output(settings: Settings) -> list[Path]:
    """Drops and receipts in the inbox folders (not the blanks, not the READMEs)."""
    found: list[Path] = []
    for owner in settings.drop_folders:
        folder = settings.inbox / owner
        if folder.is_dir():
            found += [p for p in folder.iterdir() if p.is_file() and p.name != README_NAME]
            for answers in (folder / RECEIPTS_DIR, folder / DISTRIBUTION_DIR):
                found += list(answers.iterdir()) if answers.is_dir() else []
    return found


def _clear_demo(settings: Settings) -> None:
    try:
        for path in _demo_output(settings):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        for folder in (settings.store_dir, settings.archive_dir, settings.reports_dir):
            shutil.rmtree(folder, ignore_errors=True)
    except OSError as exc:
        raise WorkspaceError(
            f"无法清理上一次示例的文件：{exc}；请关闭正在打开的文件后重试"
        ) from exc


def _write_atomically(
    definition: TemplateDef,
    path: Path,
    projects: Sequence[str],
    company: str,
    branch: str | None = None,
) -> None:
    # A half-written blank must never replace a good one; staff may have the old one open.
    temp = path.with_name(f".{path.stem}.tmp.xlsx")
    try:
        write_template(definition, temp, projects=projects, branch=branch, company=company)
        temp.replace(path)
    except (OSError, XlsxWriterException) as exc:
        temp.unlink(missing_ok=True)
        raise WorkspaceError(
            f"无法写入 {path}：{exc}；如果它正在 Excel/WPS 中打开，请关闭后重试"
        ) from exc


def _write_readme(folder: Path, text: str) -> None:
    # UTF-8 with BOM and CRLF so that every Windows Notepad shows the Chinese correctly.
    try:
        (folder / README_NAME).write_text(text, encoding="utf-8-sig", newline="\r\n")
    except OSError as exc:
        raise WorkspaceError(f"无法写入 {folder / README_NAME}：{exc}；请检查写入权限") from exc


def _mkdir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"无法创建文件夹 {folder}：{exc}；请检查路径和写入权限") from exc
