"""Issue 9, end to end through the real command: customer lists written the way staff write them
(公积金, 8000-12000, 50万, 先生, 电联) are accepted with the canonical values in the archive, what
staff wrote kept beside them, and a receipt that tells each correction once; invalid data is
still refused at the right cell."""

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
from openpyxl import load_workbook

from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, load_settings
from branchflow.sample.fill import Filling, Quirks, fill_template
from branchflow.templates.definitions import TEMPLATES

NOW = "2026-11-26T09:30"
BRANCH = "东莞分中心"
FIELDS = ("sheet", "cell", "field", "code", "message")


def run(ws: Path, *args: str, now: str = NOW) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BRANCHFLOW_NOW": now,
        "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
    }
    env.pop("BRANCHFLOW_WORKSPACE", None)
    return subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(ws), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def ingest(ws: Path, now: str = NOW) -> list[dict[str, Any]]:
    done = run(ws, "ingest", "--json", now=now)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def blank_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("tolerance") / "ws"
    assert run(ws, "init", str(ws)).returncode == 0
    config = ws / "branchflow.toml"
    text = config.read_text(encoding="utf-8").replace(
        'name = "黔龙阳光地产营销中心"', 'name = "黔龙阳光置业"'
    )
    # HQ writes the column and the word as they are, unquoted (TOML 1.0 would need quotes).
    config.write_text(text + '\n[aliases.付款方式]\n公积 = "公积金贷款"\n', encoding="utf-8")
    return ws


@pytest.fixture
def ws(blank_ws: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(blank_ws, target)
    return target


def customer(name: str, phone: str, **extra: Any) -> dict[str, Any]:
    row = {
        "name": name, "phone": phone, "county": "湄潭县", "township": "永兴镇", "grade": "B",
        "registered_on": date(2026, 11, 3), "consultant": "罗明",
    }  # fmt: skip
    return {**row, **extra}


def drop(
    ws: Path,
    name: str,
    rows: list[dict[str, Any]],
    followups: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> None:
    blank = ws / "inbox" / BRANCH / BLANKS_DIR / f"{TEMPLATES['customers'].title}-{BRANCH}.xlsx"
    filling = Filling(
        "customers",
        {"branch": BRANCH, "reporter": "罗明", "period": "2026-11"},
        {"customers": rows, "followups": list(followups)},
    )
    data = fill_template(blank, filling, Quirks(phones_as_float=True, text_dates=True))
    (ws / "inbox" / BRANCH / name).write_bytes(data)


STAFF_ROWS = [
    customer("张伟", "13800000001", gender="先生", payment="公积金", monthly_income="8千-1.2万",
             budget="50万", area="90~110", family_size="三口", purpose="自住首次"),
    customer("李娟", "13800000002", gender="女士", payment="公积金", monthly_income="约5000",
             budget="500000元", purpose="投靠子女", channel="朋友圈", grade="A类"),
    customer("王强", "13800000003", payment="公积金", monthly_income="3000-5000",
             status="已到访", project="湄江府", grade="a"),
    customer("赵敏", "13800000004", payment="公积", monthly_income="1.2万", family_size=4.0,
             customer_type="老客户", project="黔龙湄江府"),
]  # fmt: skip
FOLLOWUPS = [
    {"phone": "13800000001", "date": date(2026, 11, 5), "method": "电联", "content": "回访",
     "staff": "罗明", "grade_after": "A+"},
    {"phone": "13800000002", "date": date(2026, 11, 6), "method": "飞鸽传书", "content": "寄资料",
     "staff": "罗明"},
]  # fmt: skip


def archived(ws: Path) -> dict[str, dict[str, Any]]:
    with Archive.open(load_settings(ws, now=NOW)) as archive:
        return {c["phone"]: c for c in archive.customers()}


def test_staff_wording_is_accepted_canonical_in_the_archive_originals_kept(ws: Path) -> None:
    drop(ws, "客户登记.xlsx", STAFF_ROWS, FOLLOWUPS)
    [result] = ingest(ws)
    assert result["status"] == "accepted" and result["errors"] == []
    assert all(tuple(w) == FIELDS for w in result["warnings"])  # per cell, as checks read it
    synonyms = [w for w in result["warnings"] if w["code"] == "enum.synonym"]
    assert sum(w["field"] == "付款方式" for w in synonyms) == 4  # 公积金 ×3 and the alias 公积
    rows = archived(ws)
    zhang, li, wang, zhao = (rows[f"1380000000{i}"] for i in range(1, 5))
    assert (zhang["gender"], zhang["payment"], zhang["purpose"]) == ("男", "公积金贷款", "自住")
    assert (zhang["monthly_income"], zhang["monthly_income_low"], zhang["monthly_income_high"]) == (
        10000, 8000, 12000,
    )  # fmt: skip
    assert (zhang["area"], zhang["area_low"], zhang["area_high"]) == (100, 90, 110)
    assert zhang["budget"] == 50 and zhang["family_size"] == 3
    assert type(zhang["family_size"]) is int and type(zhao["family_size"]) is int
    assert json.loads(zhang["originals"]) == {
        "area": "90~110", "gender": "先生", "monthly_income": "8千-1.2万", "payment": "公积金",
        "purpose": "自住首次",
    }  # fmt: skip
    assert (li["budget"], li["grade"], li["channel"], li["purpose"]) == (
        50,
        "A",
        "微信/抖音",
        "投靠子女",
    )
    assert (wang["status"], wang["project"], wang["grade"]) == ("到访", "黔龙阳光·湄江府", "A")
    assert (wang["monthly_income_low"], wang["monthly_income_high"]) == (3000, 5000)
    assert (zhao["payment"], zhao["customer_type"], zhao["project"]) == (
        "公积金贷款", "老业主", "黔龙阳光·湄江府",
    )  # fmt: skip
    book = load_workbook(ws / "outbox" / "archive" / "客户总档案.xlsx", read_only=True)
    sheet = list(book["客户总表"].iter_rows(values_only=True))
    header, first = sheet[0], dict(zip(sheet[0], sheet[1], strict=True))
    assert "原文(已更正的栏目)" in header
    assert first["原文(已更正的栏目)"] == (
        "性别：先生；月收入：8千-1.2万；意向面积(㎡)：90~110；付款方式：公积金；置业目的：自住首次"
    )
    visits = list(book["跟进记录"].iter_rows(values_only=True))
    by_phone = {v[0]: dict(zip(visits[0], v, strict=True)) for v in visits[1:]}
    assert by_phone["13800000001"]["跟进方式"] == "电话"
    assert by_phone["13800000002"]["跟进方式"] == "其他"
    assert by_phone["13800000002"]["原文(已更正的栏目)"] == "跟进方式：飞鸽传书"


def test_the_receipt_tells_each_correction_once_and_speaks_as_the_company(ws: Path) -> None:
    drop(ws, "客户登记.xlsx", STAFF_ROWS, FOLLOWUPS)
    [result] = ingest(ws)
    text = (ws / result["receipt"]).read_text(encoding="utf-8-sig")
    assert text.startswith("【黔龙阳光置业】文件已收到并入库")
    assert "branchflow" not in text
    assert "  客户档案 · 付款方式：" in text
    assert text.count("“公积金”已按“公积金贷款”登记（3 处：") == 1
    assert "“公积”已按“公积金贷款”登记（1 处：" in text
    assert "“8千-1.2万”已按区间 8000–12000 元/月登记（统计取中间值 10000）（1 处：" in text
    assert "“500000元”已按 50 万元登记（1 处：" in text
    assert "“先生”已按“男”登记" in text and "“三口”" not in text  # 三口 is simply 3
    assert "3000-5000" not in text  # chosen from the dropdown: nothing to tell
    assert "“投靠子女”不是置业目的的可选值，已按原文保存" in text
    assert (
        "跟进记录 · 跟进方式：" in text and "“飞鸽传书”不是跟进方式的可选值，已按“其他”登记" in text
    )
    assert "没有需要注意的地方" not in text
    lines = text.splitlines()
    corrected = lines.index("已按标准写法登记（不影响入库，原文已留存）：")
    columns = [line for line in lines[corrected:] if line.startswith("  客户档案 · ")]
    assert (
        columns[0] == "  客户档案 · 性别：" and "  客户档案 · 付款方式：" in columns
    )  # sheet order


def test_a_rerun_changes_nothing_and_later_edits_keep_history_right(ws: Path) -> None:
    drop(ws, "客户登记.xlsx", STAFF_ROWS, FOLLOWUPS)
    ingest(ws)
    before = archived(ws)
    drop(ws, "客户登记.xlsx", STAFF_ROWS, FOLLOWUPS)  # saved again: new bytes, same content
    [again] = ingest(ws, now="2026-11-26T10:00")
    assert again["status"] == "accepted"
    counts = again["counts"]
    assert (counts["new_customers"], counts["updated_customers"], counts["unchanged_customers"]) == (
        0, 0, 4,
    )  # fmt: skip
    assert archived(ws) == before  # not even 最近更新 moved
    edited = [dict(r) for r in STAFF_ROWS]
    edited[0]["payment"] = "公积金贷款"  # now written as listed: its original goes
    edited[1]["monthly_income"] = "面议"  # unreadable: the value goes, the text stays
    edited[2]["payment"] = None  # blank: never erases
    drop(ws, "客户登记.xlsx", edited, FOLLOWUPS)
    [third] = ingest(ws, now="2026-11-26T11:00")
    assert third["counts"]["updated_customers"] == 2
    assert [w["code"] for w in third["warnings"] if w["field"] == "月收入"].count(
        "number.kept"
    ) == 1
    rows = archived(ws)
    zhang, li, wang = rows["13800000001"], rows["13800000002"], rows["13800000003"]
    assert zhang["payment"] == "公积金贷款" and "payment" not in json.loads(zhang["originals"])
    assert li["monthly_income"] is None and json.loads(li["originals"])["monthly_income"] == "面议"
    assert (li["monthly_income_low"], li["monthly_income_high"]) == (None, None)
    assert wang["payment"] == "公积金贷款" and json.loads(wang["originals"])["payment"] == "公积金"
    with Archive.open(load_settings(ws, now=NOW)) as archive:
        history = [
            (h["phone"], h["field"], h["old_value"], h["new_value"]) for h in archive.history()
        ]
    # 张伟's follow-up said 跟进后等级 A+ (read as A): his grade since the first drop
    assert history == [
        ("13800000001", "grade", "B", "A"),
        ("13800000002", "monthly_income", "5000", None),
    ]


def test_invalid_data_is_still_refused_at_the_right_cell(ws: Path) -> None:
    rows = [
        customer("甲", "1380000001", payment="公积金"),  # a digit short
        customer("乙", "13800000012", township="不存在镇"),
        customer("丙", "13800000013", registered_on=date(2026, 12, 1)),  # in the future
        customer("丁", "13800000014", id_number="520328199001011235"),  # check digit wrong
        customer("戊", "13800000014"),  # the same phone twice
        customer("己", "13800000016", grade="E"),  # required, and no 其他 to fall back on
        customer("庚", "13800000017", consultant=None),
    ]
    drop(ws, "错的.xlsx", rows)
    [result] = ingest(ws)
    assert result["status"] == "rejected"
    errors = {(e["field"], e["code"]): e["cell"] for e in result["errors"]}
    first, letter = _table_start(ws)
    assert errors == {
        ("手机号码", "phone.invalid"): f"{letter['手机号码']}{first}",
        ("户籍乡镇", "township.unknown"): f"{letter['户籍乡镇']}{first + 1}",
        ("登记日期", "date.future"): f"{letter['登记日期']}{first + 2}",
        ("身份证号", "id.checksum"): f"{letter['身份证号']}{first + 3}",
        ("手机号码", "phone.duplicate_in_file"): f"{letter['手机号码']}{first + 4}",
        ("客户等级", "enum.invalid"): f"{letter['客户等级']}{first + 5}",
        ("置业顾问", "required.missing"): f"{letter['置业顾问']}{first + 6}",
    }
    assert archived(ws) == {}


def test_a_bad_alias_is_one_clear_line(ws: Path) -> None:
    config = ws / "branchflow.toml"
    config.write_text(config.read_text(encoding="utf-8") + '按揭贷 = "银行"\n', encoding="utf-8")
    done = run(ws, "ingest")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith('错误：branchflow.toml：[aliases.付款方式] "按揭贷" = "银行"')
    assert "不是“付款方式”的可选值" in done.stderr and "Traceback" not in done.stderr


def _table_start(ws: Path) -> tuple[int, dict[str, str]]:
    """The first data row of the blank template's customer table, and its column letters."""
    blank = ws / "inbox" / BRANCH / BLANKS_DIR / f"{TEMPLATES['customers'].title}-{BRANCH}.xlsx"
    sheet = load_workbook(blank)["客户档案"]
    for row in sheet.iter_rows():
        titles = {str(c.value).strip("*"): c.column_letter for c in row if c.value}
        if "手机号码" in titles:
            return row[0].row + 1, titles
    raise AssertionError("no header row")
