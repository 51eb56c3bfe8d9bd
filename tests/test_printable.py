"""A file name is the dropper's choice: it may not forge a log line or drive the terminal."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from branchflow.printable import json_safe, printable
from branchflow.watch.logs import start_logging
from builders import filled_customers

DG = "东莞分中心"
FORGED = "客户\n09:30:00 INFO branchflow.watch: 已接收  伪造.xlsx"
TITLE = "客户\x1b]0;已被接管\x07\x9b2J.xlsx"
CONTROLS = ("\n", "\x1b", "\x07", "\x9b", "\u202e")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("客户档案(2).xlsx", "客户档案(2).xlsx"),
        ("a\nb\r\tc", "a\\nb\\r\\tc"),
        ("\x1b]0;x\x07", "\\x1b]0;x\\x07"),
        ("\x9b2J\x7f", "\\x9b2J\\x7f"),
        ("gpj.\u202exlsx", "gpj.\\u202exlsx"),
        ("①全角１２", "①全角１２"),
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_json_keeps_the_true_name_with_every_control_escaped() -> None:
    text = json_safe(json.dumps({"path": TITLE}, ensure_ascii=False))
    assert json.loads(text) == {"path": TITLE}
    assert not any(ch in text for ch in CONTROLS)


def test_a_name_with_a_newline_is_one_line_of_the_log(tmp_path: Path) -> None:
    echoed: list[str] = []
    stop = start_logging(tmp_path / "watch.log", echoed.append)
    try:
        logging.getLogger("branchflow.watch").info("已接收  %s/%s", DG, FORGED)
    finally:
        stop()
    [line] = (tmp_path / "watch.log").read_text(encoding="utf-8").splitlines()
    assert line.endswith(
        "已接收  东莞分中心/客户\\n09:30:00 INFO branchflow.watch: 已接收  伪造.xlsx"
    )
    [shown] = echoed
    assert "\n" not in shown and shown.endswith("伪造.xlsx")


def run(ws: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "BRANCHFLOW_NOW": "2026-11-26T09:30",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
    }
    return subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(ws), *args],
        capture_output=True, env=env, timeout=120,
    )  # fmt: skip


@pytest.mark.skipif(sys.platform == "win32", reason="such names cannot exist on Windows")
def test_names_reach_the_terminal_and_the_receipts_escaped(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert run(ws, "init", str(ws)).returncode == 0
    for n, name in enumerate((FORGED + ".xlsx", TITLE)):
        data = filled_customers(ws / "inbox", DG, [f"1381234567{n}"])
        (ws / "inbox" / DG / name).write_bytes(data)
    backup = tmp_path / "again"
    shutil.copytree(ws / "inbox" / DG, backup)
    done = run(ws, "ingest")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    assert not any(ch in out.replace("\n", "") for ch in CONTROLS)
    assert len(out.splitlines()) == 2 + 1 + 2  # two files, the summary, two workbooks
    assert "客户\\x1b]0;已被接管\\x07\\x9b2J.xlsx" in out
    for answer in (ws / "inbox" / DG / "回执").iterdir():
        assert not any(ch in answer.name for ch in CONTROLS)
        lines = answer.read_text(encoding="utf-8-sig").splitlines()
        assert not any(ch in line for line in lines for ch in CONTROLS)
        assert not any(line.startswith("09:30:00") for line in lines)
    for name in (FORGED + ".xlsx", TITLE):  # again, as JSON: the true names
        shutil.copy(backup / name, ws / "inbox" / DG / name)
    raw = run(ws, "ingest", "--json").stdout.decode("utf-8")
    assert not any(ch in raw for ch in CONTROLS[1:])
    paths = {o["path"] for o in json.loads(raw)}
    assert paths == {f"{DG}/{FORGED}.xlsx", f"{DG}/{TITLE}"}
