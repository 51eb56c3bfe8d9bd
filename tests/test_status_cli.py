"""`branchflow status` and `branchflow remind` through the real command, on ingested workbooks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from branchflow.config import BLANKS_DIR, RECEIPTS_DIR
from branchflow.sample.fill import Filling, fill_template
from branchflow.templates.definitions import TEMPLATES
from branchflow.workspace import create_workspace

A, B, HQ = "东莞分中心", "宁波分中心", "总部"
# The sample company's departments and project 营销部 that file monthly work plans.
PLANNERS = ("市场策划部", "客户服务部", "招商管理部", "湄江府营销部", "凤冈城营销部",
            "余庆名苑营销部", "绥阳尚城营销部", "正安花园营销部", "习水温泉小镇营销部")  # fmt: skip
NOW = "2026-11-26T09:30"
SPEC_KEYS = {"branch", "deliverable", "period", "due", "submitted_at", "state", "late_hours"}


def run(ws: Path, *args: str, now: str = NOW) -> subprocess.CompletedProcess[str]:
    src = str(Path(__file__).parents[1] / "src")
    env = {**os.environ, "BRANCHFLOW_NOW": now, "PYTHONPATH": src}
    env.pop("BRANCHFLOW_WORKSPACE", None)
    return subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(ws), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def put(ws: Path, folder: str, name: str, filling: Filling | bytes) -> bytes:
    """Drop a filled workbook (or the bytes of an earlier one) into a folder."""
    if isinstance(filling, Filling):
        title = TEMPLATES[filling.kind].title
        filling = fill_template(
            ws / "inbox" / folder / BLANKS_DIR / f"{title}-{folder}.xlsx", filling
        )
    (ws / "inbox" / folder / name).write_bytes(filling)
    return filling


def header(folder: str, period: str, **values: Any) -> dict[str, Any]:
    return {"branch": folder, "reporter": "罗明", "period": period, **values}


def monthly(folder: str, complete: bool = True) -> Filling:
    values = header(folder, "2026-11", **({"main_work": "老乡会推介两场。"} if complete else {}))
    plan = [{"item": "返乡推介会", "owner": "罗明", "due": date(2026, 12, 10)}]
    return Filling("monthly", values, {"plan": plan})


def weekly(folder: str, week: str, day: date) -> Filling:
    activity = {"date": day, "name": "老乡会推介", "place": "长安镇", "news": "到场 40 人。"}
    return Filling("weekly", header(folder, week), {"activities": [activity]})


def ingest(ws: Path, now: str) -> list[dict[str, Any]]:
    done = run(ws, "ingest", "--json", now=now)
    assert done.returncode == 0, done.stderr
    return [o for o in json.loads(done.stdout) if o["status"] != "ignored"]


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """November as it came in: drops ingested at the moments branchflow first saw them."""
    ws = tmp_path_factory.mktemp("status") / "ws"
    create_workspace(ws)
    briefing = header(HQ, "2026-11", sales_brief="签约 86 套。", key_work="邀约返乡。")
    put(ws, HQ, "11月简报.xlsx", Filling("hq_briefing", briefing))
    assert [o["status"] for o in ingest(ws, "2026-11-01T10:30")] == ["accepted"]
    put(ws, A, "周报W46.xlsx", weekly(A, "2026-W46", date(2026, 11, 12)))
    put(ws, A, "11月总结.xlsx", monthly(A, complete=False))
    assert sorted(o["status"] for o in ingest(ws, "2026-11-17T09:30")) == [
        "accepted",
        "rejected",
    ]
    fixed = put(ws, A, "11月总结(改).xlsx", monthly(A))
    put(ws, A, "周报W47.xlsx", weekly(A, "2026-W47", date(2026, 11, 19)))
    put(ws, B, "市场报告.xlsx", Filling("market", header(B, "2026-11")))
    assert sorted(o["status"] for o in ingest(ws, "2026-11-24T10:00")) == [
        "accepted",
        "accepted",
        "rejected",
    ]
    put(ws, A, "11月总结(改) - 副本.xlsx", fixed)  # the same e-mail attachment, sent again
    put(ws, B, "11月总结.xlsx", monthly(B))
    assert sorted(o["status"] for o in ingest(ws, "2026-11-26T09:00")) == [
        "accepted",
        "duplicate",
    ]
    return ws


@pytest.fixture
def ws(filed: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(filed, target)
    return target


def status_json(ws: Path, now: str = NOW) -> list[dict[str, Any]]:
    done = run(ws, "status", "--period", "2026-11", "--json", now=now)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_status_json_follows_spec(filed: Path) -> None:
    rows = status_json(filed)
    assert all(set(r) >= SPEC_KEYS for r in rows)
    assert {r["state"] for r in rows} <= {"on_time", "late", "missing", "rejected"}
    weeks = [f"2026-W{w}" for w in range(44, 49)]
    per_branch = [("monthly", "2026-11"), ("market", "2026-11"), *(("weekly", w) for w in weeks)]
    branches = (A, B, "苏州分中心", "深圳分中心", "温州分中心")
    assert [(r["branch"], r["deliverable"], r["period"]) for r in rows] == [
        *((b, k, p) for b in branches for k, p in per_branch),
        *((p, "dept_plan", "2026-11") for p in PLANNERS),
        (HQ, "hq_briefing", "2026-11"),
    ]
    got = {(r["branch"], r["deliverable"], r["period"]): r for r in rows}
    assert got[(A, "monthly", "2026-11")] == {
        "branch": A,
        "deliverable": "monthly",
        "period": "2026-11",
        "due": "2026-11-25T23:59:00+08:00",
        "submitted_at": "2026-11-24T10:00:00+08:00",  # the first accepted drop, not the re-drop
        "state": "on_time",
        "late_hours": None,
        "past_cutoff": False,
        "due_passed": True,
    }
    states = {k: (r["state"], r["late_hours"]) for k, r in got.items()}
    assert states[(B, "monthly", "2026-11")] == ("late", 9.0)
    assert states[(A, "weekly", "2026-W46")] == ("late", 9.5)
    assert states[(A, "weekly", "2026-W47")] == ("late", 10.0)
    assert states[(A, "weekly", "2026-W45")] == ("missing", None)
    assert states[(B, "market", "2026-11")] == ("rejected", None)
    assert states[(HQ, "hq_briefing", "2026-11")] == ("on_time", None)
    assert got[(B, "market", "2026-11")]["submitted_at"] == "2026-11-24T10:00:00+08:00"
    pending = got[(A, "market", "2026-11")]
    assert (pending["state"], pending["due_passed"]) == ("missing", False)


def test_status_as_of_an_earlier_moment(filed: Path) -> None:
    got = {
        (r["branch"], r["deliverable"], r["period"]): r
        for r in status_json(filed, now="2026-11-20T12:00")
    }
    assert got[(A, "monthly", "2026-11")]["state"] == "rejected"  # the fix came on the 24th
    assert got[(A, "monthly", "2026-11")]["due_passed"] is False
    assert got[(B, "monthly", "2026-11")]["submitted_at"] is None


def test_status_table(filed: Path) -> None:
    done = run(filed, "status", "--period", "2026-11")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "报送考核 2026-11（截至 2026-11-26 09:30）"
    assert "\x1b[" not in done.stdout  # not a terminal: no colour
    row = next(line for line in lines if line.startswith(A)).split()
    assert row == [A, "按时", "未到期", "未交", "未交", "迟交", "9.5h", "迟交", "10h", "未到期",
                   "1", "2", "2", "0"]  # fmt: skip
    row = next(line for line in lines if line.startswith(B)).split()
    assert row == [B, "迟交", "9h", "退回", "未交", "未交", "未交", "未交", "未到期",
                   "0", "1", "4", "1"]  # fmt: skip
    assert "合计：按时 1，迟交 3，未交 21，退回 1，未到期 9" in lines
    assert "总部  总部月度简报 2026-11（截止 11-02 23:59）：按时（11-01 10:30 报送）" in lines


@pytest.mark.parametrize("period", ["2026-13", "2026-W47", "十一月"])
def test_status_bad_period(filed: Path, period: str) -> None:
    done = run(filed, "status", "--period", period)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        f"错误：--period “{period}”不是月份，应如 2026-11（周报列在其截止日所在的月份）"
    )
    assert done.stdout == ""


def test_remind_writes_once_a_day(ws: Path) -> None:
    done = run(ws, "remind", "--json")
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout)
    # market reports and work plans are due Sat 28th; A's monthly is in, W48 (due Mon 30th) is
    # 4 days off
    branches = (A, B, "苏州分中心", "深圳分中心", "温州分中心")
    assert [(r["branch"], r["written"]) for r in first] == [
        *((b, True) for b in (*branches, *PLANNERS))
    ]
    assert all([i["deliverable"] for i in r["items"]] == ["market"] for r in first[:5])
    assert all([i["deliverable"] for i in r["items"]] == ["dept_plan"] for r in first[5:])
    note = ws / "inbox" / B / RECEIPTS_DIR / "待报提醒-2026-11-26.txt"
    assert Path(first[1]["path"]) == note
    data = note.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert "市场研究报告 2026-11：11月28日（星期六）23:59 前，还有 2 天" in data.decode("utf-8-sig")
    assert "已退回" in data.decode("utf-8-sig")

    again = run(ws, "remind", now="2026-11-26T17:00")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == (
        f"{A}：今天已提醒过（inbox/{A}/{RECEIPTS_DIR}/待报提醒-2026-11-26.txt），未重复写入"
    )
    assert note.read_bytes() == data
    assert len(list(ws.glob(f"inbox/*/{RECEIPTS_DIR}/待报提醒-*.txt"))) == 5 + len(PLANNERS)


def test_remind_with_nothing_due(ws: Path) -> None:
    done = run(ws, "remind", now="2026-11-11T09:00")  # W46 due Mon 16th: 5 days off
    assert done.returncode == 0, done.stderr
    assert done.stdout == "3 天内截止的报表都已收到（或没有报表截止），无需提醒。\n"
    assert not list(ws.glob(f"inbox/*/{RECEIPTS_DIR}/待报提醒-*.txt"))
