"""Workspaces, drops and watcher runs for the watch tests: real files, real processes."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, RECEIPTS_DIR, Settings
from branchflow.pipeline import find_drops
from branchflow.sample.fill import Filling, fill_template
from branchflow.sample.people import SampleCompany
from branchflow.templates.definitions import TEMPLATES
from branchflow.watch import Watcher, WatchTimings
from branchflow.workspace import blank_name, create_workspace

BRANCH = "东莞分中心"
_PHONE = re.compile(rb"(?<!\d)1[3-9]\d{9}(?!\d)")
SRC = Path(__file__).resolve().parent.parent / "src"
FAST = WatchTimings(
    stability=0.2,
    rescan=1.0,
    debounce=0.3,
    max_batch_wait=30.0,
    health=0.2,
    incomplete_grace=5.0,
    max_backoff=0.4,
    tick=0.05,
)


def new_workspace(tmp: Path) -> Settings:
    return create_workspace(tmp / "ws")


def customer_drops(settings: Settings, count: int, per_file: int = 3, seed: int = 7) -> list[bytes]:
    """`count` distinct 客户档案 workbooks of `per_file` new customers each: one filled from the
    branch's pre-filled blank the way staff fill it, the others the same with other phones."""
    blank = settings.inbox / BRANCH / BLANKS_DIR / blank_name(TEMPLATES["customers"], BRANCH)
    company = SampleCompany(seed=seed, projects=settings.project_names, staff=("罗明", "冉海"))
    day = datetime.now(settings.timezone).date() - timedelta(days=1)
    header = {"branch": BRANCH, "reporter": "罗明", "period": f"{day:%Y-%m}"}
    rows = [company.customer(day, "东莞") for _ in range(per_file)]
    first = fill_template(blank, Filling("customers", header, {"customers": rows}))
    return [first, *(_with_other_phones(first, n) for n in range(1, count))]


def _with_other_phones(data: bytes, variant: int) -> bytes:
    """The workbook with every mobile number replaced by one unique to `variant` (fast: filling
    a template through openpyxl takes ~0.1 s a file)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                found = list(dict.fromkeys(_PHONE.findall(content)))
                for n, phone in enumerate(found):
                    content = content.replace(phone, f"139{variant:04d}{n:04d}".encode())
            copy.writestr(item, content)
    return out.getvalue()


def receipts(settings: Settings, prefix: str = "") -> list[Path]:
    folder = settings.inbox / BRANCH / RECEIPTS_DIR
    return sorted(p for p in folder.glob(f"{prefix}*") if not p.name.startswith("待报提醒"))


def waiting_drops(settings: Settings) -> list[Path]:
    return find_drops(settings)[0]


def wait_for(check: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or check}")


def slow_copy(data: bytes, target: Path, chunk: int = 2048, seconds: float = 2.0,
              watch: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Write `data` in `chunk`-byte pieces spread over `seconds`, as a slow share copy does."""
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    pause = seconds / max(1, len(pieces))
    with target.open("wb") as handle:
        for piece in pieces:
            handle.write(piece)
            handle.flush()
            if watch is not None:
                watch()
            time.sleep(pause)


def ledger(settings: Settings) -> list[Any]:
    with Archive.open(settings) as archive:
        return archive.ledger()


# ── a real `branchflow watch` process ─────────────────────────────────────────────────────────


class WatchProcess:
    """`python -m branchflow -w WS watch ...` with its output in files next to the workspace."""

    def __init__(self, settings: Settings, *args: str, name: str = "watch") -> None:
        self.settings = settings
        self.out = settings.workspace.parent / f"{name}.out"
        self.err = settings.workspace.parent / f"{name}.err"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        }
        command = [
            sys.executable,
            "-m",
            "branchflow",
            "-w",
            str(settings.workspace),
            "watch",
            *args,
        ]
        # The log file outlives a watcher: only what this process writes counts as its log (a
        # second start in the same workspace must not look "started" from the first one's lines).
        self._log_path = self.settings.store_dir / "logs" / "watch.log"
        self._log_start = self._log_path.stat().st_size if self._log_path.exists() else 0
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.proc = subprocess.Popen(command, stdout=out, stderr=err, env=env)

    @property
    def log(self) -> str:
        if not self._log_path.exists():
            return ""
        with self._log_path.open("rb") as handle:
            handle.seek(self._log_start)
            return handle.read().decode("utf-8", errors="replace")

    def started(self) -> None:
        wait_for(lambda: "开始监视" in self.log or self.proc.poll() is not None, what="watch start")
        assert self.proc.poll() is None, self.err.read_text(encoding="utf-8")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no handler, no cleanup
        self.proc.wait(timeout=10)


@contextmanager
def watch_process(settings: Settings, *args: str) -> Iterator[WatchProcess]:
    proc = WatchProcess(settings, *args)
    try:
        proc.started()
        yield proc
    finally:
        if proc.proc.poll() is None:
            proc.kill()


# ── a Watcher in a thread of the test process (short delays through its constructor) ────────


@contextmanager
def watcher_thread(
    settings: Settings, timings: WatchTimings = FAST, polling: bool = False
) -> Iterator[Watcher]:
    box: dict[str, Any] = {}
    ready = threading.Event()

    def run() -> None:
        try:
            with Archive.open(settings) as archive:
                box["watcher"] = Watcher(
                    settings, archive, polling=polling, interval=0.1, timings=timings
                )
                ready.set()
                box["watcher"].run()
        except BaseException as exc:
            box["error"] = exc
            ready.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        if "error" in box:
            raise box["error"]
        yield box["watcher"]
    finally:
        if "watcher" in box:
            box["watcher"].stop()
        thread.join(10)
        assert not thread.is_alive()
    if "error" in box:
        raise box["error"]
