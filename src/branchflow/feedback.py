"""Answers to a branch in its 回执 folder: a receipt, an annotated rejection copy, a duplicate note.

Only the drop's file name and our own clock ever reach a path; workbook content never does.
Every string we put into a workbook is stored as text, so nothing staff typed becomes a formula.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from branchflow import intake
from branchflow.archive.results import ArchiveResult, Conflict, LedgerEntry
from branchflow.config import RECEIPTS_DIR, Limits
from branchflow.intake import IncomingFile
from branchflow.printable import printable
from branchflow.templates.definitions import KIND_NAMES, TEMPLATES
from branchflow.validate.batch import ValidatedBatch
from branchflow.validate.codes import CORRECTION_CODES, KEPT_CODES
from branchflow.validate.issues import Issue

DEFAULT_LIMITS = Limits()
MAX_COPY_UNPACKED = 64 * 2**20  # ~80k rows saved by Excel; openpyxl would take ~1 GB and a minute
_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')
NAME_BYTES = 180  # a piece of a name; with our prefixes and suffixes it stays under 255 bytes
# What XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE), dropped from every answer.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_CORRECTION = {
    "customers": "如需更正，直接修改原工作簿后重新放入本文件夹即可，不会重复入库。",
}
_STATUS = {"accepted": "已入库", "rejected": "已退回", "duplicate": "重复文件"}
DEFAULT_COMPANY = "黔龙阳光地产营销中心"  # Settings.company when no config is at hand
CORRECTED_HEAD = "已按标准写法登记（不影响入库，原文已留存）："
KEPT_HEAD = "已按原文保存（不在可选值中或读不出来，统计时计入“其他”或不计入；方便时请改正）："
SHOWN_CELLS = 5  # cells listed per distinct value before "等"


def safe_file_part(text: str, limit: int = 60, max_bytes: int = NAME_BYTES) -> str:
    """A piece of a file name: no separators, control or invisible characters, at most `limit`
    characters and `max_bytes` bytes of UTF-8 (file systems count bytes: 255 at most)."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cf" else ch for ch in text)
    cleaned = _UNSAFE_NAME.sub("_", cleaned)
    cleaned = " ".join(cleaned.split()).strip(" .")[:limit]
    cleaned = _cut_bytes(cleaned, max_bytes).strip(" .")
    return cleaned or "文件"


def fit_file_name(name: str, max_bytes: int) -> str:
    """`name` made safe and cut to `max_bytes` bytes of UTF-8, keeping its suffix (.xlsx)."""
    suffix = PurePosixPath(name).suffix
    suffix = suffix if 1 < len(suffix) <= 10 and not _UNSAFE_NAME.search(suffix) else ""
    stem = name[: len(name) - len(suffix)]
    budget = max_bytes - len(suffix.encode())
    return safe_file_part(stem, limit=budget, max_bytes=budget) + suffix


def _cut_bytes(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[: max(0, max_bytes)].decode("utf-8", errors="ignore")


def write_receipt(
    receipts_dir: Path,
    incoming: IncomingFile,
    batch: ValidatedBatch,
    result: ArchiveResult,
    now: datetime,
    *,
    company: str = DEFAULT_COMPANY,
) -> Path:
    """The receipt for an accepted drop, in the company's name: what was counted, 撞单 notices,
    every correction and every value kept as written (once per distinct value, with its cells),
    and every other warning."""
    said = [i for i in dict.fromkeys((*batch.warnings, *result.issues)) if not _told(i, result)]
    lines = [
        f"【{company}】文件已收到并入库，谢谢！",
        *_file_lines(incoming, batch.kind),
        f"报告期：{batch.period or '未填写'}",
        "",
        *_count_lines(batch, result),
        *_conflict_lines(result),
        *_grouped(CORRECTED_HEAD, [i for i in said if i.code in CORRECTION_CODES]),
        *_grouped(KEPT_HEAD, [i for i in said if i.code in KEPT_CODES]),
        *_warning_lines([i for i in said if i.code not in CORRECTION_CODES | KEPT_CODES]),
    ]
    if not said and not result.conflicts:
        lines += ["", "没有需要注意的地方。"]
    lines += [
        "",
        _CORRECTION.get(batch.kind, "如需更正，修改后重新放入本文件夹即可，以最后一次报送为准。"),
    ]
    return _write_text(receipts_dir, f"回执-{safe_file_part(incoming.path.stem)}", lines, now)


def write_duplicate(
    receipts_dir: Path,
    incoming: IncomingFile,
    first_seen: LedgerEntry,
    now: datetime,
    *,
    company: str = DEFAULT_COMPANY,
) -> Path:
    """A short note: these exact bytes were received before, so nothing changed."""
    first_name = PurePosixPath(first_seen.relative).name or first_seen.relative
    lines = [
        f"【{company}】重复文件，未做任何更改。",
        *_file_lines(incoming, first_seen.kind),
        "",
        f"内容与 {_clock(first_seen.received_at)} 收到的《{printable(first_name)}》完全相同，"
        f"上次处理结果：{_STATUS.get(first_seen.status, first_seen.status)}。",
        "本次没有新增或修改任何数据，无需处理。",
    ]
    if first_seen.status == "rejected":
        lines.append("上次的文件被退回过：请按上次的退回说明修改后再放入。")
    return _write_text(receipts_dir, f"回执-{safe_file_part(incoming.path.stem)}", lines, now)


def write_rejection(
    receipts_dir: Path,
    incoming: IncomingFile,
    issues: Sequence[Issue],
    now: datetime,
    *,
    limits: Limits = DEFAULT_LIMITS,
    company: str = DEFAULT_COMPANY,
) -> Path:
    """The staff's own workbook with bad cells marked and a first sheet 错误清单; a .txt when
    the bytes are not a workbook we can open."""
    # Intake's own rules decide what is never opened here (bombs, macros, .xls…).
    size = len(incoming.data)
    problem = incoming.problem or intake.vet(incoming.path.name, size, incoming.data, limits)
    if problem is None:
        problem = _too_big_to_copy(incoming.data, incoming.fmt)
    if problem is None:
        path = _free_path(receipts_dir, f"退回-{safe_file_part(incoming.path.stem)}", now, ".xlsx")
        from branchflow import annotate  # openpyxl: only for rejections

        if incoming.fmt == "xlsx":
            copy = annotate.annotated_copy(incoming.data, issues)
        else:  # .xls, .xlsb, .ods, .csv: their values in a new .xlsx, marked the same way
            copy = annotate.rewritten_copy(incoming.data, incoming.fmt, issues, MAX_COPY_MERGED)
        if copy is not None:
            _atomic_write(path, copy.save)
            return path
        refused = (i for i in issues if i.code == "sheet.too_large")
        problem = next(refused, None) or intake.damaged()
    return _write_unreadable(receipts_dir, incoming, issues, problem, now, company)


def write_notice(
    folder: Path,
    title: str,
    lines: Sequence[str],
    now: datetime,
    company: str = DEFAULT_COMPANY,
) -> Path:
    """A notice of ours (not an answer to a drop) in a 回执 folder: `<title>-<time>.txt`."""
    heading = [f"【{company}】{title}", f"时间：{_clock(now)}", ""]
    return _write_text(folder, safe_file_part(title), [*heading, *lines], now)


def tell_owners(
    inbox: Path, conflicts: Sequence[Conflict], now: datetime, company: str = DEFAULT_COMPANY
) -> list[Path]:
    """撞单: a notice to each owning branch in its 回执 folder (both branches are told). The
    owner learns the masked phone, who else registered it, the decision and the protection end;
    nothing of the claimant's row."""
    written = []
    for owner in dict.fromkeys(c.owner_branch for c in conflicts):
        if (inbox / owner).is_symlink() or not (inbox / owner).is_dir():
            continue  # a branch no longer configured (HQ's documents still list it), or a link
        mine = [c for c in conflicts if c.owner_branch == owner]
        lines = [
            f"以下 {len(mine)} 位客户原由本分中心登记，现有其他分中心也报送了同一手机号（撞单）："
        ]
        lines += [f"  {n}. {_decision(c)}" for n, c in enumerate(mine, start=1)]
        lines += [
            "",
            "对方只得知手机号前三后四和归属分中心，看不到本分中心的客户资料。",
            "如有异议请联系销售管理部。",
        ]
        folder = inbox / owner / RECEIPTS_DIR
        written.append(write_notice(folder, "撞单通知", lines, now, company))
    return written


def _decision(conflict: Conflict) -> str:
    ends = f"{conflict.protection_ends:%Y-%m-%d}" if conflict.protection_ends else "未知"
    said = f"手机号 {conflict.masked_phone}：{conflict.claimant_branch}也登记了该客户，"
    if conflict.within_protection:
        return said + f"仍在保护期内（至 {ends}），归属本分中心不变。"
    if conflict.ruled:
        return said + f"保护期已于 {ends} 结束，但销售管理部已裁定归属本分中心，归属不变。"
    return said + f"本分中心的保护期已于 {ends} 结束，已改归{conflict.claimant_branch}。"


# --- text answers ---------------------------------------------------------------------------


def _file_lines(incoming: IncomingFile, kind: str) -> list[str]:
    return [
        f"文件：{printable(incoming.path.name)}",
        f"收到时间：{_clock(incoming.received_at)}",
        f"类型：{KIND_NAMES.get(kind, KIND_NAMES['unknown'])}",
    ]


def _count_lines(batch: ValidatedBatch, result: ArchiveResult) -> list[str]:
    if batch.kind == "customers":
        return [
            "本次统计：",
            f"  客户：新增 {result.new_customers} 位，更新 {result.updated_customers} 位，"
            f"未变 {result.unchanged_customers} 位",
            f"  跟进记录：新增 {result.followups_added} 条，此前已收到 {result.followups_known} 条",
        ]
    lines = ["本次统计："]
    definition = TEMPLATES.get(batch.kind)
    tables = definition.tables if definition else ()
    for table in tables:
        lines.append(f"  {table.title}：{len(batch.tables.get(table.key, ()))} 行")
    return lines if tables else [f"本次统计：共 {batch.rows} 行"]


def _conflict_lines(result: ArchiveResult) -> list[str]:
    if not result.conflicts:
        return []
    explained = {i.address: i.message for i in result.issues if _told(i, result)}
    lines = ["", f"撞单提醒（共 {len(result.conflicts)} 位，此前已由其他分中心登记）："]
    for conflict in result.conflicts:
        outcome = (
            "销售管理部已裁定归属不变"
            if conflict.ruled
            else "仍在保护期内，归属不变"
            if conflict.within_protection
            else "已过保护期，改归本分中心"
        )
        said = f"手机号 {conflict.masked_phone} 已由{conflict.owner_branch}登记，{outcome}。"
        where = f"{conflict.cell}：" if conflict.cell else ""
        lines.append(f"  {where}{explained.get(conflict.cell, said)}")
    return lines


def _told(issue: Issue, result: ArchiveResult) -> bool:
    """The archive's own 撞单 warning for a row the 撞单 section already covers."""
    cells = {conflict.cell for conflict in result.conflicts}
    return issue.code.startswith("conflict.") and issue.address in cells


def _grouped(head: str, issues: Sequence[Issue]) -> list[str]:
    """Issues by column, each distinct message once with how many cells and which."""
    if not issues:
        return []
    columns: dict[tuple[str, str], dict[str, list[str]]] = {}
    for issue in issues:
        messages = columns.setdefault((issue.sheet, issue.field), {})
        messages.setdefault(issue.message, []).append(issue.cell)
    sheets = list(dict.fromkeys(sheet for sheet, _ in columns))
    order = sorted(columns, key=lambda k: (sheets.index(k[0]), _column_number(columns[k])))
    lines = ["", head]
    for sheet, column in order:
        messages = columns[(sheet, column)]
        lines.append(f"  {' · '.join(part for part in (sheet, column) if part)}：")
        lines += [f"    {message}（{_places(cells)}）" for message, cells in messages.items()]
    return lines


def _column_number(messages: dict[str, list[str]]) -> int:
    """Where a column stands in its sheet (its first cell's letters), so groups read left to
    right as the workbook does."""
    cell = next(iter(messages.values()))[0]
    letters = cell.rstrip("0123456789")
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _places(cells: Sequence[str]) -> str:
    shown = "、".join(cell for cell in cells[:SHOWN_CELLS] if cell)
    more = " 等" if len(cells) > SHOWN_CELLS else ""
    return f"{len(cells)} 处：{shown}{more}" if shown else f"{len(cells)} 处"


def _warning_lines(found: Sequence[Issue]) -> list[str]:
    if not found:
        return []
    lines = ["", f"提醒（共 {len(found)} 条，不影响入库，方便时请核对）："]
    for number, issue in enumerate(found, start=1):
        lines.append(f"  {number}. {_where(issue)}{issue.message}")
    return lines


def _where(issue: Issue) -> str:
    place = issue.address
    if issue.field:
        place = f"{place} {issue.field}" if place else issue.field
    return f"{place}：" if place else ""


def _write_unreadable(
    receipts_dir: Path,
    incoming: IncomingFile,
    issues: Sequence[Issue],
    why: Issue,
    now: datetime,
    company: str,
) -> Path:
    found = [issue for issue in dict.fromkeys(issues) if issue != why]
    lines = [
        f"【{company}】文件未入库，已退回。",
        f"文件：{printable(incoming.path.name)}",
        f"收到时间：{_clock(incoming.received_at)}",
        "",
        f"原因：{why.message}",
    ]
    if found:
        lines += ["", "问题明细："]
        lines += [f"  {n}. {_where(i)}{i.message}" for n, i in enumerate(found, start=1)]
    name = f"退回-{safe_file_part(incoming.path.name)}"
    return _write_text(receipts_dir, name, lines, now)


def _write_text(receipts_dir: Path, name: str, lines: Sequence[str], now: datetime) -> Path:
    """UTF-8 with BOM and CRLF, so Windows Notepad shows it right."""
    text = "\n".join(lines) + "\n"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ILLEGAL_CHARACTERS.sub("", text).replace("\n", "\r\n")
    path = _free_path(receipts_dir, name, now, ".txt")
    _atomic_write(path, lambda tmp: tmp.write_bytes(text.encode("utf-8-sig")))
    return path


# --- files ----------------------------------------------------------------------------------


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _free_path(folder: Path, name: str, now: datetime, suffix: str) -> Path:
    """`folder/name-<time><suffix>`, with -2, -3… when two answers land in the same second."""
    if folder.is_symlink():  # our 回执 folder: a link put there would send answers elsewhere
        folder.unlink()  # (the link only; whatever it pointed at is not touched)
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{name}-{_stamp(now)}"
    path = folder / f"{base}{suffix}"
    number = 2
    while path.exists():
        path = folder / f"{base}-{number}{suffix}"
        number += 1
    return path


def _atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write beside the target, then rename, so a half-written answer is never visible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its 0600 mode would survive the rename and hide the answer from colleagues.
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write(temp)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# --- the annotated copy ---------------------------------------------------------------------


MAX_COPY_CELLS = 300_000  # ~12k customers: openpyxl takes ~0.5 KB and ~60 µs a cell
MAX_COPY_MERGED = 100_000  # openpyxl makes an object for every cell a merged range covers


def _too_big_to_copy(data: bytes, fmt: str) -> Issue | None:
    """openpyxl needs ~10x a sheet's XML in memory and an object per cell (merged ones too):
    a huge workbook gets a text list instead. Measured before openpyxl opens anything."""
    from branchflow.readers.xlsx import copy_census

    unpacked = cells = merged = 0
    if fmt in ("xlsx", "xlsb", "ods"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if fmt == "xlsx" and unpacked <= MAX_COPY_UNPACKED:
                cells, merged = copy_census(archive)
    if fmt != "xlsx" and unpacked <= MAX_COPY_UNPACKED:
        from branchflow.readers import cell_bound

        cells = cell_bound(data, fmt)  # merged ranges are measured by rewritten_copy
    if unpacked <= MAX_COPY_UNPACKED and cells <= MAX_COPY_CELLS and merged <= MAX_COPY_MERGED:
        return None
    size = f"（解压后约 {unpacked // 2**20} MB）" if unpacked > MAX_COPY_UNPACKED else ""
    return Issue(
        "file.too_big_to_annotate",
        f"文件较大{size}，没有生成标注副本：请按下面的清单逐项修改",
    )
