"""Benchmark (not a test): render a full month's Word documents against a bare docxtpl baseline.

Run: PYTHONPATH=src .venv/bin/python bench/report.py [customers per branch per drop]

The workspace has 10 branches, 5 departments and 6 projects; `branchflow demo` fills it with two
months of realistic drops (not timed). Then, in the same run:
  - branchflow: `render_period(--period 2026-11)` — archive reads, figures, charts, every document;
  - baseline: the same templates and the same tables through a bare `DocxTemplate.render()`
    (docxtpl's default environment, no charts, no archive), each document saved to memory.
Target: branchflow ≤ 2× the baseline and ≤ 10 s.
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from branchflow.archive.store import Archive
from branchflow.config import CONFIG_NAME, SAMPLE_CONFIG, Settings, load_settings
from branchflow.reports import month_jobs, render_period
from branchflow.reports.charts import Chart
from branchflow.reports.periods import Month
from branchflow.reports.word_templates import BUILDERS, build_template
from branchflow.sample import demo

MORE_BRANCHES = (("广州分中心", "广州市"), ("厦门分中心", "厦门市"), ("杭州分中心", "杭州市"),
                 ("佛山分中心", "佛山市"), ("上海分中心", "上海市"))  # fmt: skip
FIFTH_DEPARTMENT = (
    '\n[[departments]]\nname = "营销中心领导"\nreceives = ["monthly_summary", "conflicts"]\n'
)


def build(folder: Path) -> Settings:
    """A 10-branch, 5-department, 6-project workspace with the demo's two months of drops."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    extra = "".join(f'\n[[branches]]\nname = "{n}"\ncity = "{c}"\n' for n, c in MORE_BRANCHES)
    text = re.sub(r"(\n# ── 在售项目)", extra.replace("\\", "\\\\") + r"\1", text, count=1)
    text = text.replace("\n# ── 报送日历", FIFTH_DEPARTMENT + "\n# ── 报送日历", 1)
    folder.mkdir(parents=True)
    (folder / CONFIG_NAME).write_text(text, encoding="utf-8")
    demo.run_demo(folder)
    settings = load_settings(folder)
    assert (len(settings.branches), len(settings.departments), len(settings.projects)) == (10, 5, 6)
    return settings


def ours(settings: Settings) -> tuple[float, int]:
    start = time.perf_counter()
    written = render_period(settings, period="2026-11", week=None, notes=lambda _: None)
    return time.perf_counter() - start, len(written)


def baseline(settings: Settings) -> tuple[float, int]:
    """The same documents' tables through plain docxtpl (contexts prepared before timing)."""
    with Archive.open(settings) as archive:
        jobs = [
            (job.template, _plain(job.context))
            for job in month_jobs(settings, archive, Month(2026, 11))
        ]
    templates = {name: build_template(name) for name in BUILDERS}
    start = time.perf_counter()
    for template, context in jobs:
        document = DocxTemplate(io.BytesIO(templates[template]))
        document.render(context)
        document.save(io.BytesIO())
    return time.perf_counter() - start, len(jobs)


def _plain(value: Any) -> Any:
    """Charts left out: the baseline renders tables and text only."""
    if isinstance(value, Chart):
        return ""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        settings = build(Path(folder) / "ws")
        print(f"setup (demo drops, not timed)  {time.perf_counter() - started:6.2f} s")
        render_period(settings, period="2026-11", week=None, notes=lambda _: None)  # warm-up
        with Archive.open(settings) as archive:
            customers = len(archive.customers())
        base, count = baseline(settings)
        mine, written = ours(settings)
        print(f"{customers} customers, 10 branches, 5 departments, 6 projects")
        print(f"baseline: bare docxtpl, {count} documents  {base:6.2f} s")
        print(f"branchflow report --period 2026-11: {written} documents  {mine:6.2f} s")
        ratio = mine / base
        verdict = "ok" if ratio <= 2 and mine <= 10 else "OVER TARGET"
        print(f"ratio {ratio:.2f}× (target ≤ 2×, ≤ 10 s): {verdict}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print("(the demo's own volumes are used; no arguments)")
    main()
