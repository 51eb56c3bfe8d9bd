"""A file on disk → an identified, size-checked, hashed IncomingFile (or a reason to ignore it)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from branchflow.config import GUIDE_FILE, Limits
from branchflow.nofollow import read_drop
from branchflow.validate.issues import Issue


@dataclass(frozen=True)
class IncomingFile:
    path: Path  # where it lies in the inbox
    folder: str  # the top-level inbox folder it was dropped in (a branch name, or the HQ folder)
    relative: str  # path relative to the inbox, "/"-separated, for the ledger
    size: int
    sha256: str
    received_at: datetime  # when branchflow first saw the complete file
    data: bytes
    problem: Issue | None = None  # set when the bytes cannot be parsed at all (rejected at intake)
    mtime_ns: int = 0  # with size: tells whether the file in the inbox is still the one we read

    def unchanged_on_disk(self) -> bool:
        """False when staff saved a new version under the same name while we worked."""
        try:
            now = self.path.stat()
        except FileNotFoundError:
            return False
        return (now.st_size, now.st_mtime_ns) == (self.size, self.mtime_ns)


LITTER_PREFIXES = ("~$", ".~lock", "._", "~WRL", "~WRD")
LITTER_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store", "icon\r", GUIDE_FILE})
LITTER_SUFFIXES = frozenset({".tmp", ".crdownload", ".part", ".partial"})
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ZIP_MEMBERS = 10_000
MACRO_PARTS = ("xl/vbaProject.bin", "xl/vbaProjectSignature.bin")


def is_litter(name: str) -> bool:
    """Office lock/temp files and OS droppings: never ours to touch."""
    lowered = name.lower()
    if name.startswith(LITTER_PREFIXES) or lowered in LITTER_NAMES or name.startswith("."):
        return True
    suffix = PurePath(lowered).suffix
    # Excel saves through an extension-less temp name (e.g. "8F2A1C30") before renaming.
    return suffix in LITTER_SUFFIXES or suffix == ""


def examine(path: Path, inbox: Path, limits: Limits, now: datetime) -> IncomingFile:
    """Read, hash and vet one dropped file; anything that cannot be parsed gets a `problem`."""
    relative = path.relative_to(inbox).as_posix()
    # A file over the size limit is still kept whole as the staff's original; it is only read
    # when it fits in memory comfortably (4x the limit), otherwise just its head is hashed.
    stat, data = read_drop(inbox, relative, 4 * limits.max_file_bytes)
    size = stat.st_size
    problem = vet(path.name, size, data, limits)
    return IncomingFile(
        path=path,
        folder=relative.split("/", 1)[0],
        relative=relative,
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=now,
        data=data,
        problem=problem,
        mtime_ns=stat.st_mtime_ns,
    )


def vet(name: str, size: int, data: bytes, limits: Limits) -> Issue | None:
    suffix = PurePath(name).suffix.lower()
    if size == 0:
        return _problem("file.empty", "文件是空的（0 字节）：请在 Excel 中重新保存后再放入")
    if size > limits.max_file_bytes:
        mb = limits.max_file_bytes // 1024**2
        return _problem(
            "file.too_large", f"文件超过 {mb} MB：请删除无关的图片、工作表后另存，再放入"
        )
    if suffix in {".xlsm", ".xltm", ".xlsb", ".xlam"}:
        return _macro()
    if data.startswith(OLE_MAGIC):
        return _problem(
            "file.legacy_or_encrypted",
            "这是旧版 .xls 文件或设置了打开密码的文件：请在 Excel 中取消密码，"
            "并“另存为”Excel 工作簿(*.xlsx) 后再放入",
        )
    if suffix == ".xls":
        return _problem("file.xls", "这是旧版 .xls 文件：请在 Excel 中“另存为”Excel 工作簿(*.xlsx)")
    if suffix != ".xlsx" or not data.startswith(ZIP_MAGIC):
        return _problem(
            "file.not_excel",
            f"“{name}”不是 Excel 工作簿(.xlsx)：只接收用模板填写的 .xlsx 文件，"
            "其他文件请不要放入本文件夹",
        )
    return _vet_zip(data, limits)


def _vet_zip(data: bytes, limits: Limits) -> Issue | None:
    """Check the zip's directory before anything decompresses it (a zip bomb costs nothing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return damaged()
    names = {m.filename for m in members}
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if (
        len(members) > MAX_ZIP_MEMBERS
        or unpacked > limits.max_unpacked_bytes
        or (unpacked > 10 * 1024**2 and unpacked / packed > limits.max_compression_ratio)
    ):
        return _problem(
            "file.zip_bomb",
            "文件解压后异常巨大（疑似压缩炸弹），未打开：请用模板重新填写一份正常的工作簿",
        )
    if any(part in names for part in MACRO_PARTS):
        return _macro()
    if "xl/workbook.xml" not in names:
        return _problem(
            "file.not_excel",
            "文件不是 Excel 工作簿（可能是改了扩展名的 Word 或其他文件）：请放入 .xlsx 工作簿",
        )
    return None


def _macro() -> Issue:
    return _problem(
        "file.macro",
        "含宏的工作簿不予接收（安全原因）：请在 Excel 中“另存为”Excel 工作簿(*.xlsx)，不含宏",
    )


def damaged() -> Issue:
    return _problem(
        "file.damaged",
        "文件已损坏，无法打开（可能没有复制完整）：请在 Excel 中打开确认无误后重新保存、重新放入",
    )


def _problem(code: str, message: str) -> Issue:
    return Issue(code, message)
