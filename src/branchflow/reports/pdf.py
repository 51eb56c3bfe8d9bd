"""PDF copies of the documents through LibreOffice, when it is installed (`report --pdf`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

CANDIDATES = (
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice/program/soffice.exe",
    Path(r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"),
    Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
)
SECONDS_PER_DOCUMENT = 15


def find_office() -> str | None:
    """The soffice program: on PATH, or where the Windows / macOS installers put it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((str(p) for p in CANDIDATES if p.is_file()), None)


def convert_to_pdf(documents: Sequence[Path], notes: Callable[[str], None]) -> list[Path]:
    """Write <name>.pdf beside each document; returns the PDFs written."""
    if not documents:
        return []
    office = find_office()
    if office is None:
        notes(
            "未找到 LibreOffice（soffice），未生成 PDF；安装 LibreOffice 后加 --pdf 重新运行即可。"
        )
        return []
    targets = [d.with_suffix(".pdf") for d in documents]
    for target in targets:
        target.unlink(missing_ok=True)  # so a PDF found afterwards is this run's
    by_folder: dict[Path, list[Path]] = {}
    for document in documents:
        by_folder.setdefault(document.parent, []).append(document)
    for folder, group in by_folder.items():
        _run(office, folder, group, notes)
    written = [t for t in targets if t.is_file()]
    failed = [t.name for t in targets if not t.is_file()]
    if failed:
        notes(
            f"LibreOffice 未能转换 {len(failed)} 个文档（{'、'.join(failed[:3])}…）；"
            "如果只装了 LibreOffice Calc，请安装 Writer 组件（Debian/Ubuntu：libreoffice-writer）。"
        )
    return written


def _run(office: str, folder: Path, documents: list[Path], notes: Callable[[str], None]) -> None:
    # A profile of its own: a LibreOffice the user has open would otherwise take the job over
    # and the conversion would silently do nothing.
    with tempfile.TemporaryDirectory(prefix="branchflow-lo-") as profile:
        command = [
            office,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *(str(d) for d in documents),
        ]
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=60 + SECONDS_PER_DOCUMENT * len(documents),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            notes(f"LibreOffice 转换 PDF 失败：{exc}")
