"""Benchmark (not a test): drop → receipt latency of a real `branchflow watch` process, and the
number of master-archive exports a burst of drops costs.

Each drop is written beside the inbox and renamed in, so "the copy completed" is one instant;
the clock stops when the receipt appears in the branch's 回执 folder.

Run: PYTHONPATH=src:tests .venv/bin/python bench/watch_latency.py [DROPS] [BURST]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from watch_helpers import BRANCH, WatchProcess, customer_drops, new_workspace, receipts, wait_for

MODES = {
    "--polling --interval 0.5": ("--polling", "--interval", "0.5"),
    "native events": (),
}


def latencies(mode: tuple[str, ...], drops: list[bytes], root: Path) -> list[float]:
    settings = new_workspace(root)
    watcher = WatchProcess(settings, *mode)
    watcher.started()
    found = []
    try:
        for n, data in enumerate(drops):
            staged = settings.workspace / f"staged-{n}.xlsx"
            staged.write_bytes(data)
            before = len(receipts(settings))
            staged.replace(settings.inbox / BRANCH / f"登记{n:03d}.xlsx")
            start = time.perf_counter()
            wait_for(lambda b=before: len(receipts(settings)) > b, timeout=30, what="receipt")
            found.append(time.perf_counter() - start)
            time.sleep(0.3)  # drops apart, not a burst
    finally:
        watcher.stop()
    return found


def burst(drops: list[bytes], root: Path) -> tuple[int, float]:
    settings = new_workspace(root)
    watcher = WatchProcess(settings, "--polling", "--interval", "0.5")
    watcher.started()
    try:
        start = time.perf_counter()
        for n, data in enumerate(drops):
            (settings.inbox / BRANCH / f"批量{n:03d}.xlsx").write_bytes(data)
        wait_for(lambda: len(receipts(settings)) == len(drops), timeout=120, what="burst")
        elapsed = time.perf_counter() - start
        wait_for(lambda: "客户总档案.xlsx" in watcher.log, timeout=30, what="export")
        time.sleep(3)
    finally:
        watcher.stop()
    return watcher.log.count("客户总档案.xlsx"), elapsed


def main(count: int, burst_size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        drops = customer_drops(new_workspace(root / "drops"), max(count, burst_size))
        for label, mode in MODES.items():
            found = sorted(latencies(mode, drops[:count], root / label.replace(" ", "_")))
            print(
                f"{label:28s} drop→receipt over {count} drops: median {statistics.median(found):.2f} s, "
                f"p90 {found[int(0.9 * (len(found) - 1))]:.2f} s, max {found[-1]:.2f} s"
            )
        exports, elapsed = burst(drops[:burst_size], root / "burst")
        print(f"burst of {burst_size} drops: all answered in {elapsed:.1f} s, {exports} export(s)")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 20, int(sys.argv[2]) if len(sys.argv) > 2 else 50
    )
