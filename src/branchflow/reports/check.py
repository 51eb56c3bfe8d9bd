"""`branchflow templates --check`: find what an edit in Word broke before a month-end run does.

Each template is parsed as docxtpl will see it (syntax errors, with the paragraph they are in),
its names are compared with what the documents provide (undefined variables), and it is
trial-rendered with strict undefined checks against made-up data, once with every input filled
in and once with every input missing.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, UndefinedError, meta

from branchflow.config import Department, Settings
from branchflow.reports import (
    briefing,
    leads,
    meeting,
    monthly,
    packets,
    plans,
    sample,
    submissions,
    summary,
)
from branchflow.reports import weekly as weekly_doc
from branchflow.reports.engine import environment, render_docx
from branchflow.reports.figures import ArchiveFigures
from branchflow.reports.periods import Month, Week
from branchflow.reports.word_templates import BUILDERS, WORD_DIR

PARTS = (("页眉", DocxTemplate.HEADER_URI), ("页脚", DocxTemplate.FOOTER_URI))


def check_word_templates(settings: Settings) -> list[str]:
    """Every problem found in the workspace's Word templates, one line each (empty: all good)."""
    folder = settings.templates_dir / WORD_DIR
    contexts = sample_contexts(settings)
    problems: list[str] = []
    for name in BUILDERS:
        path = folder / name
        shown = (
            path.relative_to(settings.workspace)
            if path.is_relative_to(settings.workspace)
            else path
        )
        if not path.is_file():
            problems.append(f"{shown}：缺少此模板（运行 branchflow report 时会按内置样式补齐）")
            continue
        problems += [f"{shown}：{p}" for p in check_template(path.read_bytes(), contexts[name])]
    return problems


def check_template(data: bytes, contexts: list[dict[str, Any]]) -> list[str]:
    """Problems in one template, given the contexts its documents are rendered with."""
    try:
        sources = _sources(data)
    except Exception:  # python-docx / zipfile / lxml: the file is not a usable .docx
        return ["无法打开：不是有效的 Word 文档（.docx）；请在 Word 中另存为 .docx"]
    env = environment(strict=True)
    known = set().union(*(c.keys() for c in contexts))
    problems: list[str] = []
    for where, xml in sources:
        try:
            tree = env.parse(xml)
        except TemplateSyntaxError as exc:
            problems.append(
                f"{where}第 {exc.lineno} 段附近有语法错误：{exc.message}"
                f"（该段文字：“{_paragraph(xml, exc.lineno)}”）"
            )
            continue
        for name in sorted(meta.find_undeclared_variables(tree) - known):
            problems.append(f"{where}使用了未定义的变量“{name}”")
    if problems:
        return problems
    for context in contexts:
        try:
            render_docx(data, context, env=env)
        except UndefinedError as exc:
            problems.append(f"使用了未定义的内容：{exc.message}")
        except Exception as exc:  # whatever jinja2 / docxtpl raise on an edited template
            problems.append(f"试填充失败：{type(exc).__name__}: {exc}")
    return list(dict.fromkeys(problems))


def sample_contexts(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """For each template: the contexts of a filled-in and an empty made-up period."""
    by_template: dict[str, list[dict[str, Any]]] = {name: [] for name in BUILDERS}
    for filled in (True, False):
        for name, context in _contexts(settings, filled).items():
            by_template[name].append(context)
    return by_template


def _contexts(settings: Settings, filled: bool) -> dict[str, dict[str, Any]]:
    month = Month.parse(settings.now().strftime("%Y-%m"))
    snap = sample.month_snapshot(settings, month, filled)
    figures = ArchiveFigures(snap, settings.timezone)
    branch = settings.branch_names[0]
    matrix = sample.matrix(settings, month) if filled else "报送矩阵暂时无法生成（示例）"
    found = {
        monthly.TEMPLATE: monthly.context(settings, snap, figures, branch),
        summary.TEMPLATE: summary.context(settings, snap, figures),
        packets.TEMPLATE: packets.context(
            settings, snap, figures, Department("示例部门", tuple(packets.SECTIONS))
        ),
        meeting.TEMPLATE: meeting.context(settings, snap, figures, branch),
        submissions.TEMPLATE: submissions.context(settings, month, snap.now, matrix),
        weekly_doc.TEMPLATE: weekly_doc.context(
            settings, sample.week_snapshot(settings, Week.of(settings.now().date()), filled)
        ),
    }
    if settings.projects:
        listed = sample.lead_list(settings, month, filled)
        found[leads.TEMPLATE] = leads.context(settings, snap, listed, settings.projects[0])
    found[briefing.TEMPLATE] = briefing.context(settings, snap, snap.now if filled else None)
    filed = plans.sample_plans(settings, month) if filled else []
    found[plans.TEMPLATE] = plans.context(
        settings, month, filed, branch, snap.now, plans.sample_filed(settings, month)
    )
    return found


def _sources(data: bytes) -> list[tuple[str, str]]:
    """The body, headers and footers as jinja2 will parse them (one paragraph per line)."""
    document = DocxTemplate(io.BytesIO(data))
    document.init_docx()
    sources = [("正文", document.patch_xml(document.get_xml()))]
    for where, uri in PARTS:
        for _, part in document.get_headers_footers(uri):
            sources.append((where, document.patch_xml(document.get_part_xml(part))))
    return [(where, re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)) for where, xml in sources]


def _paragraph(xml: str, line: int | None) -> str:
    lines = xml.splitlines()
    if not line or line > len(lines):
        return ""
    text = re.sub(r"<[^>]+>", "", lines[line - 1]).strip()
    return text[:60]
