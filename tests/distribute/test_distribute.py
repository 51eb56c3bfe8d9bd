"""下发: what lands in each branch's folder, that it is its own, and that nothing is rewritten
without a reason."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from exchange_helpers import (
    A_PHONES,
    B_PHONES,
    PERIOD,
    A,
    B,
    C,
    core_identifier,
    customer,
    folder,
    moment,
    put,
    run,
    stamps,
    texts,
)

from branchflow.archive.store import Archive
from branchflow.config import Settings, load_settings
from branchflow.distribute import distribute
from branchflow.distribute.notes import GUIDE_NAME, HISTORY_MARK
from branchflow.distribute.place import read_fingerprint
from branchflow.pipeline import find_drops
from branchflow.reports.pdf import find_office
from branchflow.sample.fill import Filling

EXPECTED = {
    "总部月度简报-2026-11.docx",
    "例会资料-{}.docx",
    "部门及项目工作计划-2026-11.docx",
    "分中心档案-{}.xlsx",
    GUIDE_NAME,
}


def names(branch: str) -> set[str]:
    return {n.format(branch) for n in EXPECTED}


def test_each_branch_receives_its_folder(ws: Settings) -> None:
    report = distribute(ws, PERIOD, pdf=False)
    for branch in (A, B):
        assert {p.name for p in folder(ws, branch).iterdir()} == names(branch)
    # 苏州 has no customer and no drop yet: no archive of its own; HQ's briefing is there, so
    # its 例会资料 (which shows it) is too.
    assert {p.name for p in folder(ws, C).iterdir()} == names(C) - {f"分中心档案-{C}.xlsx"}
    assert {p.state for p in report.placements} == {"new"}
    assert report.months == (PERIOD,)


def test_no_file_holds_another_branchs_customer(ws: Settings) -> None:
    distribute(ws, PERIOD, pdf=False)
    # B submitted one of A's customers (a 撞单 kept by A): B learns the masked number only.
    for branch, others in ((A, B_PHONES), (B, A_PHONES)):
        for path in folder(ws, branch).iterdir():
            text = texts(path)
            assert not [p for p in others if p in text], (branch, path.name)
    book = openpyxl.load_workbook(folder(ws, B) / f"分中心档案-{B}.xlsx")
    phones = [r[2] for r in book["本分中心客户"].iter_rows(min_row=2, values_only=True)]
    assert phones == list(B_PHONES)
    conflict = list(book["撞单记录"].iter_rows(min_row=2, values_only=True))
    assert [(*r[:4], r[4].date().isoformat(), f"{r[5]:%m-%d %H:%M}", *r[6:]) for r in conflict] == [
        ("138****0003", None, "本分中心为提交方", A, "2026-11-02", "11-03 09:00", "是", "归属不变"),
    ]


def test_own_archive_in_full_with_protection_and_due_followups(ws: Settings) -> None:
    distribute(ws, PERIOD, pdf=False)
    book = openpyxl.load_workbook(folder(ws, A) / f"分中心档案-{A}.xlsx")
    assert book.sheetnames == ["来电查询", "本分中心客户", "近期待跟进", "跟进记录", "撞单记录",
                               "本月回执"]  # fmt: skip
    sheet = book["本分中心客户"]
    titles = [c.value for c in sheet[1]]
    rows = [dict(zip(titles, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r["手机号码"] for r in rows] == list(A_PHONES)
    assert rows[0]["客户姓名"] == '=HYPERLINK("http://x","点我")'  # stayed text
    assert sheet.cell(2, titles.index("客户姓名") + 1).data_type == "s"
    assert rows[0]["保护期至"].date().isoformat() == "2027-01-18"  # 2026-10-20 + 90 days
    due = list(book["近期待跟进"].iter_rows(min_row=2, values_only=True))
    assert [(r[0].date().isoformat(), r[1], r[3]) for r in due] == [
        ("2026-11-12", "还有 7 天", A_PHONES[1])
    ]
    receipts = list(book["本月回执"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[4]) for r in receipts] == [("客户.xlsx", "已接收")]
    assert book["来电查询"]["B5"].value.startswith("=IF($B$3=")


def test_protection_extended_by_a_valid_follow_up_is_shown(ws: Settings) -> None:
    extended = dataclasses.replace(ws, extend_on=("电话",), extend_days=90)
    distribute(extended, PERIOD, pdf=False)
    book = openpyxl.load_workbook(folder(ws, A) / f"分中心档案-{A}.xlsx")
    sheet = book["本分中心客户"]
    titles = [c.value for c in sheet[1]]
    until = {
        r[titles.index("手机号码")]: r[titles.index("保护期至")].date().isoformat()
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert until[A_PHONES[0]] == "2027-01-18"  # registered 2026-10-20, no follow-up
    assert until[A_PHONES[1]] == "2027-01-28"  # 电话 on 2026-10-30, + 90 days
    notes = [c.value for c in book["来电查询"]["A"] if c.value]
    assert any("期内电话跟进顺延 90 天" in note for note in notes)


def test_plans_document_puts_the_branchs_own_asks_first(ws: Settings) -> None:
    distribute(ws, PERIOD, pdf=False)
    first = {}
    for branch in (A, B):
        document = Document(str(folder(ws, branch) / "部门及项目工作计划-2026-11.docx"))
        table = document.tables[0]
        first[branch] = [(r.cells[1].text, r.cells[4].text) for r in table.rows[1:]]
    assert first[A] == [
        ("抖音直播看房", "东莞、宁波"),
        ("全员推介会", "全部"),
        ("二期开盘", "各分中心"),
    ]
    assert first[B] == [  # named first, by 完成时间 (11-10, 11-11), then the asks of all
        ("返乡看房专车", "宁波分中心"),
        ("抖音直播看房", "东莞、宁波"),
        ("全员推介会", "全部"),
        ("二期开盘", "各分中心"),
    ]
    text = texts(folder(ws, A) / "部门及项目工作计划-2026-11.docx")
    assert "样板间拍摄" in text  # items asking nobody are still in the departments' own plans
    assert "习水温泉小镇营销部未报送2026年10月部门月度工作计划（应于10月28日前报送）" in text


def test_a_second_run_writes_nothing(ws: Settings) -> None:
    distribute(ws, PERIOD, pdf=False)
    before = {b: stamps(folder(ws, b)) for b in (A, B, C)}
    again = distribute(ws, PERIOD, pdf=False)
    assert again.written == ()
    assert {p.state for p in again.placements} == {"unchanged"}
    assert {b: stamps(folder(ws, b)) for b in (A, B, C)} == before


def test_a_changed_input_rewrites_only_what_it_changes(ws: Settings) -> None:
    distribute(ws, PERIOD, pdf=False)
    guide = (folder(ws, A) / GUIDE_NAME).read_bytes()
    before_b = stamps(folder(ws, B))
    rows = [customer(f"东莞客户{n}", p) for n, p in enumerate(A_PHONES)]
    rows.append(customer("新登记", "13800000009", registered_on=date(2026, 11, 4)))
    put(ws, A, "客户v2.xlsx", Filling("customers", {"branch": A, "reporter": "罗明"},
                                      {"customers": rows}))  # fmt: skip
    run(ws, "2026-11-04T18:00")
    report = distribute(ws, PERIOD, pdf=False)
    assert [(p.branch, p.name, p.state) for p in report.written] == [
        (A, f"分中心档案-{A}.xlsx", "updated")
    ]
    assert stamps(folder(ws, B)) == before_b
    text = (folder(ws, A) / GUIDE_NAME).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and b"\r\n" in text and b"\n\n" not in text
    history = text.decode("utf-8-sig").split(HISTORY_MARK)[1].strip().splitlines()
    assert history[0].endswith(f"更新 分中心档案-{A}.xlsx")
    assert "新增 例会资料" in history[1]
    assert text != guide


def test_dry_run_lists_and_writes_nothing(ws: Settings) -> None:
    report = distribute(ws, PERIOD, dry_run=True, pdf=False)
    assert not (ws.inbox / A / "下发").exists()
    # 东莞 and 宁波 four files each, the three branches without customers three each, and each
    # of the six projects' 营销部 its lead list
    assert report.dry_run and len(report.written) == 17 + 6
    lines = report.lines(ws.workspace)
    assert lines[0] == f"将新增 inbox/{A}/下发/2026-11/总部月度简报-2026-11.docx"
    assert lines[-1].startswith("试运行：下发 2026-11 将写入 23 个文件")


def test_files_carry_the_fingerprint_of_their_content(ws: Settings) -> None:
    distribute(ws, PERIOD, pdf=False)
    for path in folder(ws, A).iterdir():
        if path.suffix in (".docx", ".xlsx"):
            assert read_fingerprint(path) is not None, path.name
    assert "branchflow:" in core_identifier(folder(ws, A) / f"例会资料-{A}.docx")


def test_a_file_open_at_a_branch_does_not_stop_the_others(
    ws: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    distribute(ws, PERIOD, pdf=False)
    target = folder(ws, A) / f"分中心档案-{A}.xlsx"
    target.unlink()
    target.write_bytes(b"held open in Excel")
    real = Path.replace

    def locked(self: Path, other: Path) -> Path:  # Windows refuses to replace an open file
        if Path(other) == target:
            raise PermissionError(13, "in use")
        return real(self, other)

    monkeypatch.setattr(Path, "replace", locked)
    monkeypatch.setattr("branchflow.distribute.place.RETRY_DELAY", 0)
    rows = [customer("新登记", "13900000009")]
    put(ws, B, "补登记.xlsx", Filling("customers", {"branch": B, "reporter": "罗明"},
                                      {"customers": rows}))  # fmt: skip
    run(ws, "2026-11-04T18:00")
    report = distribute(ws, PERIOD, pdf=False)
    states = {(p.branch, p.name): p for p in report.placements}
    beside = states[(A, target.name)]
    assert beside.state == "beside" and beside.path.name.startswith(f"分中心档案-{A}-")
    assert "正被占用" in beside.note
    assert states[(B, f"分中心档案-{B}.xlsx")].state == "updated"
    assert target.read_bytes() == b"held open in Excel"
    monkeypatch.setattr(Path, "replace", real)
    again = distribute(ws, PERIOD, pdf=False)  # closed again: the copy moves in
    assert [(p.name, p.state) for p in again.written] == [(target.name, "updated")]
    assert read_fingerprint(target) is not None and not beside.path.exists()


def test_the_folder_is_never_read_as_input(ws: Settings) -> None:
    distribute(ws, PERIOD, pdf=False)
    stray = folder(ws, A) / "放错的客户档案.xlsx"
    stray.write_bytes((folder(ws, A) / f"分中心档案-{A}.xlsx").read_bytes())
    ready, ignored = find_drops(ws)
    assert not [p for p in ready if "下发" in p.parts]
    assert not [o for o in ignored if "下发" in o.path]


@pytest.mark.skipif(
    find_office() is None,
    reason="LibreOffice (soffice) not installed",
)
def test_hq_briefing_gets_a_pdf_once(ws: Settings) -> None:
    report = distribute(ws, PERIOD, pdf=True)
    pdfs = [p for p in report.placements if p.name.endswith(".pdf")]
    assert [(p.branch, p.state) for p in pdfs] == [(b, "new") for b in ws.branch_names]
    assert (folder(ws, A) / "总部月度简报-2026-11.pdf").read_bytes().startswith(b"%PDF")
    again = distribute(ws, PERIOD, pdf=True)
    assert again.written == ()


def test_a_rewrite_replaces_the_file_whole(ws: Settings) -> None:
    distribute(ws, PERIOD, pdf=False)
    target = folder(ws, A) / f"分中心档案-{A}.xlsx"
    before = target.stat().st_ino
    rows = [customer("新登记", "13800000009")]
    put(ws, A, "补登记.xlsx", Filling("customers", {"branch": A, "reporter": "罗明"},
                                      {"customers": rows}))  # fmt: skip
    run(ws, "2026-11-04T18:00")
    distribute(ws, PERIOD, pdf=False)
    assert target.stat().st_ino != before  # a new file renamed into place, never rewritten
    assert not [p.name for p in folder(ws, A).iterdir() if p.name.startswith(".")]


def test_a_broken_word_template_fails_its_documents_only(ws: Settings) -> None:
    broken = Document()
    broken.add_paragraph("{% if branch %}没有 endif")
    broken.save(str(ws.templates_dir / "word" / "部门及项目工作计划.docx"))
    report = distribute(ws, PERIOD, pdf=False)
    failed = {p.branch for p in report.failed}
    assert failed == set(ws.branch_names)
    assert all("branchflow templates --check" in p.note for p in report.failed)
    assert (folder(ws, A) / f"例会资料-{A}.docx").is_file()
    assert not (folder(ws, A) / "部门及项目工作计划-2026-11.docx").exists()


def test_the_command(ws: Settings) -> None:
    src = str(Path(__file__).parents[2] / "src")
    env = {**os.environ, "BRANCHFLOW_NOW": "2026-11-05T09:00", "PYTHONPATH": src}
    base = [sys.executable, "-m", "branchflow", "-w", str(ws.workspace), "distribute"]
    dry = subprocess.run([*base, "--period", PERIOD, "--dry-run"], capture_output=True,
                         text=True, env=env, timeout=120, check=False)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == f"将新增 inbox/{A}/下发/2026-11/总部月度简报-2026-11.docx"
    assert not (ws.inbox / A / "下发").exists()
    bad = subprocess.run([*base, "--period", "2026-13"], capture_output=True, text=True,
                         env=env, timeout=120, check=False)  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.startswith("错误：--period '2026-13' 不是有效的月份")


def test_each_branch_is_notified_of_what_was_put_in_its_folder(ws: Settings) -> None:
    config = ws.workspace / "branchflow.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[[notify.channels]]\nname = "{A}群"\nkind = "wecom"\nurl = "env:BF_WECOM"\n'
        f'scopes = ["{A}"]\nevents = ["distributed"]\n',
        encoding="utf-8",
    )
    settings = moment(
        load_settings(ws.workspace, environ={"BF_WECOM": "http://127.0.0.1:9/x"}),
        "2026-11-05T09:00",  # the ws fixture's clock
    )
    distribute(settings, PERIOD, pdf=False)
    distribute(settings, PERIOD, pdf=False)  # nothing changed: nothing more to tell
    with Archive.open(settings) as archive:
        rows = archive.outbox.listing()
    assert [(r.channel, r.event, r.scope) for r in rows] == [(f"{A}群", "distributed", A)]
    assert f"inbox/{A}/下发/{PERIOD}/" in rows[0].body and f"例会资料-{A}.docx" in rows[0].body


def test_each_project_marketing_folder_receives_its_lead_list(ws: Settings) -> None:
    """The project's 营销部 gets the 项目客户清单 HQ reads, in its own folder: only customers who
    intend to buy in that project, phones masked; again only when it changed."""
    project = ws.projects[0]
    people = [customer("马丽", "13700000007", project=project.name)]
    put(
        ws,
        A,
        "意向.xlsx",
        Filling("customers", {"branch": A, "reporter": "罗明"}, {"customers": people}),
    )
    assert [o.status for o in run(ws, "2026-11-06T10:00")] == ["accepted"]
    distribute(ws, PERIOD, pdf=False)
    wanted = {}
    for each in ws.projects:
        shelf = ws.inbox / each.marketing / "下发" / PERIOD
        lead_list = f"项目客户清单-{each.name}.docx"
        assert {p.name for p in shelf.iterdir()} == {lead_list, GUIDE_NAME}
        wanted[each.name] = texts(shelf / lead_list)
    assert [p.name for p in ws.projects if "137****0007" in wanted[p.name]] == [project.name]
    mine = project
    body = wanted[mine.name]
    assert f"{mine.name}意向客户清单" in body and "马丽" in body
    assert "13700000007" not in body  # masked, 前三后四
    guide = (ws.inbox / mine.marketing / "下发" / PERIOD / GUIDE_NAME).read_text(
        encoding="utf-8-sig"
    )
    assert f"项目客户清单-{mine.name}.docx" in guide
    assert distribute(ws, PERIOD, pdf=False).written == ()


def test_lead_lists_can_be_left_out(ws: Settings) -> None:
    quiet = dataclasses.replace(
        ws, distribution=dataclasses.replace(ws.distribution, items=("briefing", "archive"))
    )
    distribute(quiet, PERIOD, pdf=False)
    assert not any((ws.inbox / p.marketing / "下发").exists() for p in ws.projects)
