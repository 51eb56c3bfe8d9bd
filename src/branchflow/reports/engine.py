"""Render a Word template with docxtpl in a sandboxed, autoescaping jinja2 environment.

docxtpl's default environment does not escape, so a staff member's “A&B” or “<3套>” breaks the
document XML (docxtpl issues #105, #634). Here every value is XML-escaped exactly once: plain
strings by jinja2's autoescape, RichText / images by docxtpl (they are Markup, never re-escaped).
Characters XML cannot hold at all (control characters pasted from other programs) are dropped,
and None shows as an empty cell rather than the word “None”.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText
from jinja2 import StrictUndefined, Template, Undefined
from jinja2.sandbox import SandboxedEnvironment

from branchflow.errors import OutputError
from branchflow.reports.charts import Chart
from branchflow.reports.page_flow import Styles
from branchflow.reports.table_fit import fit_tables

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
Notes = Callable[[str], None]


class _WordEnvironment(SandboxedEnvironment):
    """Compiles each distinct template source once: docxtpl hands over the same body, header
    and footer XML for every document of a family (ten branches, one template)."""

    CACHE_SIZE = 64

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Template] = {}

    def from_string(  # type: ignore[override]
        self,
        source: str,
        globals: MutableMapping[str, Any] | None = None,
        template_class: Any = None,
    ) -> Template:
        if globals or template_class:
            return super().from_string(source, globals, template_class)
        found = self._compiled.get(source)
        if found is None:
            if len(self._compiled) >= self.CACHE_SIZE:
                self._compiled.clear()
            found = self._compiled[source] = super().from_string(source)
        return found


def environment(strict: bool = False) -> SandboxedEnvironment:
    """A jinja2 environment for Word templates; `strict` makes undefined names errors."""
    return _WordEnvironment(
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined if strict else Undefined,
    )


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        # \r\n from Excel cells → \n, which docxtpl turns into a line break
        return _XML_ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value


_SHARED = environment()


def alert(text: str, on: bool = True) -> RichText:
    """Cell text in dark red bold when `on` (a difference, a missing drop); plain otherwise."""
    return RichText(text, color="C00000", bold=True) if on else RichText(text)


class _WordTemplate(DocxTemplate):
    """docxtpl's template, its XML clean-up remembered: the same template part always cleans
    up the same way (patch_xml is a pure function of the part's XML)."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)


@lru_cache(maxsize=64)
def _patched(src_xml: str) -> str:
    return str(DocxTemplate.patch_xml(None, src_xml))


@dataclass(frozen=True)
class DocProperties:
    """What Word shows under 文件 → 信息 (and Explorer's tooltip)."""

    title: str
    author: str  # the company
    created: datetime  # when the document was rendered


def render_docx(
    template: bytes,
    context: Mapping[str, Any],
    *,
    env: SandboxedEnvironment | None = None,
    properties: DocProperties | None = None,
) -> bytes:
    """Fill `template` (a .docx) with `context`; returns the finished document's bytes.

    The tables are then sized to what they hold (see table_fit), whatever the template says.
    """
    document = _WordTemplate(io.BytesIO(template))
    document.render(_bind(context, document), jinja_env=env or _SHARED)
    fit_tables(document.docx, _styles(template, document.docx))
    if properties is not None:
        _set_properties(document.docx, properties)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_STYLES: dict[bytes, Styles] = {}


def _styles(template: bytes, document: Any) -> Styles:
    """A template's styles, read from its first document (every document of a family)."""
    if template not in _STYLES:
        if len(_STYLES) >= 16:
            _STYLES.clear()
        _STYLES[template] = Styles(document)
    return _STYLES[template]


def _set_properties(document: Any, properties: DocProperties) -> None:
    core = document.core_properties
    moment = properties.created.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    core.title = properties.title
    core.author = core.last_modified_by = properties.author
    core.created = core.modified = moment
    core.revision = 1
    core.comments = core.subject = core.keywords = core.category = ""
    core.language = "zh-CN"


def _bind(value: Any, document: DocxTemplate) -> Any:
    """Charts become images of this document; containers are copied with their charts bound."""
    if isinstance(value, Chart):
        return InlineImage(document, io.BytesIO(value.png), width=Mm(value.width_mm))
    if isinstance(value, Mapping):
        return {k: _bind(v, document) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_bind(v, document) for v in value]
    return value


def write_document(target: Path, data: bytes, now: datetime, notes: Notes) -> Path:
    """Write atomically; a file held open in Word is written beside it, and the note says so."""
    temp = target.with_name(f".{target.stem}.tmp{target.suffix}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(data)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise OutputError(
            f"无法写入 {target.parent}：{exc.strerror or exc}；请检查磁盘空间和写入权限"
        ) from exc
    return move_into_place(temp, target, now, notes, "Word")


def move_into_place(temp: Path, target: Path, now: datetime, notes: Notes, program: str) -> Path:
    """Move a written temp file onto `target`; a target held open in `program` (on a Windows
    share) is left alone and the file goes beside it, which the note says. Returns where."""
    try:
        temp.replace(target)
    except PermissionError:
        beside = target.with_name(f"{target.stem}-{now:%Y%m%d-%H%M%S}{target.suffix}")
        _place(temp, beside)
        notes(f"{target.name} 正被占用（可能在 {program} 中打开），本次另存为 {beside.name}")
        return beside
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(
            f"无法写出 {target}：{exc.strerror or exc}；"
            "若同名的文件夹占着这个位置，请改名或移走后重试"
        ) from exc
    return target


def _place(temp: Path, target: Path) -> None:
    try:
        temp.replace(target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"无法写出 {target}：{exc.strerror or exc}；请检查写入权限") from exc
