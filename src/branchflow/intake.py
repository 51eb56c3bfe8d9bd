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
    fmt: str = "xlsx"  # xlsx / xlsb / xls / ods / csv: how parse is to read the bytes

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
MACRO_PARTS = frozenset({"xl/vbaproject.bin", "xl/vbaprojectsignature.bin"})  # names lowered
MACRO_SUFFIXES = frozenset({".xlsm", ".xltm", ".xlam", ".xla", ".xlsb.xlsm"})
WPS_SUFFIXES = frozenset({".et", ".ett", ".wps", ".numbers", ".gsheet"})
ZIP_FORMATS = {".xlsx": "xlsx", ".xltx": "xlsx", ".xlsb": "xlsb", ".ods": "ods", ".ots": "ods"}
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
MAX_OLE_BYTES = 30 * 1024**2  # an .xls is at most 65536 rows; 30 MB is ~100k customers
MAX_TEXT_BYTES = 24 * 1024**2  # a CSV of ~120k customers
MAX_SHARED_STRINGS = 64 * 1024**2  # calamine holds every shared string in memory at once
# How to turn anything we cannot read into what we can, in both programs staff use.
SAVE_AS_XLSX = (
    "请另存为 .xlsx 后再放入：WPS 表格中点“文件 → 另存为”，文件类型选“Excel 工作簿(*.xlsx)”；"
    "Excel 中点“文件 → 另存为”，保存类型选“Excel 工作簿(*.xlsx)”"
)


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
        fmt=file_format(path.name, data),
    )


def file_format(name: str, data: bytes) -> str:
    """How parse reads these bytes (meaningful only when `vet` finds no problem)."""
    suffix = PurePath(name).suffix.lower()
    if data.startswith(OLE_MAGIC):
        return "xls"
    if data.startswith(ZIP_MAGIC):
        return _zip_format(data)
    return "csv" if suffix in TEXT_SUFFIXES else "xlsx"


def _zip_format(data: bytes) -> str:
    """By what the package holds, not by its name (a renamed .ods is still an .ods)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {name.lower() for name in archive.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    return "ods" if "content.xml" in names and "xl/workbook.xml" not in names else "xlsx"


def vet(name: str, size: int, data: bytes, limits: Limits) -> Issue | None:
    """The reason these bytes are not opened at all, or None."""
    suffix = PurePath(name).suffix.lower()
    if size == 0:
        return _problem("file.empty", "文件是空的（0 字节）：请在 Excel 中重新保存后再放入")
    if size > limits.max_file_bytes:
        mb = limits.max_file_bytes // 1024**2
        return _problem(
            "file.too_large", f"文件超过 {mb} MB：请删除无关的图片、工作表后另存，再放入"
        )
    if suffix in MACRO_SUFFIXES:
        return _macro()
    if suffix in WPS_SUFFIXES:
        return _problem(
            "file.unsupported", f"“{name}”是 WPS 或其他软件的格式，无法读取：{SAVE_AS_XLSX}"
        )
    if data.startswith(OLE_MAGIC):
        return _vet_ole(name, size, data)
    if data.startswith(ZIP_MAGIC) and suffix in {*ZIP_FORMATS, ".xls"}:
        return _vet_zip(data, limits)
    if suffix in TEXT_SUFFIXES:
        return _vet_text(name, size, data)
    return _problem(
        "file.not_excel",
        f"“{name}”不是 Excel 工作簿：只接收 .xlsx、.xls、.xlsb、.ods 和 .csv 表格文件，"
        f"其他文件请不要放入本文件夹。如果它是表格，{SAVE_AS_XLSX}",
    )


def _vet_ole(name: str, size: int, data: bytes) -> Issue | None:
    """An OLE container: an old .xls we read, or a password-protected workbook we cannot."""
    from branchflow.readers.legacy import classify  # olefile: only for OLE files

    kind = classify(data)
    if kind == "encrypted":
        return _problem(
            "file.encrypted",
            "文件设置了打开密码，无法读取：请在 Excel 中点“文件 → 信息 → 保护工作簿 → "
            "用密码进行加密”，"
            "清空密码后保存（WPS：“文件 → 文件加密”中删除打开密码），再放入",
        )
    if kind == "damaged":
        return damaged()
    if kind != "xls":
        return _problem(
            "file.not_excel", f"“{name}”不是 Excel 工作簿。如果它是表格，{SAVE_AS_XLSX}"
        )
    if size > MAX_OLE_BYTES:
        return _problem(
            "file.too_large",
            f"旧版 .xls 文件超过 {MAX_OLE_BYTES // 1024**2} MB，未打开：{SAVE_AS_XLSX}",
        )
    return None


def _vet_text(name: str, size: int, data: bytes) -> Issue | None:
    from branchflow.readers.delimited import decode

    if size > MAX_TEXT_BYTES:
        return _problem(
            "file.too_large",
            f"CSV 文件超过 {MAX_TEXT_BYTES // 1024**2} MB，未打开：请分成几个文件，"
            f"或{SAVE_AS_XLSX}",
        )
    if decode(data) is None:
        return _problem(
            "file.encoding",
            f"“{name}”的文字编码无法识别（不是 UTF-8 或 GBK）：请在 Excel 中打开后"
            "“另存为”“CSV UTF-8(逗号分隔)”，或另存为 Excel 工作簿(*.xlsx)",
        )
    return None


def _vet_zip(data: bytes, limits: Limits) -> Issue | None:
    """Check the zip's directory before anything decompresses it (a zip bomb costs nothing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return damaged()
    names = {m.filename.lower() for m in members}
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    strings = sum(m.file_size for m in members if "sharedstrings" in m.filename.lower())
    if (
        len(members) > MAX_ZIP_MEMBERS
        or unpacked > limits.max_unpacked_bytes
        or (unpacked > 10 * 1024**2 and unpacked / packed > limits.max_compression_ratio)
        or strings > MAX_SHARED_STRINGS
    ):
        return _problem(
            "file.zip_bomb",
            "文件解压后异常巨大（疑似压缩炸弹），未打开：请用模板重新填写一份正常的工作簿",
        )
    if not names.isdisjoint(MACRO_PARTS):
        return _macro()
    if {"xl/workbook.xml", "xl/workbook.bin", "content.xml"}.isdisjoint(names):
        return _problem(
            "file.not_excel",
            "文件不是 Excel 工作簿（可能是改了扩展名的 Word 或其他文件）：请放入 .xlsx 工作簿",
        )
    return None


def _macro() -> Issue:
    return _problem(
        "file.macro",
        "含宏的工作簿不予接收（安全原因）：请在 Excel 中“另存为”Excel 工作簿(*.xlsx)，不含宏"
        "（WPS：“文件 → 另存为”，文件类型选“Excel 工作簿(*.xlsx)”）",
    )


def damaged() -> Issue:
    return _problem(
        "file.damaged",
        "文件已损坏，无法打开（可能没有复制完整）：请在 Excel 中打开确认无误后重新保存、重新放入",
    )


def _problem(code: str, message: str) -> Issue:
    return Issue(code, message)
