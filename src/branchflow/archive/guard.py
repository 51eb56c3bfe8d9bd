"""A store whose ledger is gone while originals or a master workbook remain is refused.

Opening a missing SQLite file creates an empty store; the next export would then overwrite
客户总档案.xlsx with what little came after. So when the database is missing, or holds no ledger
at all, while store/originals/ still keeps drops that were answered or the master workbook
exists, every command refuses with one line saying what to do: restore the database, or
`branchflow store rebuild`. An original whose bytes are still waiting in the inbox is no such
evidence: it is kept before its drop's transaction, so a first drop that failed (a full disk, a
stop) leaves one behind, and processing it again is all that is needed.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, exists, select
from sqlalchemy.engine import URL

from branchflow.archive.db import display_url, is_server, reading
from branchflow.archive.originals import kept_originals
from branchflow.archive.schema import files
from branchflow.config import Settings
from branchflow.errors import StoreError
from branchflow.inbox import list_drops
from branchflow.intake import examine


class LedgerLost(StoreError):
    """The store holds no ledger although drops were received before."""


def refuse_missing_file(settings: Settings, url: URL) -> None:
    """Before a SQLite store is created: refuse when it is missing (or empty) but shouldn't be."""
    if is_server(url) or url.database in (None, "", ":memory:"):
        return
    path = Path(str(url.database))
    if path.is_file() and path.stat().st_size > 0:
        return
    _refuse_if_evidence(settings, f"档案数据库 {path} 不存在或是空文件")


def refuse_empty_ledger(settings: Settings, engine: Engine, url: URL) -> None:
    """After opening: refuse when the ledger has no row at all but drops were kept before."""
    with reading(engine, url) as conn:
        if conn.scalar(select(exists().select_from(files))):
            return
    _refuse_if_evidence(settings, f"档案数据库 {display_url(url)} 中没有任何报送记录")


def _refuse_if_evidence(settings: Settings, what: str) -> None:
    evidence = []
    kept = _answered(settings, kept_originals(settings.originals_dir))
    if kept:
        evidence.append(f"{_shown(settings.originals_dir, settings)}/ 中还保存着 {kept} 个原始文件")
    if settings.master_path.is_file():
        evidence.append(f"{_shown(settings.master_path, settings)} 仍在")
    if not evidence:
        return
    raise LedgerLost(
        f"{what}，但 {'，'.join(evidence)}：数据库可能被误删或清空，为免用空档案覆盖总档案，"
        "本次未运行。请从备份恢复数据库；或运行 branchflow store rebuild 用保存的原始文件重建档案"
    )


def _answered(settings: Settings, originals: list[str]) -> int:
    """How many of the kept originals (`ab/<sha256><suffix>`) are not the bytes of a file still
    waiting in the inbox, i.e. were answered and taken out of it."""
    if not originals:
        return 0
    waiting: set[str] = set()
    now = settings.now()
    for path in list_drops(settings.inbox, set(settings.drop_folders))[0]:
        try:
            waiting.add(examine(path, settings.inbox, settings.limits, now).sha256)
        except OSError:
            continue
    return sum(1 for kept in originals if kept.split("/")[-1].split(".")[0] not in waiting)


def _shown(path: Path, settings: Settings) -> str:
    try:
        return path.relative_to(settings.workspace).as_posix()
    except ValueError:
        return str(path)
