"""Benchmark (not a test): the cost of a small drop and of the month's documents on a big archive,
against the same work on an empty one.

Run: .venv/bin/python bench/scale.py [--customers 200000] [--only ingest|report]

The big archive is built once through the archive's bulk path (bench/console.py's prepare:
5 branches × 40k customers intending to buy in the six projects, follow-ups for every 4th, 撞单)
and kept in bench/out/scale-<N>/ for the next run. Each workload copies it first (not timed),
and `branchflow export` writes the master archive into the copy, as on a site that has been
running (not timed). Every measured command is `python -m branchflow …` in a child process
(interpreter start and imports included); peak memory is the child's own ru_maxrss.

  * small drop: one 50-customer workbook (+10 follow-ups) filled the way staff fill the template,
    `branchflow ingest`, on the big archive vs on an empty workspace. "answered" is when the
    command has printed its summary (every receipt written); "total" when it exited (the master
    archive's export finished too). Then the same customers re-saved as new bytes (nothing new):
    nothing may be rewritten.
  * the month's documents: `branchflow report --period 2026-11` on the big archive vs on an empty
    workspace. Targets: ≤ 30 s and ≤ 400 MB on 200k customers.
Targets: a small drop answered within 3× of the empty workspace's time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

NOW = "2026-11-26T09:30"  # bench/console.py's archive is as of this moment
OUT = ROOT / "bench" / "out"
ARCHIVE_DIR = "outbox/archive"

# Starts the measured command and reads its output line by line: the moment the answer line
# appears is the moment the user has their answer. A forked child's ru_maxrss starts at its
# parent's size, hence this small launcher (as in bench/ingest.py).
LAUNCHER = """
import json, os, subprocess, sys, time
args, marker, out = json.loads(sys.argv[1]), sys.argv[2], open(sys.argv[3], "w")
start = time.perf_counter()
proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
answered = None
for line in proc.stdout:
    if answered is None and marker and marker in line:
        answered = time.perf_counter() - start
    out.write(line)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, answered, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]))
"""


@dataclass(frozen=True)
class Run:
    wall: float
    answered: float | None
    rss_mb: float
    output: str


def run(workspace: Path, *args: str, marker: str = "") -> Run:
    """`python -m branchflow ARGS` in `workspace` as a child: wall time, answer time, peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BRANCHFLOW_NOW": NOW}
    env["BRANCHFLOW_WORKSPACE"] = str(workspace)
    command = json.dumps([sys.executable, "-m", "branchflow", *args])
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        found = subprocess.run(
            [sys.executable, "-c", LAUNCHER, command, marker, out.name],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        wall, answered, rss, code = json.loads(found.stdout)
        text = Path(out.name).read_text(encoding="utf-8", errors="replace")
    if code != 0:
        raise SystemExit(f"branchflow {' '.join(args)} failed ({code}):\n{text[-3000:]}")
    return Run(wall, answered, rss, text)


# ── workspaces ───────────────────────────────────────────────────────────────────────────────


def big_archive(customers: int) -> Path:
    """The cached big workspace (built on first use)."""
    from console import prepare

    folder = OUT / f"scale-{customers}"
    prepare(folder, customers)
    return folder


def copy_of(source: Path, target: Path) -> Path:
    """A running site: the archive copied, its master archive exported (neither timed)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.sqlite3-wal", "*.lock"))
    run(target, "export")
    return target


def empty_workspace(target: Path) -> Path:
    from branchflow.workspace import create_workspace

    if target.exists():
        shutil.rmtree(target)
    create_workspace(target)
    return target


def small_drop(workspace: Path, name: str, seed: int = 11) -> Path:
    """One 50-customer workbook with 10 follow-ups, filled the way staff fill the template."""
    from branchflow.config import load_settings
    from branchflow.sample.demo import QUIRKS
    from branchflow.sample.fill import Filling, fill_template
    from branchflow.sample.people import SampleCompany

    settings = load_settings(workspace, now=NOW)
    branch = settings.branches[1]
    company = SampleCompany(seed=seed, projects=settings.project_names, staff=("罗明", "冉海"))
    day = date(2026, 11, 20)
    customers = [company.customer(day, branch.city) for _ in range(50)]
    followups = [company.followup(c, date(2026, 11, 21)) for c in customers[:10]]
    filling = Filling(
        "customers",
        {"branch": branch.name, "reporter": "罗明", "period": "2026-11"},
        {"customers": customers, "followups": followups},
    )
    blank = settings.inbox / branch.name / "空白模板" / f"客户档案-{branch.name}.xlsx"
    target = settings.inbox / branch.name / name
    target.write_bytes(fill_template(blank, filling, QUIRKS.get(branch.name)))
    return target


def archive_files(workspace: Path) -> dict[str, tuple[int, int]]:
    """Each archive workbook's (inode, mtime_ns): what a rewrite changes."""
    folder = workspace / ARCHIVE_DIR
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*.xlsx")}


# ── workloads ────────────────────────────────────────────────────────────────────────────────


def ingest_workload(big: Path, scratch: Path) -> list[str]:
    lines = ["| small drop (50 customers) | answered s | total s | peak RSS MB | rewritten |"]
    lines.append("|---|---:|---:|---:|---|")
    results = {}
    for label, workspace in (
        ("empty workspace", empty_workspace(scratch / "empty")),
        ("big archive", copy_of(big, scratch / "big")),
    ):
        before = archive_files(workspace)
        drop = small_drop(workspace, "客户登记表-本周.xlsx")
        found = run(workspace, "ingest", marker="共处理")
        if "已接收" not in found.output:
            raise SystemExit(f"the drop was not accepted:\n{found.output[-2000:]}")
        results[label] = found
        lines.append(_ingest_line(label, found, before, archive_files(workspace)))
        if label == "big archive":  # the same customers again, re-saved: nothing changes
            before = archive_files(workspace)
            small_drop(workspace, drop.name.replace("本周", "本周(2)"))
            again = run(workspace, "ingest", marker="共处理")
            lines.append(_ingest_line("big, nothing new", again, before, archive_files(workspace)))
    empty, big_run = results["empty workspace"], results["big archive"]
    ratio = (big_run.answered or big_run.wall) / (empty.answered or empty.wall)
    verdict = "ok" if ratio <= 3 else "OVER the 3× target"
    lines.append("")
    lines.append(f"answered on the big archive / on the empty one: {ratio:.2f}× ({verdict})")
    lines.append(f"total (with the export) big / empty: {big_run.wall / empty.wall:.2f}×")
    return lines


def _ingest_line(
    label: str, found: Run, before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> str:
    rewritten = sorted(name for name in after if before.get(name) != after[name])
    answered = f"{found.answered:.2f}" if found.answered is not None else "—"
    shown = ", ".join(n.removesuffix(".xlsx") for n in rewritten) or "nothing"
    return f"| {label} | {answered} | {found.wall:.2f} | {found.rss_mb:.0f} | {shown} |"


def report_workload(big: Path, scratch: Path) -> list[str]:
    lines = [
        "| month's documents (2026-11) | wall s | peak RSS MB | files |",
        "|---|---:|---:|---:|",
    ]
    found = {}
    for label, workspace in (
        ("empty workspace", empty_workspace(scratch / "empty-report")),
        ("big archive", copy_of(big, scratch / "big-report")),
    ):
        result = run(workspace, "report", "--period", "2026-11", "--json")
        files = len(json.loads(result.output[result.output.index("[") :]))
        found[label] = result
        lines.append(f"| {label} | {result.wall:.2f} | {result.rss_mb:.0f} | {files} |")
    big_run, empty = found["big archive"], found["empty workspace"]
    ok = big_run.wall <= 30 and big_run.rss_mb <= 400
    lines.append("")
    lines.append(
        f"big / empty: {big_run.wall / empty.wall:.2f}× time, {big_run.rss_mb / empty.rss_mb:.2f}×"
        f" memory ({'ok' if ok else 'OVER'} the ≤ 30 s, ≤ 400 MB target)"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--only", choices=("ingest", "report"))
    args = parser.parse_args()
    started = time.perf_counter()
    big = big_archive(args.customers)
    print(f"archive of {args.customers} customers ready ({time.perf_counter() - started:.0f} s)")
    scratch = OUT / "scale-runs"
    scratch.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    if args.only in (None, "ingest"):
        lines += ingest_workload(big, scratch)
        lines.append("")
    if args.only in (None, "report"):
        lines += report_workload(big, scratch)
    print(f"\n{args.customers} customers (5 branches), machine shared with other jobs:\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
