"""End to end through the real command: workbooks filled the way staff fill them, then `ingest`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from branchflow.config import BLANKS_DIR, RECEIPTS_DIR
from branchflow.sample.fill import Filling, Quirks, fill_template
from branchflow.templates.definitions import TEMPLATES
from builders import zip_bytes

NOW = "2026-11-26T09:30"


def run(ws: Path, *args: str, now: str = NOW) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BRANCHFLOW_NOW": now,
        "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
    }
    env.pop("BRANCHFLOW_WORKSPACE", None)
    return subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(ws), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def ingest(ws: Path, now: str = NOW) -> list[dict[str, Any]]:
    done = run(ws, "ingest", "--json", now=now)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def blank_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("blank") / "ws"
    done = run(ws, "init", str(ws))
    assert done.returncode == 0, done.stderr
    return ws


@pytest.fixture
def ws(blank_ws: Path, tmp_path: Path) -> Path:
    """A fresh copy of an initialised workspace (init once per module: it writes many blanks)."""
    import shutil

    target = tmp_path / "ws"
    shutil.copytree(blank_ws, target)
    return target


def customer(name: str, phone: str, **extra: Any) -> dict[str, Any]:
    row = {
        "name": name,
        "phone": phone,
        "county": "湄潭县",
        "township": "永兴镇",
        "grade": "B",
        "registered_on": date(2026, 11, 3),
        "consultant": "罗明",
        "project": "黔龙阳光·湄江府",
    }
    return {**row, **extra}


def drop(
    ws: Path,
    branch: str,
    name: str,
    rows: list[dict[str, Any]],
    quirks: Quirks | None = None,
    followups: list[dict[str, Any]] | None = None,
) -> Path:
    blank = ws / "inbox" / branch / BLANKS_DIR / f"{TEMPLATES['customers'].title}-{branch}.xlsx"
    filling = Filling(
        "customers",
        {"branch": branch, "reporter": "罗明", "period": "2026-11"},
        {"customers": rows, "followups": followups or []},
    )
    path = ws / "inbox" / branch / name
    path.write_bytes(fill_template(blank, filling, quirks))
    return path


def master_rows(ws: Path) -> list[dict[str, Any]]:
    book = load_workbook(ws / "outbox" / "archive" / "客户总档案.xlsx", read_only=True)
    rows = list(book["客户总表"].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def codes(issues: list[dict[str, Any]]) -> list[str]:
    return [i["code"] for i in issues]


def test_messy_staff_workbook_is_accepted_with_warnings(ws: Path) -> None:
    rows = [customer(f"客户{i}", f"1381234567{i}") for i in range(5)]
    quirks = Quirks(
        phones_as_float=True,
        text_dates=True,
        extra_column="我的编号",
        merge_townships=True,
        hide_rows=(3,),
        formatted_tail=300,
    )
    path = drop(ws, "东莞分中心", "新建 Microsoft Excel 工作表 (2).xlsx", rows, quirks)
    [result] = ingest(ws)
    assert result["status"] == "accepted", result["errors"]
    assert result["kind"] == "customers" and result["branch"] == "东莞分中心"
    assert result["period"] == "2026-11" and result["counts"]["new_customers"] == 5
    assert set(codes(result["warnings"])) == {"cell.merged", "row.hidden"}
    assert not path.exists()
    receipt = ws / result["receipt"]
    assert receipt.parent == ws / "inbox" / "东莞分中心" / RECEIPTS_DIR
    assert "新增 5 位" in receipt.read_text(encoding="utf-8-sig")
    originals = list((ws / "store" / "originals").rglob("*.xlsx"))
    assert len(originals) == 1 and originals[0].read_bytes()[:2] == b"PK"
    archived = master_rows(ws)
    assert sorted(r["手机号码"] for r in archived) == [f"1381234567{i}" for i in range(5)]
    assert {r["归属分中心"] for r in archived} == {"东莞分中心"}


def test_running_workbook_grows_without_duplicates(ws: Path) -> None:
    rows = [customer(f"客户{i}", f"1391234567{i}") for i in range(3)]
    follow = [
        {
            "phone": "13912345670",
            "date": date(2026, 11, 4),
            "method": "电话",
            "content": "回访",
            "staff": "罗明",
        }
    ]
    drop(ws, "东莞分中心", "客户.xlsx", rows, followups=follow)
    assert ingest(ws)[0]["counts"]["new_customers"] == 3
    rows[1]["grade"] = "A"
    rows.append(customer("新客户", "13912345679"))
    follow.append(
        {
            "phone": "13912345679",
            "date": date(2026, 11, 20),
            "method": "微信",
            "content": "发资料",
            "staff": "罗明",
        }
    )
    drop(ws, "东莞分中心", "客户.xlsx", rows, followups=follow)
    [second] = ingest(ws, now="2026-11-26T15:00")
    counts = second["counts"]
    assert (
        counts["new_customers"],
        counts["updated_customers"],
        counts["unchanged_customers"],
    ) == (1, 1, 2)
    assert (counts["followups_added"], counts["followups_known"]) == (1, 1)
    archived = {r["手机号码"]: r for r in master_rows(ws)}
    assert len(archived) == 4 and archived["13912345671"]["客户等级"] == "A"
    book = load_workbook(ws / "outbox" / "archive" / "客户总档案.xlsx", read_only=True)
    assert len([r for r in book["跟进记录"].iter_rows(min_row=2, values_only=True) if any(r)]) == 2


def test_same_bytes_twice_is_a_duplicate(ws: Path) -> None:
    path = drop(ws, "东莞分中心", "客户.xlsx", [customer("张三", "13712345678")])
    data = path.read_bytes()
    assert ingest(ws)[0]["status"] == "accepted"
    (ws / "inbox" / "东莞分中心" / "客户 - 副本.xlsx").write_bytes(data)
    [again] = ingest(ws, now="2026-11-26T11:00")
    assert again["status"] == "duplicate"
    assert "内容" in (ws / again["receipt"]).read_text(encoding="utf-8-sig")
    assert len(master_rows(ws)) == 1


def test_cross_branch_conflict_keeps_the_owner_and_tells_only_the_masked_phone(ws: Path) -> None:
    drop(ws, "东莞分中心", "客户.xlsx", [customer("王大", "13612345678", remark="东莞的秘密备注")])
    ingest(ws)
    drop(
        ws,
        "宁波分中心",
        "客户.xlsx",
        [customer("王大哥", "13612345678", registered_on=date(2026, 11, 20))],
    )
    [claim] = ingest(ws, now="2026-11-26T12:00")
    assert claim["status"] == "accepted"
    assert "conflict.owned_by_other_branch" in codes(claim["warnings"])
    receipt = (ws / claim["receipt"]).read_text(encoding="utf-8-sig")
    assert "136****5678" in receipt and "东莞分中心" in receipt
    assert "13612345678" not in receipt and "王大" not in receipt.replace("王大哥", "")
    assert "秘密" not in receipt
    [owner] = master_rows(ws)
    assert (owner["归属分中心"], owner["客户姓名"]) == ("东莞分中心", "王大")
    book = load_workbook(ws / "outbox" / "archive" / "客户总档案.xlsx", read_only=True)
    conflicts = [r for r in book["撞单记录"].iter_rows(min_row=2, values_only=True) if any(r)]
    assert len(conflicts) == 1


def test_formula_like_text_stays_text_in_every_workbook_we_write(ws: Path) -> None:
    hostile = '=HYPERLINK("http://example.com","点我")'
    drop(
        ws,
        "东莞分中心",
        "客户.xlsx",
        [customer("@SUM(A1)", "13512345678", remark=hostile, village="-1+2")],
    )
    assert ingest(ws)[0]["status"] == "accepted"
    for name in ("客户总档案.xlsx", "分中心档案-东莞分中心.xlsx"):
        with zipfile.ZipFile(ws / "outbox" / "archive" / name) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            assert all(
                b"<f>" not in archive.read(n) and b"<f " not in archive.read(n) for n in sheets
            )
    [row] = master_rows(ws)
    assert (row["备注"], row["客户姓名"], row["户籍村(社区)"]) == (hostile, "@SUM(A1)", "-1+2")


def test_wrong_cells_come_back_annotated_and_change_nothing(ws: Path) -> None:
    rows = [
        customer("张三", "1381234567"),  # one digit short
        customer("李四", "13812345671", township="永新镇"),  # misspelt
        customer("王五", "13812345672", registered_on=date(2026, 12, 1)),  # future
    ]
    drop(ws, "东莞分中心", "错的.xlsx", rows)
    [result] = ingest(ws)
    assert result["status"] == "rejected"
    flat = sorted((e["sheet"], e["cell"], e["code"]) for e in result["errors"])
    assert ("客户档案", "C8", "phone.invalid") in flat
    assert any(code == "township.unknown" for _, _, code in flat)
    assert any(code == "date.future" for _, _, code in flat)
    assert "永兴镇" in next(
        e["message"] for e in result["errors"] if e["code"] == "township.unknown"
    )
    back = load_workbook(ws / result["receipt"])
    assert back.sheetnames[0] == "错误清单"
    assert back["客户档案"]["C8"].comment is not None
    assert not (ws / "outbox" / "archive" / "客户总档案.xlsx").exists()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "file.damaged"),
        (
            "加密.xlsx",
            (Path(__file__).parent / "data/formats/加密.xlsx").read_bytes(),
            "file.encrypted",
        ),
        (
            "宏.xlsm",
            zip_bytes({"xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"\0"}),
            "file.macro",
        ),
        ("空.xlsx", b"", "file.empty"),
        ("照片.xlsx", b"\xff\xd8\xff\xe0 not a workbook", "file.not_excel"),
        (
            "炸弹.xlsx",
            zip_bytes({"xl/workbook.xml": b"<w/>", "xl/worksheets/s.xml": b"\0" * 30_000_000}),
            "file.zip_bomb",
        ),
    ],
)
def test_hostile_files_are_rejected_with_a_reason_and_kept(
    ws: Path, name: str, data: bytes, code: str
) -> None:
    (ws / "inbox" / "东莞分中心" / name).write_bytes(data)
    [result] = ingest(ws)
    assert (result["status"], codes(result["errors"])) == ("rejected", [code])
    assert (ws / result["receipt"]).exists()
    assert not (ws / "inbox" / "东莞分中心" / name).exists()


def test_litter_is_left_alone(ws: Path) -> None:
    for name in ("~$客户.xlsx", ".~lock.客户.xlsx#", "Thumbs.db", "8F2A1C30"):
        (ws / "inbox" / "东莞分中心" / name).write_bytes(b"x")
    assert ingest(ws) == []
    assert (ws / "inbox" / "东莞分中心" / "~$客户.xlsx").exists()


def test_human_output_one_line_per_file(ws: Path) -> None:
    drop(ws, "东莞分中心", "客户.xlsx", [customer("张三", "13712345678")])
    done = run(ws, "ingest")
    assert done.returncode == 0
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("已接收  东莞分中心/客户.xlsx")
    assert "新增 1" in lines[0]
    assert any(line.startswith("共处理 1 个文件") for line in lines)


def test_bad_usage_and_bad_config_are_one_line_exit_2(tmp_path: Path, ws: Path) -> None:
    done = run(tmp_path / "nowhere", "ingest")
    assert done.returncode == 2
    assert done.stderr.startswith("错误：") and len(done.stderr.strip().splitlines()) == 1
    assert "branchflow init" in done.stderr
    done = run(ws, "ingest", "--no-such-flag")
    assert done.returncode == 2 and done.stderr.startswith("错误：")
    assert "Traceback" not in done.stderr
    (ws / "branchflow.toml").write_text("[company\nname=", encoding="utf-8")
    done = run(ws, "ingest")
    assert done.returncode == 2 and re.match(r"错误：.*branchflow.toml", done.stderr)
    assert run(ws, "init", str(ws)).returncode == 2


def test_bad_clock_override_is_a_config_error(ws: Path) -> None:
    done = run(ws, "ingest", now="26/11/2026")
    assert done.returncode == 2 and "BRANCHFLOW_NOW" in done.stderr


def test_ingest_answers_before_it_exports(ws: Path) -> None:
    """The drop's answer (its line and the summary) comes first; the archive workbooks after it,
    and only those whose content changed."""
    drop(ws, "东莞分中心", "客户.xlsx", [customer("张三", "13712345678")])
    done = run(ws, "ingest")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    summary = next(i for i, line in enumerate(lines) if line.startswith("共处理 1 个文件"))
    exported = [i for i, line in enumerate(lines) if line.startswith("已导出 ")]
    assert exported and min(exported) > summary
    assert [lines[i] for i in exported] == [
        "已导出 outbox/archive/客户总档案.xlsx",
        "已导出 outbox/archive/分中心档案-东莞分中心.xlsx",
    ]
    drop(ws, "东莞分中心", "客户(再存).xlsx", [customer("张三", "13712345678")])
    again = run(ws, "ingest", "--json")
    assert [o["status"] for o in json.loads(again.stdout)] == ["accepted"]  # stdout: JSON only
    assert "内容未变，未重写：客户总档案.xlsx、分中心档案-东莞分中心.xlsx" in again.stderr
