"""What the pages show and do, read as a person reads them (plain HTTP; see the browser tests)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from console_helpers import DG, NB, SHARED_PHONE, csrf_of, login
from starlette.testclient import TestClient

from branchflow.archive.store import Archive
from branchflow.config import RECEIPTS_DIR, Settings
from branchflow.pipeline import export_now


def cells(html: str) -> list[str]:
    """The text of each table cell, tags stripped."""
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in found]


def test_matrix_shows_each_branchs_state_and_links_to_the_drops(client: TestClient) -> None:
    login(client, "zhangmin")
    page = client.get("/status?month=2026-11")
    assert page.status_code == 200
    assert "报送情况 · 2026年11月" in page.text
    # Nothing monthly was filed; at BRANCHFLOW_NOW (11-26 09:30) the 25th has passed, the 28th not.
    row = cells(page.text)[cells(page.text).index(DG) :][:3]
    assert row[:3] == [DG, "未交", "未到期"]
    assert f'href="/drops?folder={DG.encode().hex()}' not in page.text
    assert (
        "/drops?folder=%E4%B8%9C%E8%8E%9E%E5%88%86%E4%B8%AD%E5%BF%83&amp;kind=monthly&amp;period=2026-11"
        in page.text
    )


def test_branch_sees_only_its_own_row(client: TestClient) -> None:
    login(client, "dongguan")
    page = client.get("/status?month=2026-11")
    assert DG in page.text and NB not in page.text and "总部" not in cells(page.text)


def test_bad_month_is_a_clear_404(client: TestClient) -> None:
    login(client, "zhangmin")
    answer = client.get("/status?month=2026-13")
    assert answer.status_code == 404 and "不是月份" in answer.text


def test_drops_filter_and_download_the_original_and_the_annotated_copy(
    client: TestClient, workspace: Settings
) -> None:
    login(client, "dongguan")
    rejected = client.get("/drops?status=rejected")
    assert "东莞补登.xlsx" in rejected.text and "东莞客户登记表.xlsx" not in rejected.text
    file_id = re.search(r'href="/drops/(\d+)">东莞补登.xlsx', rejected.text).group(1)  # type: ignore[union-attr]
    detail = client.get(f"/drops/{file_id}")
    assert "下载退回标注副本" in detail.text and "手机号码" in detail.text
    original = client.get(f"/drops/{file_id}/original")
    assert original.status_code == 200
    assert "filename*=utf-8" in original.headers["content-disposition"]
    with Archive.open(workspace) as archive:
        entry = archive.entry(int(file_id))
    assert entry is not None
    assert original.content == (workspace.originals_dir / entry.original_path).read_bytes()
    annotated = client.get(f"/drops/{file_id}/receipt")
    book = openpyxl.load_workbook(__import__("io").BytesIO(annotated.content))
    assert book.sheetnames[0] == "错误清单"
    assert client.get(f"/drops/{file_id}/../../etc/passwd").status_code in (403, 404)
    assert client.get(f"/drops/{file_id}/secret").status_code == 404


def test_a_receipt_moved_outside_its_folder_is_not_served(
    client: TestClient, workspace: Settings
) -> None:
    """The ledger's path is checked too: only what lies in the folder's 回执/ is sent."""
    with Archive.open(workspace) as archive:
        entry = next(e for e in archive.ledger() if e.status == "accepted")
        archive.mark_cleared(
            entry.file_id, str(workspace.workspace / "branchflow.toml"), entry.received_at
        )
    login(client, "zhangmin")
    assert client.get(f"/drops/{entry.file_id}/receipt").status_code == 404


def test_search_by_masked_phone_shows_masked_numbers(client: TestClient) -> None:
    login(client, "zhangmin")
    page = client.get("/customers", params={"phone": "138****5678"})
    assert "找到 1 位客户" in page.text
    assert "138****5678" in page.text and SHARED_PHONE not in page.text
    assert "2027-02-01" in page.text  # 保护期至: 11-03 + 90 days


def test_full_phone_view_is_audited(client: TestClient, workspace: Settings) -> None:
    login(client, "zhangmin")
    found = client.get("/customers", params={"phone": SHARED_PHONE})
    customer = re.search(r'href="/customers/(\d+)"', found.text).group(1)  # type: ignore[union-attr]
    page = client.get(f"/customers/{customer}")
    assert SHARED_PHONE not in page.text and "显示完整号码" in page.text
    shown = client.post(f"/customers/{customer}/phone", data={"csrf": csrf_of(page.text)})
    assert SHARED_PHONE in shown.text
    login(client, "admin")
    audit = client.get("/audit?action=full_phone")
    assert "zhangmin" in audit.text and f"客户 {customer}" in audit.text


def test_branch_cannot_reveal_another_branchs_number(client: TestClient) -> None:
    login(client, "ningbo")
    found = client.get("/customers", params={"phone": SHARED_PHONE})
    assert "找到 0 位客户" in found.text  # 张三 belongs to 东莞: 宁波 does not even see it


def test_ruling_moves_the_customer_and_tells_both_branches(
    client: TestClient, workspace: Settings
) -> None:
    login(client, "zhangmin")
    listing = client.get("/conflicts")
    assert "138****5678" in listing.text and "保护期内，归属不变" in listing.text
    conflict = re.search(r'href="/conflicts/(\d+)"', listing.text).group(1)  # type: ignore[union-attr]
    page = client.get(f"/conflicts/{conflict}")
    answer = client.post(
        f"/conflicts/{conflict}/ruling",
        data={
            "csrf": csrf_of(page.text),
            "outcome": "claimant",
            "reason": "客户本人确认由宁波带看并认筹",
        },
    )
    assert answer.status_code == 303
    shown = client.get(answer.headers["location"])
    assert "裁定已记录" in shown.text and "原归东莞分中心" in shown.text
    for branch in (DG, NB):
        notices = list((workspace.inbox / branch / RECEIPTS_DIR).glob("撞单裁定通知-*.txt"))
        assert len(notices) == 1, branch
        text = notices[0].read_text(encoding="utf-8-sig")
        assert "138****5678" in text and SHARED_PHONE not in text
        assert "销售管理部裁定：客户改归宁波分中心" in text and "宁波带看" in text
    with Archive.open(workspace) as archive:
        owner = next(c for c in archive.customers() if c["phone"] == SHARED_PHONE)["owner_branch"]
        export = export_now(workspace, archive)
    assert owner == NB
    book = openpyxl.load_workbook(export.written[0], read_only=True)
    rows = [r for r in book["撞单记录"].iter_rows(values_only=True) if r and r[0] == "138****5678"]
    assert rows and rows[0][8:10] == (NB, "客户本人确认由宁波带看并认筹")
    assert client.get("/conflicts?show=ruled").text.count("归宁波分中心") == 1
    login(client, "admin")
    assert "撞单裁定" in client.get("/audit?action=ruling").text


def test_a_ruling_needs_a_reason_and_the_sales_role(client: TestClient) -> None:
    login(client, "zhangmin")
    listing = client.get("/conflicts")
    conflict = re.search(r'href="/conflicts/(\d+)"', listing.text).group(1)  # type: ignore[union-attr]
    page = client.get(f"/conflicts/{conflict}")
    answer = client.post(
        f"/conflicts/{conflict}/ruling",
        data={"csrf": csrf_of(page.text), "outcome": "owner", "reason": " "},
    )
    assert answer.status_code == 400 and "请写明裁定理由" in answer.text
    login(client, "admin")
    page = client.get(f"/conflicts/{conflict}")
    assert "确认裁定" not in page.text
    answer = client.post(
        f"/conflicts/{conflict}/ruling",
        data={"csrf": csrf_of(page.text), "outcome": "owner", "reason": "管理员不能裁定"},
    )
    assert answer.status_code == 403


def test_claimant_branch_sees_the_conflict_masked_without_the_owners_record(
    client: TestClient,
) -> None:
    login(client, "ningbo")
    listing = client.get("/conflicts")
    assert "138****5678" in listing.text and "张三" not in listing.text
    assert "2026-11-03" not in listing.text  # the owner's registration date stays with the owner


def test_documents_list_download_and_refuse_other_paths(
    client: TestClient, workspace: Settings
) -> None:
    folder = workspace.reports_dir / "2026-11"
    folder.mkdir(parents=True)
    (folder / "报送考核-2026-11.docx").write_bytes(b"docx bytes")
    (folder / "部门资料包-市场策划部.docx").write_bytes(b"packet")
    (folder / "部门资料包-客户服务部.docx").write_bytes(b"other packet")
    (folder / "项目客户清单-黔龙阳光·湄江府.xlsx").write_bytes(b"every lead")
    login(client, "shichang")
    page = client.get("/documents?month=2026-11")
    assert "报送考核-2026-11.docx" in page.text and "部门资料包-市场策划部.docx" in page.text
    assert "项目客户清单-黔龙阳光·湄江府.xlsx" in page.text  # the full lead list, to filter
    got = client.get("/documents/2026-11/项目客户清单-黔龙阳光·湄江府.xlsx")
    assert got.status_code == 200 and got.content == b"every lead"
    assert "部门资料包-客户服务部.docx" not in page.text
    got = client.get("/documents/2026-11/报送考核-2026-11.docx")
    assert got.status_code == 200 and got.content == b"docx bytes"
    assert client.get("/documents/2026-11/部门资料包-客户服务部.docx").status_code == 404
    assert client.get("/documents/2026-11/..%2F..%2Fbranchflow.toml").status_code == 404
    assert client.get("/documents/store/branchflow.sqlite3").status_code == 404


def test_admin_rerenders_the_month(client: TestClient, workspace: Settings) -> None:
    login(client, "admin")
    page = client.get("/documents?month=2026-11")
    answer = client.post("/documents/render", data={"csrf": csrf_of(page.text), "month": "2026-11"})
    assert answer.status_code == 303
    shown = client.get(answer.headers["location"])
    assert "已重新生成 2026年11月的" in shown.text
    assert (workspace.reports_dir / "2026-11" / "报送考核-2026-11.docx").is_file()
    login(client, "zhangmin")
    page = client.get("/documents?month=2026-11")
    assert "重新生成" not in page.text
    assert (
        client.post(
            "/documents/render", data={"csrf": csrf_of(page.text), "month": "2026-11"}
        ).status_code
        == 403
    )


def test_townships_count_the_months_customers(client: TestClient) -> None:
    login(client, "zhangmin")
    page = client.get("/townships?month=2026-11")
    table = cells(page.text)
    start = table.index("永兴镇")
    # 东莞 张三 and 宁波 赵六 (宁波's 张三 stayed 东莞's): both new in November, both A/B.
    assert table[start - 1 : start + 4] == ["湄潭县", "永兴镇", "2", "2", "2"]
    assert "<svg" in page.text and "湄潭县 永兴镇" in page.text
    october = cells(client.get("/townships?month=2026-10").text)
    assert "永兴镇" not in october


def test_pages_have_no_script(client: TestClient) -> None:
    login(client, "zhangmin")
    for path in ("/status", "/drops", "/customers", "/conflicts", "/documents", "/townships"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script" not in page.text
        assert "script-src 'none'" in page.headers["content-security-policy"]


def test_every_page_template_is_packaged() -> None:
    import branchflow.console as console

    folder = Path(console.__file__).parent
    assert (folder / "static" / "console.css").is_file()
    assert {p.name for p in (folder / "templates").glob("*.html")} >= {"base.html", "login.html"}
