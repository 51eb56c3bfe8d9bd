"""What each archive workbook in outbox/archive/ was last written from, so an export rewrites
only the workbooks whose content changed.

A workbook's stamp is a sha256 over its layout (sheet and column titles), the store's identity
and the content versions it shows (its branch's, or every branch's for the master; see
archive/versions.py). The stamps are kept in a small JSON file beside the workbooks with each
file's size and modification time as written: a workbook deleted, replaced or saved over by
someone since is written again, whatever its stamp says.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from branchflow.exportcells import CHUNK

STAMPS_NAME = ".export-stamps.json"


def stamp(layout: Iterable[str], versions: Mapping[str, str], branch: str | None) -> str:
    """The stamp of the master (branch None: every branch's version) or of one branch's
    workbook, given the store's versions ("" = the store's identity)."""
    shown = sorted(versions.items()) if branch is None else [("", versions.get("", ""))]
    if branch is not None:
        shown.append((branch, versions.get(branch, "")))
    text = json.dumps([list(layout), shown], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ExportStamps:
    """The stamps file of one archive folder."""

    folder: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> ExportStamps:
        try:
            raw = json.loads((folder / STAMPS_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        entries = raw if isinstance(raw, dict) else {}
        return cls(folder, {k: v for k, v in entries.items() if isinstance(v, dict)})

    def current(self, target: Path, wanted: str) -> bool:
        """Does `target` hold exactly what `wanted` stamps, untouched since we wrote it?"""
        entry = self.entries.get(target.name)
        if entry is None or entry.get("stamp") != wanted:
            return False
        try:
            found = target.stat()
        except OSError:
            return False
        return [found.st_size, found.st_mtime_ns] == [entry.get("size"), entry.get("mtime_ns")]

    def record(self, target: Path, written: str) -> None:
        """`target` was just written from `written`."""
        try:
            found = target.stat()
        except OSError:
            self.entries.pop(target.name, None)
            return
        self.entries[target.name] = {
            "stamp": written,
            "size": found.st_size,
            "mtime_ns": found.st_mtime_ns,
        }

    def forget(self, target: Path) -> None:
        self.entries.pop(target.name, None)

    def save(self) -> None:
        """Written beside the workbooks and renamed into place; a failure only costs a rewrite
        next time."""
        path = self.folder / STAMPS_NAME
        temp = path.with_name(f".{STAMPS_NAME}.tmp")
        text = json.dumps(self.entries, ensure_ascii=False, indent=1, sort_keys=True)
        with contextlib.suppress(OSError):
            temp.write_text(text, encoding="utf-8")
            temp.replace(path)


@runtime_checkable
class VersionedSource(Protocol):
    """An export's source that knows its content versions (archive/versions.py) and how many
    rows (customers and follow-ups) a workbook will hold: the archive's ExportRows."""

    def versions(self) -> Mapping[str, str]: ...
    def rules(self) -> str: ...
    def row_count(self, branch: str | None = None) -> int: ...


class Stamps:
    """An archive folder's stamps against the source's content versions (a source without
    versions is always written)."""

    def __init__(self, folder: Path, layout: Iterable[str], source: object) -> None:
        self.kept = ExportStamps.load(folder)
        self.layout = tuple(layout)
        self.versions: Mapping[str, str] | None = None
        if isinstance(source, VersionedSource):
            self.layout += (source.rules(),)
            self.versions = source.versions()

    def of(self, branch: str | None) -> str | None:
        return None if self.versions is None else stamp(self.layout, self.versions, branch)

    def current(self, target: Path, branch: str | None) -> bool:
        wanted = self.of(branch)
        return wanted is not None and self.kept.current(target, wanted)

    def written(self, target: Path, branch: str | None, in_place: bool) -> None:
        wanted = self.of(branch)
        if in_place and wanted is not None:
            self.kept.record(target, wanted)
        else:  # written beside a locked target, or without versions: nothing to compare next
            self.kept.forget(target)

    def save(self) -> None:
        if self.versions is not None:
            self.kept.save()


@dataclass(frozen=True)
class ExportProgress:
    """How far the writing of one workbook has come (customers and follow-ups)."""

    file: str
    rows: int
    total: int | None


Progress = Callable[[ExportProgress], None]


class RowCounter:
    """Counts the rows of one workbook's long tables on their way to the writer."""

    def __init__(self, name: str, total: int | None, progress: Progress) -> None:
        self.name, self.total, self.progress, self.rows = name, total, progress, 0

    def through(self, rows: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        for row in rows:
            self.rows += 1
            if self.rows % CHUNK == 0:
                self.progress(ExportProgress(self.name, self.rows, self.total))
            yield row


class _Sheet(Protocol):
    @property
    def rows(self) -> Iterable[Mapping[str, Any]]: ...
    @property
    def long(self) -> bool: ...


S = TypeVar("S", bound=_Sheet)


def tracked(
    sheets: list[S], name: str, source: object, branch: str | None, progress: Progress | None
) -> list[S]:
    """The sheets (dataclasses), their long tables telling `progress` as they go."""
    if progress is None:
        return sheets
    total = source.row_count(branch) if isinstance(source, VersionedSource) else None
    counter = RowCounter(name, total, progress)
    return [replace(s, rows=counter.through(s.rows)) if s.long else s for s in sheets]  # type: ignore[type-var]
