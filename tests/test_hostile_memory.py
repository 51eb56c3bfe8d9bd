"""Hostile workbooks that used to abort the process or take gigabytes: each is answered by a
real `branchflow ingest` in a child process whose peak memory (its own ru_maxrss) is measured.

calamine allocates a dense rectangle up to a sheet's farthest cell (one cell at XFD1048576 asked
for 512 GB); openpyxl makes an object per cell of a merged range. Both are measured first now.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from branchflow.workspace import create_workspace
from builders import customers_workbook

LIMIT_MB = 400
BRANCH = "东莞分中心"
ROWS = [
    (f"客户{i}", f"138{i:08d}", "湄潭县", "永兴镇", "A", "2026-11-03", "罗明") for i in range(30)
]


# The child reports its own high-water mark (VmHWM) as it exits. ru_maxrss from wait4 would
# not do: it keeps the RSS the child had between fork and exec, i.e. the whole test process's.
REPORT_PEAK = """
import atexit, runpy, sys
peak_file = sys.argv.pop(1)
def report():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM"))
    with open(peak_file, "w") as out:
        out.write(kb)
atexit.register(report)
sys.argv[0] = "branchflow"
runpy.run_module("branchflow", run_name="__main__")
"""


def ingest_child(tmp_path: Path, name: str, data: bytes) -> tuple[dict[str, object], float]:
    """Drop one file, run `branchflow ingest --json` as a child; its outcome and peak MB."""
    workspace = tmp_path / "ws"
    create_workspace(workspace)
    (workspace / "inbox" / BRANCH / name).write_bytes(data)
    env = {**os.environ, "BRANCHFLOW_NOW": "2026-11-26T09:30"}
    out, err, peak = tmp_path / "out.json", tmp_path / "err.txt", tmp_path / "peak.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.run(
            [sys.executable, "-c", REPORT_PEAK, str(peak), "-w", str(workspace), "ingest",
             "--json"],
            stdout=stdout,
            stderr=stderr,
            env=env,
            check=False,
        )  # fmt: skip
    assert child.returncode == 0, err.read_text()  # no abort (134), no traceback
    outcomes = [o for o in json.loads(out.read_text()) if o["status"] != "ignored"]
    assert len(outcomes) == 1
    megabytes = int(peak.read_text()) / 1024
    print(f"{name}: {outcomes[0]['status']}, peak {megabytes:.0f} MB")
    return outcomes[0], megabytes


def with_cells(
    data: bytes, cells: dict[str, str], sheet: str = "xl/worksheets/sheet1.xml"
) -> bytes:
    """The workbook with extra inline-string cells written into its sheet XML, where openpyxl
    cannot put them for us (it would allocate too)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    xml = source.read(sheet)
    rows = b"".join(
        b'<row r="%d"><c r="%s" t="inlineStr"><is><t>%s</t></is></c></row>'
        % (int(re.sub("[A-Z]", "", ref)), ref.encode(), text.encode())
        for ref, text in cells.items()
    )
    xml = xml.replace(b"</sheetData>", rows + b"</sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, xml if info.filename == sheet else source.read(info))
    return out.getvalue()


def codes(outcome: dict[str, object], key: str) -> list[str]:
    return [str(i["code"]) for i in outcome[key]]  # type: ignore[union-attr]


@pytest.mark.parametrize("far", ["XFD1048576", "Y1048576", "AZZ70000"])
def test_a_stray_far_cell_is_ignored_with_a_warning(tmp_path: Path, far: str) -> None:
    data = with_cells(customers_workbook(ROWS), {far: "x"})
    outcome, peak = ingest_child(tmp_path, "客户.xlsx", data)
    assert outcome["status"] == "accepted" and outcome["rows"] == 30
    assert "sheet.far_cells" in codes(outcome, "warnings")
    assert peak <= LIMIT_MB


def test_many_far_cells_are_data_not_strays_and_the_file_is_refused(tmp_path: Path) -> None:
    far = {f"A{1_000_000 + i}": "x" for i in range(200)}
    outcome, peak = ingest_child(tmp_path, "客户.xlsx", with_cells(customers_workbook(ROWS), far))
    assert outcome["status"] == "rejected"
    assert codes(outcome, "errors")[0] == "sheet.too_large"
    assert peak <= LIMIT_MB


def test_a_far_cell_in_an_old_xls_is_refused_not_allocated(tmp_path: Path) -> None:
    data = (Path(__file__).parent / "data" / "formats" / "远处格子.xls").read_bytes()
    outcome, peak = ingest_child(tmp_path, "客户.xls", data)
    assert outcome["status"] == "rejected"
    assert "sheet.too_large" in codes(outcome, "errors")
    assert peak <= LIMIT_MB


def test_a_far_cell_in_an_ods_is_refused_not_allocated(tmp_path: Path) -> None:
    data = (Path(__file__).parent / "data" / "formats" / "远处格子.ods").read_bytes()
    outcome, peak = ingest_child(tmp_path, "客户.ods", data)
    assert outcome["status"] == "rejected"
    assert "sheet.too_large" in codes(outcome, "errors")
    assert peak <= LIMIT_MB


@pytest.mark.parametrize("merged", ["F8:F1000007", "A300:XFD1048576"])
def test_a_huge_merged_range_gets_the_text_rejection(tmp_path: Path, merged: str) -> None:
    book = openpyxl.load_workbook(io.BytesIO(customers_workbook([("张三", "123", *ROWS[0][2:])])))
    sheet = book["客户档案"]
    sheet.merged_cells.ranges.add(merged)  # a range object only: no MergedCell objects made
    out = io.BytesIO()
    book.save(out)
    outcome, peak = ingest_child(tmp_path, "客户.xlsx", out.getvalue())
    assert outcome["status"] == "rejected"
    assert str(outcome["receipt"]).endswith(".txt")
    assert peak <= LIMIT_MB


def test_a_csv_at_the_size_limit_stays_within_memory(tmp_path: Path) -> None:
    from branchflow.intake import MAX_TEXT_BYTES

    header = "客户姓名*,手机号码*,户籍县(市、区)*,户籍乡镇*,客户等级*,登记日期*,置业顾问*"
    lines = [header + "".join(f",栏{c}" for c in range(18))]
    row = "客户{0},138{0:08d},湄潭县,永兴镇,A,2026-11-03,罗明" + ",备注x" * 18
    size, i = 0, 0
    while size < MAX_TEXT_BYTES - 200:
        lines.append(row.format(i))
        size += len(lines[-1].encode("gbk")) + 2
        i += 1
    data = "\r\n".join(lines[:-1]).encode("gbk")
    outcome, peak = ingest_child(tmp_path, "名单.csv", data)
    assert outcome["status"] in ("accepted", "rejected")  # either way, answered
    assert peak <= LIMIT_MB


def test_a_big_csv_within_the_cell_budget_is_accepted_within_memory(tmp_path: Path) -> None:
    header = "客户姓名*,手机号码*,户籍县(市、区)*,户籍乡镇*,客户等级*,登记日期*,置业顾问*"
    row = "客户{0},138{0:08d},湄潭县,永兴镇,A,2026-11-03,罗明,,,,,,,,,,,,,,,,,,"
    data = "\r\n".join([header, *(row.format(i) for i in range(60_000))]).encode("gbk")
    outcome, peak = ingest_child(tmp_path, "名单.csv", data)
    assert outcome["status"] == "accepted" and outcome["rows"] == 60_000
    assert peak <= LIMIT_MB
