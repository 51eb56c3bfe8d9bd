"""Every drop's original bytes, kept content-addressed under the originals folder.

Beside each original, `<original>.drops.jsonl` says which drops brought those bytes (folder,
inbox path, when received): with it `branchflow store rebuild` can replay the drops in the order
received even when the ledger itself is gone.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from branchflow.errors import StoreError
from branchflow.intake import IncomingFile

_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def original_relative(sha256: str, name: str) -> str:
    """`ab/abcdef….xlsx`: two hex digits of fan-out, the hash, the dropped file's suffix."""
    suffix = Path(name).suffix.lower()
    if not _SUFFIX.match(suffix):
        suffix = ""
    return f"{sha256[:2]}/{sha256}{suffix}"


def keep_original(originals_dir: Path, incoming: IncomingFile) -> str:
    """Write the bytes once (temp file, fsync, rename); returns the path relative to the folder."""
    relative = original_relative(incoming.sha256, incoming.path.name)
    target = originals_dir / relative
    if target.is_file() and target.stat().st_size == len(incoming.data):
        return relative
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".part-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(incoming.data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(temp).replace(target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
    except OSError as exc:
        raise StoreError(
            f"无法保存 {incoming.relative} 的原始文件到 {originals_dir}：{exc}；"
            f"请检查磁盘空间和该目录的写权限"
        ) from exc
    return relative


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open a directory for this.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- what each original was: a manifest beside it, for `store rebuild` without a ledger --------

MANIFEST_SUFFIX = ".drops.jsonl"
_TEMP_PREFIX = ".part-"


@dataclass(frozen=True)
class KeptDrop:
    """One drop of an original's bytes: enough to replay it when the ledger is gone."""

    original: str  # path relative to the originals folder
    sha256: str
    folder: str
    relative: str  # in the inbox, "/"-separated
    received_at: datetime
    file_id: int  # in the ledger that recorded it: orders drops received in the same second
    size: int  # as dropped (a file over 4x the size limit is kept as its first MiB only)

    def as_line(self) -> str:
        return json.dumps(
            {
                "sha256": self.sha256,
                "folder": self.folder,
                "relative": self.relative,
                "received_at": self.received_at.isoformat(),
                "file_id": self.file_id,
                "size": self.size,
            },
            ensure_ascii=False,
        )

    @property
    def key(self) -> tuple[str, str, str]:
        """The same drop, whether the ledger or a manifest tells of it."""
        return (self.received_at.astimezone(UTC).isoformat(), self.relative, self.sha256)


def note_drop(originals_dir: Path, drop: KeptDrop) -> None:
    """Add `drop` to its original's manifest (once: a replayed drop is not added again)."""
    manifest = originals_dir / f"{drop.original}{MANIFEST_SUFFIX}"
    if any(known.key == drop.key for known in _read_manifest(originals_dir, manifest)):
        return
    try:
        # Not synced: the ledger is the record; this is its spare, written before the ledger's
        # commit so that a drop the ledger holds is never missing here.
        with manifest.open("a", encoding="utf-8") as handle:
            handle.write(drop.as_line() + "\n")
    except OSError as exc:
        raise StoreError(
            f"无法写入 {manifest}：{exc}；请检查磁盘空间和 {originals_dir} 的写权限"
        ) from exc


def kept_drops(originals_dir: Path) -> list[KeptDrop]:
    """Every drop the manifests under the originals folder describe."""
    found: list[KeptDrop] = []
    for manifest in sorted(originals_dir.glob(f"*/*{MANIFEST_SUFFIX}")):
        found.extend(_read_manifest(originals_dir, manifest))
    return found


def kept_originals(originals_dir: Path) -> list[str]:
    """The kept originals, as paths relative to the folder (`ab/<sha256><suffix>`), manifests
    and half-written temp files left out."""
    if not originals_dir.is_dir():
        return []
    return [
        path.relative_to(originals_dir).as_posix()
        for path in originals_dir.glob("*/*")
        if not path.name.endswith(MANIFEST_SUFFIX) and not path.name.startswith(_TEMP_PREFIX)
    ]


def count_originals(originals_dir: Path) -> int:
    """How many originals are kept."""
    return len(kept_originals(originals_dir))


def remove_original(originals_dir: Path, relative: str) -> bool:
    """Delete a kept original and its manifest; False when it was not there."""
    target = originals_dir / relative
    existed = target.is_file()
    target.unlink(missing_ok=True)
    Path(f"{target}{MANIFEST_SUFFIX}").unlink(missing_ok=True)
    return existed


def _read_manifest(originals_dir: Path, manifest: Path) -> list[KeptDrop]:
    original = manifest.relative_to(originals_dir).as_posix()[: -len(MANIFEST_SUFFIX)]
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    found = []
    for line in lines:
        try:
            raw = json.loads(line)
            found.append(
                KeptDrop(
                    original,
                    str(raw["sha256"]),
                    str(raw["folder"]),
                    str(raw["relative"]),
                    datetime.fromisoformat(raw["received_at"]),
                    int(raw.get("file_id", 0)),
                    int(raw.get("size", -1)),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a crash: the ledger or a later line has the drop
    return found
