"""Benchmark (not a test): 100k customer upserts in one drop, a re-drop, and the bulk read.

Run: PYTHONPATH=src:tests/archive .venv/bin/python bench/archive_upsert.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from archive_helpers import A, customer, customers_batch, drop, followup, make_settings

from branchflow.archive.store import Archive


def main(n: int) -> None:
    grades = "ABCD"
    rows = [
        customer(
            i,
            f"13{i:09d}",
            name=f"客户{i}",
            grade=grades[i % 4],
            township=f"镇{i % 50}",
            monthly_income=5000 + i % 300,
            family_size=i % 6 + 1,
            remark="老乡介绍",
        )
        for i in range(n)
    ]
    visits = [followup(i, f"13{i:09d}", content=f"第{i}次电话") for i in range(n // 2)]
    changed = [
        customer(i, f"13{i:09d}", name=f"客户{i}", grade="A" if i % 10 == 0 else grades[i % 4],
                 township=f"镇{i % 50}", monthly_income=5000 + i % 300, family_size=i % 6 + 1,
                 remark="老乡介绍")
        for i in range(n)
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, Archive.open(make_settings(Path(folder))) as ar:
        timed("new customers", lambda: drop(ar, customers_batch(A, rows), data=b"1"))
        timed("re-drop, 10% changed", lambda: drop(ar, customers_batch(A, changed), data=b"2"))
        timed(f"{n // 2} follow-ups", lambda: drop(ar, customers_batch(A, (), visits), data=b"3"))
        timed("customers() read", ar.customers)
        timed("township_counts()", ar.township_counts)
        timed("followups() read", ar.followups)
        assert len(ar.customers()) == n
        assert ar.customers()[0]["registered_on"] == date(2026, 11, 3)


def timed(label: str, action: object) -> None:
    start = time.perf_counter()
    result = action()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    summary = getattr(result, "new_customers", None)
    print(f"{label:<24} {elapsed:6.2f} s  {'' if summary is None else result}"[:160])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
