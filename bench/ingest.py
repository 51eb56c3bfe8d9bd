"""End-to-end `branchflow ingest` against merely reading the same files with openpyxl.

Run: make bench  (= .venv/bin/python bench/ingest.py [--quick] [--keep DIR] [--inline-strings])

Two workloads, generated in a temporary workspace (generation is not measured):
  * 200 customer workbooks × 50 customers (+10 follow-ups each), spread over the five sample
    branches and filled the way staff fill them (branchflow.sample.fill on the pre-filled blanks,
    with the demo's staff habits: float phones, text dates, merged townships, hidden rows, …);
  * one customer workbook of 100k customers (openpyxl write_only, the template's layout).
openpyxl writes every string inline; the files are then rewritten with a shared-string table, as
Excel and WPS save them (openpyxl reads inline strings about 2x slower, which would flatter the
ratio). --inline-strings skips that step.

For each workload, in the same run and on the same bytes:
  * baseline: openpyxl load_workbook(read_only=True) iterating every value of every sheet of
    every file, timed inside one process (imports and interpreter start not counted);
  * ingest: `python -m branchflow ingest` in a fresh workspace as a child process (what a user
    runs: interpreter start, imports, receipts and the master archive export included), wall
    time and the child's peak RSS from os.wait4's ru_maxrss;
  * for information, the same ingest in-process (pipeline.ingest on a fresh Archive, imports and
    Archive.open excluded), also in a child so its RSS is its own.
Targets (issue 2): ingest ≤ 1.0× baseline for 200 files, ≤ 1.5× for 100k rows, RSS ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

NOW = "2026-11-26T10:00"  # the drops' received time: their dates are in Oct–Nov 2026
STAFF = ("罗明", "田秀英", "冉海", "龙小燕")
SHEET = "客户档案"


@dataclass(frozen=True)
class Workload:
    name: str
    files: int
    rows: int  # customers in all files together
    ratio_target: float


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time of the measured part
    rss_mb: float  # the child's peak resident set
    inner: float | None = None  # time the child measured itself (None for the CLI)


# ── generating the files ─────────────────────────────────────────────────────────────────────


def make_small_files(settings: Any, folder: Path, files: int, per_file: int) -> None:
    """`files` customer workbooks of `per_file` customers, round-robin over the branches."""
    from branchflow.sample.demo import QUIRKS
    from branchflow.sample.fill import Filling, fill_template
    from branchflow.sample.people import SampleCompany

    companies = {
        b.name: (b.city, SampleCompany(seed=i + 11, projects=settings.project_names, staff=STAFF))
        for i, b in enumerate(settings.branches)
    }
    branches = list(companies)
    for n in range(files):
        branch = branches[n % len(branches)]
        city, company = companies[branch]
        day = date(2026, 10, 1) + timedelta(days=n % 50)
        customers = [company.customer(day, city) for _ in range(per_file)]
        followups = [company.followup(c, day + timedelta(days=1)) for c in customers[:10]]
        filling = Filling(
            "customers",
            {"branch": branch, "reporter": STAFF[0], "period": f"{day:%Y-%m}"},
            {"customers": customers, "followups": followups},
        )
        blank = settings.inbox / branch / "空白模板" / f"客户档案-{branch}.xlsx"
        data = fill_template(blank, filling, QUIRKS.get(branch))
        target = folder / branch / f"{branch[:2]}客户登记表-{n + 1:03d}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def make_big_file(settings: Any, folder: Path, count: int) -> None:
    """One 客户档案 of `count` customers, written row by row in the blank template's layout."""
    import openpyxl

    from branchflow.sample.people import SampleCompany
    from branchflow.templates.definitions import CUSTOMERS

    branch = settings.branches[0]
    blank = openpyxl.load_workbook(
        settings.inbox / branch.name / "空白模板" / f"客户档案-{branch.name}.xlsx"
    )
    book = openpyxl.Workbook(write_only=True)
    for prop in blank.custom_doc_props.props:  # the kind marker
        book.custom_doc_props.append(prop)
    company = SampleCompany(seed=7, projects=settings.project_names, staff=STAFF)
    keys = [f.key for f in CUSTOMERS.table("customers").fields]
    for source in blank.worksheets:
        sheet = book.create_sheet(source.title)
        rows = [list(row) for row in source.iter_rows(values_only=True)]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()  # the blank's formatted empty rows
        for values in rows:
            if values[0] in ("填报人*：", "报告期："):
                values[1] = STAFF[0] if values[0].startswith("填报人") else "2026-11"
            sheet.append(values)
            if source.title == SHEET and values[0] == "客户姓名*":
                start = date(2026, 1, 1)
                for n in range(count):
                    customer = company.customer(start + timedelta(days=n % 320), branch.city)
                    sheet.append([customer.get(k) for k in keys])
    target = folder / branch.name / f"{branch.name[:2]}客户总表.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)


_INLINE = re.compile(
    rb'<c ([^>]*?)t="inlineStr"([^>]*)>(?:<is><t(?: xml:space="preserve")?>(.*?)</t></is>)?</c>',
    re.S,
)
_SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_SST_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def excel_strings(data: bytes) -> bytes:
    """openpyxl stores every string inline; Excel and WPS keep them in a shared-string table,
    which openpyxl reads about twice as fast. Rewrite the cells the way Excel saves them, so
    the baseline is the one a real staff file gives (styles, merges, hidden rows unchanged)."""
    strings: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        attrs = (match[1] + match[2]).strip()
        if match[3] is None:  # an empty inline string: Excel keeps just the styled cell
            return b"<c " + attrs + b"/>"
        index = strings.setdefault(match[3], len(strings))
        return b"<c " + attrs + b' t="s"><v>' + str(index).encode() + b"</v></c>"

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            part = source.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                part = _INLINE.sub(shared, part)
            elif item.filename == "[Content_Types].xml":
                override = (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_CONTENT}"/>'
                )
                part = part.replace(b"</Types>", override.encode() + b"</Types>")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Id="rIdSst" Type="{_SST_TYPE}" Target="sharedStrings.xml"/>'
                part = part.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            target.writestr(item.filename, part, zipfile.ZIP_DEFLATED)
        items = b"".join(b'<si><t xml:space="preserve">' + s + b"</t></si>" for s in strings)
        count = str(len(strings)).encode()
        target.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
            b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
            + count
            + b'" uniqueCount="'
            + count
            + b'">'
            + items
            + b"</sst>",
            zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


# ── measuring ────────────────────────────────────────────────────────────────────────────────


# A forked child's ru_maxrss starts at its parent's size (Linux records the pre-exec RSS), so
# the measured program is started by this small launcher, not by the bench process itself.
LAUNCHER = """
import json, os, subprocess, sys, time
args, out = json.loads(sys.argv[1]), open(sys.argv[2], "wb")
start = time.perf_counter()
proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]))
"""


def child(args: list[str], workspace: Path | None = None) -> tuple[float, float, str]:
    """Run a child Python: (wall seconds, peak RSS MB from wait4, its output)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BRANCHFLOW_NOW": NOW}
    if workspace is not None:
        env["BRANCHFLOW_WORKSPACE"] = str(workspace)
    with tempfile.NamedTemporaryFile() as out:
        command = json.dumps([sys.executable, *args])
        found = subprocess.run(
            [sys.executable, "-c", LAUNCHER, command, out.name],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        wall, rss, code = json.loads(found.stdout)
        text = Path(out.name).read_text(encoding="utf-8", errors="replace")
    if code != 0:
        raise SystemExit(f"child {args} failed ({code}):\n{text[-3000:]}")
    return wall, rss, text


def read_all(folder: Path) -> int:
    """The baseline: every value of every sheet of every workbook, openpyxl read-only."""
    import openpyxl

    cells = 0
    for path in sorted(folder.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
        book.close()
    return cells


def ingest_in_process(workspace: Path) -> dict[str, Any]:
    """pipeline.ingest on a fresh Archive, timed from after the imports and Archive.open."""
    from branchflow.archive.store import Archive
    from branchflow.config import load_settings
    from branchflow.pipeline import ingest

    settings = load_settings(workspace, now=NOW)
    with Archive.open(settings) as archive:
        start = time.perf_counter()
        report = ingest(settings, archive)
        seconds = time.perf_counter() - start
    statuses = [o.status for o in report.outcomes if o.status != "ignored"]
    return {"seconds": seconds, "accepted": statuses.count("accepted"), "files": len(statuses)}


def fresh_workspace(root: Path, name: str, files: Path) -> Path:
    from branchflow.workspace import create_workspace

    workspace = root / name
    settings = create_workspace(workspace)
    for path in files.rglob("*.xlsx"):
        target = settings.inbox / path.relative_to(files)
        shutil.copyfile(path, target)
    return workspace


def measure(root: Path, workload: Workload, files: Path) -> dict[str, Run]:
    here = str(Path(__file__).resolve())
    wall, rss, text = child([here, "--child-read", str(files)])
    read = Run(wall, rss, json.loads(text)["seconds"])
    workspace = fresh_workspace(root, f"{workload.name}-lib", files)
    wall, rss, text = child([here, "--child-ingest", str(workspace)])
    found = json.loads(text)
    library = Run(wall, rss, found["seconds"])
    if found["accepted"] != workload.files:
        raise SystemExit(f"{workload.name}: only {found['accepted']} of {workload.files} accepted")
    workspace = fresh_workspace(root, f"{workload.name}-cli", files)
    wall, rss, text = child(["-m", "branchflow", "ingest"], workspace)
    if text.count("已接收") != workload.files:
        raise SystemExit(f"{workload.name}: the CLI did not accept every file:\n{text[-2000:]}")
    return {"read": read, "library": library, "cli": Run(wall, rss)}


def report(results: list[tuple[Workload, dict[str, Run]]], quick: bool) -> None:
    print()
    if quick:  # interpreter start and imports (~0.5 s) weigh too much in a smoke run
        print("Smoke run (--quick): the targets apply to the full-size workloads only.")
    print(
        "| workload | openpyxl read s | `branchflow ingest` s | ratio (target) | peak RSS MB (≤ 300) |"
    )
    print("|---|---:|---:|---:|---:|")
    for workload, runs in results:
        base, cli = runs["read"].inner or runs["read"].seconds, runs["cli"]
        ratio = cli.seconds / base
        mark = "ok" if ratio <= workload.ratio_target else "MISSED"
        rss = "ok" if cli.rss_mb <= 300 else "MISSED"
        if quick:
            mark = rss = "smoke run"
        print(
            f"| {workload.name} | {base:.2f} | {cli.seconds:.2f} | {ratio:.2f}× "
            f"(≤ {workload.ratio_target:.1f}×, {mark}) | {cli.rss_mb:.0f} ({rss}) |"
        )
    print()
    print("Details (s): read = inside the reading process / whole child; ingest = pipeline.ingest")
    print("in-process (after imports and Archive.open) / whole child; CLI = whole child.")
    for workload, runs in results:
        read, lib, cli = runs["read"], runs["library"], runs["cli"]
        print(
            f"  {workload.name}: read {read.inner:.2f} / {read.seconds:.2f} ({read.rss_mb:.0f} MB)"
            f"; ingest {lib.inner:.2f} / {lib.seconds:.2f} ({lib.rss_mb:.0f} MB)"
            f"; CLI {cli.seconds:.2f} ({cli.rss_mb:.0f} MB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="20 files and 10k rows (smoke run)")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument(
        "--inline-strings",
        action="store_true",
        help="keep openpyxl's inline strings (openpyxl reads those about 2x slower than Excel's)",
    )
    parser.add_argument("--child-read", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-ingest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_read:
        import openpyxl  # noqa: F401 (imported before the clock starts, as branchflow's are)

        start = time.perf_counter()
        cells = read_all(args.child_read)
        print(json.dumps({"seconds": time.perf_counter() - start, "cells": cells}))
        return
    if args.child_ingest:
        print(json.dumps(ingest_in_process(args.child_ingest)))
        return
    small, big = (20, 10_000) if args.quick else (200, 100_000)
    workloads = [
        Workload(f"{small} files × 50 customers", small, small * 50, 1.0),
        Workload(f"1 file × {big // 1000}k customers", 1, big, 1.5),
    ]
    with tempfile.TemporaryDirectory(prefix="branchflow-bench-") as temp:
        root = args.keep or Path(temp)
        root.mkdir(parents=True, exist_ok=True)
        results = []
        for workload, build in zip(workloads, ("small", "big"), strict=True):
            runs = generate_and_measure(root, workload, build, not args.inline_strings)
            results.append((workload, runs))
        report(results, args.quick)


def generate_and_measure(root: Path, workload: Workload, build: str, excel: bool) -> dict[str, Run]:
    from branchflow.workspace import create_workspace

    started = time.perf_counter()
    source = create_workspace(root / f"{build}-source")
    files = root / f"{build}-files"
    if build == "small":
        make_small_files(source, files, workload.files, 50)
    else:
        make_big_file(source, files, workload.rows)
    if excel:
        for path in files.rglob("*.xlsx"):
            path.write_bytes(excel_strings(path.read_bytes()))
    print(f"{workload.name}: generated in {time.perf_counter() - started:.0f} s", flush=True)
    runs = measure(root, workload, files)
    print(
        f"{workload.name}: read {runs['read'].inner:.2f} s, ingest {runs['cli'].seconds:.2f} s",
        flush=True,
    )
    return runs


if __name__ == "__main__":
    main()
