"""The console in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser), against `branchflow serve` running as a user runs it, on a free loopback port.

Skipped with a reason when /usr/bin/chromium is missing, unless BRANCHFLOW_REQUIRE_BROWSER=1
(CI), which makes that a failure. Screenshots of every page go to a temporary folder (or to
BRANCHFLOW_SCREENSHOTS when set) and are named in the test output.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_helpers import DG, NB, NOW, PASSWORDS, SHARED_PHONE, copy_workspace

from branchflow.config import RECEIPTS_DIR, Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        why = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("BRANCHFLOW_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(prepared: Path, tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """`branchflow serve` on a free port, on a copy of the prepared workspace."""
    settings = copy_workspace(prepared, tmp_path / "ws")
    port = _free_port()
    env = {**os.environ, "BRANCHFLOW_NOW": NOW, "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "branchflow",
            "-w",
            str(settings.workspace),
            "serve",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        _wait_for(port, process, tmp_path / "serve.log")
        yield f"http://127.0.0.1:{port}", settings
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("BRANCHFLOW_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"branchflow serve exited: {log.read_text(encoding='utf-8')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("branchflow serve did not start within 60 s")


def _log_in(browser: Any, base: str, name: str, viewport: dict[str, int] = LAPTOP) -> Any:
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    page.goto(f"{base}/status")
    assert page.url.startswith(f"{base}/login?next=")
    page.fill("input[type=text][name=username]", name)
    page.fill("input[type=password][name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/status")
    return page


def test_sales_reads_the_matrix_searches_a_masked_phone_and_rules_on_a_conflict(
    chromium: Any, server: tuple[str, Settings], shots: Path
) -> None:
    base, settings = server
    page = _log_in(chromium, base, "zhangmin")
    page.goto(f"{base}/status?month=2026-11")
    row = page.locator("table.matrix tbody tr", has_text=DG)
    assert row.locator("td.cell").first.inner_text().startswith("未交")
    assert "missing" in (row.locator("td.cell").first.get_attribute("class") or "")
    page.screenshot(path=shots / "status.png")
    row.locator("td.cell a").nth(2).click()  # the first weekly column: its drops
    assert "/drops?folder=" in page.url and "kind=weekly" in page.url
    page.goto(f"{base}/drops")
    assert page.locator("table.list tbody tr").count() == 3
    page.screenshot(path=shots / "drops.png")

    page.goto(f"{base}/customers")
    page.fill("input[name=phone]", "138****5678")
    page.click("form.filters button")
    result = page.locator("table.list tbody tr").first
    assert "138****5678" in result.inner_text() and SHARED_PHONE not in page.content()
    page.screenshot(path=shots / "customers.png")
    result.locator("a").click()
    page.click("text=显示完整号码")
    assert SHARED_PHONE in page.locator("h1").inner_text()
    page.screenshot(path=shots / "customer.png")

    page.goto(f"{base}/conflicts")
    page.screenshot(path=shots / "conflicts.png")
    page.get_by_role("link", name="裁定", exact=True).first.click()
    page.check("input[name=outcome][value=claimant]")
    page.fill("textarea[name=reason]", "客户本人确认由宁波分中心带看并认筹")
    page.screenshot(path=shots / "conflict-ruling.png")
    page.click("text=确认裁定")
    notice = page.locator(".notice").inner_text()
    assert "裁定已记录" in notice and DG in notice and NB in notice
    assert "原归东莞分中心" in page.locator("table.list").inner_text()
    for branch in (DG, NB):
        written = list((settings.inbox / branch / RECEIPTS_DIR).glob("撞单裁定通知-*.txt"))
        assert len(written) == 1 and written[0].name in notice
    page.goto(f"{base}/customers?phone={SHARED_PHONE}")
    assert NB in page.locator("table.list tbody tr").first.inner_text()

    for path, name in (
        ("/documents?month=2026-11", "documents.png"),
        ("/townships?month=2026-11", "townships.png"),
    ):
        page.goto(base + path)
        assert page.locator("h1").count() == 1
        page.screenshot(path=shots / name)
    print(f"screenshots written to {shots}")


def test_a_branch_is_refused_another_branchs_page(
    chromium: Any, server: tuple[str, Settings], shots: Path
) -> None:
    base, _settings = server
    page = _log_in(chromium, base, "dongguan")
    answer = page.goto(f"{base}/drops?folder={NB}")
    assert answer is not None and answer.status == 403
    assert "无权访问" in page.locator("h1").inner_text()
    page.screenshot(path=shots / "forbidden.png")
    page.goto(f"{base}/status?month=2026-11")
    assert page.locator("table.matrix tbody tr").count() == 1


def test_a_form_without_its_csrf_token_is_refused(
    chromium: Any, server: tuple[str, Settings]
) -> None:
    base, settings = server
    page = _log_in(chromium, base, "zhangmin")
    page.goto(f"{base}/conflicts")
    page.get_by_role("link", name="裁定", exact=True).first.click()
    page.locator("form.ruling input[name=csrf]").evaluate("field => field.remove()")
    page.check("input[name=outcome][value=claimant]")
    page.fill("textarea[name=reason]", "伪造的表单")
    with page.expect_response(lambda r: "/ruling" in r.url) as answer:
        page.click("text=确认裁定")
    assert answer.value.status == 403
    assert "安全校验码" in page.content()
    assert not list((settings.inbox / NB / RECEIPTS_DIR).glob("撞单裁定通知-*.txt"))


def test_pages_fit_a_phone(chromium: Any, server: tuple[str, Settings], shots: Path) -> None:
    base, _settings = server
    page = _log_in(chromium, base, "zhangmin", viewport=PHONE)
    for path in ("/status?month=2026-11", "/customers?phone=138****5678", "/conflicts"):
        page.goto(base + path)
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.goto(f"{base}/status?month=2026-11")
    page.screenshot(path=shots / "status-phone.png")
