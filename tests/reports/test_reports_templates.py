"""Word templates: installed once and then HQ's; `templates --check`; a broken edit; the config."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from report_helpers import (
    A_CUSTOMERS,
    A_FOLLOWUPS,
    B_CUSTOMERS,
    FILED,
    MEIJIANG,
    A,
    B,
    all_text,
    at,
    drop,
    headings,
    make_workspace,
    open_doc,
    paragraphs,
    rows_of,
    table_with,
)

from branchflow.archive.store import Archive
from branchflow.config import Department, Settings
from branchflow.errors import BranchflowError, ConfigError
from branchflow.pipeline import ingest
from branchflow.reports import install_word_templates, render_period
from branchflow.reports.check import check_word_templates
from branchflow.reports.word_templates import BUILDERS
from branchflow.sample.fill import Filling

ROOT = Path(__file__).parents[2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    made = make_workspace(tmp_path / "ws", company="黔龙阳光地产营销中心")
    install_word_templates(made.templates_dir / "word")
    return made


def edit(path: Path, *lines: str) -> None:
    """What HQ might type into a template in Word."""
    document = docx.Document(str(path))
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))


def test_install_writes_every_template_once_and_keeps_edits(tmp_path: Path) -> None:
    folder = tmp_path / "word"
    assert sorted(p.name for p in install_word_templates(folder)) == sorted(BUILDERS)
    edited = folder / "报送考核.docx"
    edit(edited, "总部自己加的一段话")
    before = edited.read_bytes()
    assert install_word_templates(folder) == []
    assert edited.read_bytes() == before


def test_committed_templates_are_the_generated_ones() -> None:
    """templates/word/ in the repository is what `python -m branchflow.reports` writes."""
    from branchflow.reports.word_templates import build_template

    for name in BUILDERS:
        committed = members((ROOT / "templates" / "word" / name).read_bytes())
        assert committed == members(build_template(name)), f"regenerate {name}"


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {n: package.read(n) for n in package.namelist()}


def test_check_passes_on_the_shipped_templates(settings: Settings) -> None:
    assert check_word_templates(settings) == []


def test_check_reports_syntax_errors_and_undefined_names(settings: Settings) -> None:
    folder = settings.templates_dir / "word"
    edit(folder / "月度工作总结.docx", "本月由{{ 分中心经理 }}负责")
    edit(folder / "营销活动周报.docx", "{% if %}坏掉的一段")
    edit(folder / "例会资料.docx", "{{ hq.salse_brief }}")
    (folder / "报送考核.docx").unlink()
    problems = check_word_templates(settings)
    assert problems[0] == "templates/word/月度工作总结.docx：正文使用了未定义的变量“分中心经理”"
    assert any(
        p.startswith("templates/word/营销活动周报.docx：正文第")
        and "语法错误" in p
        and "坏掉的一段" in p
        for p in problems
    ), problems
    assert any(
        p.startswith("templates/word/例会资料.docx：") and "salse_brief" in p for p in problems
    )
    assert any(p.startswith("templates/word/报送考核.docx：缺少此模板") for p in problems)


def test_cli_templates_check(settings: Settings) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BRANCHFLOW_NOW": "2026-12-01T10:00"}
    command = [sys.executable, "-m", "branchflow", "-w", str(settings.workspace), "templates"]
    good = subprocess.run([*command, "--check"], capture_output=True, text=True, env=env)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("Word 模板检查通过")
    edit(settings.templates_dir / "word" / "部门资料包.docx", "{{ 没有这个 }}")
    bad = subprocess.run([*command, "--check"], capture_output=True, text=True, env=env)
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == [
        "templates/word/部门资料包.docx：正文使用了未定义的变量“没有这个”"
    ]
    assert bad.stderr.startswith("错误：Word 模板有 1 处问题")


def test_a_broken_template_stops_only_its_documents(settings: Settings) -> None:
    edit(settings.templates_dir / "word" / "项目客户清单.docx", "{% for %}")
    with pytest.raises(BranchflowError, match="templates --check") as raised:
        render_period(settings, period="2026-11", week=None, notes=lambda _: None)
    assert "项目客户清单.docx" in str(raised.value)
    written = {p.name for p in (settings.reports_dir / "2026-11").iterdir()}
    assert "月度工作总结-汇总.docx" in written
    assert not any(name.startswith("项目客户清单") and name.endswith(".docx") for name in written)
    # the full lead lists do not depend on the Word template: they are there
    assert {f"项目客户清单-{p.name}.xlsx" for p in settings.projects} <= written


def test_usage_errors(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="--period"):
        render_period(settings, period="2026-13", week=None)
    with pytest.raises(ConfigError, match="--week 2026-W47"):
        render_period(settings, period="2026-W47", week=None)
    with pytest.raises(ConfigError):
        render_period(settings, period=None, week=None)


def test_phones_in_full_and_routing_from_config(tmp_path: Path) -> None:
    """phone_display = "full" shows whole numbers; a department added in the config gets
    exactly what its `receives` names, and an unknown name is pointed out."""
    settings = make_workspace(tmp_path / "ws", phone_display="full")
    checker = Department("档案核查组", ("conflicts", "no_such_kind"))
    settings = at(settings, FILED)
    settings = type(settings)(**{**settings.__dict__, "departments": (checker,)})
    head = {"reporter": "罗明", "period": "2026-11"}
    drop(settings, A, "a.xlsx", Filling("customers", {"branch": A, **head},
         {"customers": A_CUSTOMERS, "followups": A_FOLLOWUPS}))  # fmt: skip
    with Archive.open(settings) as archive:
        ingest(settings, archive)
    drop(settings, B, "b.xlsx", Filling("customers", {"branch": B, **head},
         {"customers": B_CUSTOMERS}))  # fmt: skip
    with Archive.open(settings) as archive:
        ingest(settings, archive)
    notes: list[str] = []
    written = render_period(settings, period="2026-11", week=None, notes=notes.append)
    names = {p.name for p in written}
    assert "部门资料包-档案核查组.docx" in names
    assert not any(n.startswith("部门资料包-销售管理部") for n in names)
    packet = open_doc(settings.reports_dir / "2026-11" / "部门资料包-档案核查组.docx")
    assert headings(packet) == ["一、各分中心对比", "二、撞单记录"]
    assert not any("no_such_kind" in p for p in paragraphs(packet))  # not the department's concern
    assert any("“档案核查组”的 receives 含有无法识别的“no_such_kind”" in n for n in notes)
    assert rows_of(table_with(packet, "发现日期"))[0][1] == "13800138001"
    leads = open_doc(settings.reports_dir / "2026-11" / f"项目客户清单-{MEIJIANG}.docx")
    assert "13800138001" in all_text(leads) and "138****8001" not in all_text(leads)
    assert date(2026, 11, 3).isoformat()  # (A_CUSTOMERS[0] registered in November)


OLD = Path(__file__).parent / "data"  # the first design's templates, as `templates` wrote them


def test_an_untouched_first_design_template_is_replaced_by_the_current_one(
    settings: Settings,
) -> None:
    folder = settings.templates_dir / "word"
    (folder / "月度工作总结-汇总.docx").write_bytes(
        (OLD / "月度工作总结-汇总-v1.docx").read_bytes()
    )
    notes: list[str] = []
    render_period(settings, period="2026-11", week=None, notes=notes.append)
    assert any("未经修改，已更新为新版内置样式" in n for n in notes)
    from branchflow.reports.word_templates import build_template

    assert (folder / "月度工作总结-汇总.docx").read_bytes() == build_template(
        "月度工作总结-汇总.docx"
    )


def test_templates_hq_edited_from_the_first_design_still_work(settings: Settings) -> None:
    """Names the first design used are still given (and new ones an old template lacks are
    simply not shown): `--check` passes and every document renders with its figures."""
    folder = settings.templates_dir / "word"
    for name in ("月度工作总结-汇总", "部门资料包", "例会资料"):
        target = folder / f"{name}.docx"
        target.write_bytes((OLD / f"{name}-v1.docx").read_bytes())
        edit(target, "（总部加的一段话）")  # edited: never replaced
    assert check_word_templates(settings) == []
    head = {"reporter": "罗明", "period": "2026-11"}
    drop(settings, A, "a.xlsx", Filling("customers", {"branch": A, **head},
         {"customers": A_CUSTOMERS, "followups": A_FOLLOWUPS}))  # fmt: skip
    with Archive.open(at(settings, FILED)) as archive:
        ingest(at(settings, FILED), archive)
    written = render_period(settings, period="2026-11", week=None, notes=lambda _: None)
    summary = open_doc(next(p for p in written if p.name == "月度工作总结-汇总.docx"))
    assert "（总部加的一段话）" in paragraphs(summary)
    rows = {r[1]: r for r in rows_of(table_with(summary, "排名"))}
    assert rows[A][2] == "未报送" and rows[A][3].endswith(" / 4")  # A's 4 November registrations
    packet = open_doc(next(p for p in written if p.name == "部门资料包-销售管理部.docx"))
    assert any(h.endswith("撞单记录") for h in headings(packet))
