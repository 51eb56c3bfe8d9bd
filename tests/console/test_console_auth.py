"""Sessions, CSRF, the login rate limit and what each role may open (plain HTTP, no browser)."""

from __future__ import annotations

import re

import pytest
from console_helpers import DG, NB, PASSWORDS, csrf_of, login
from starlette.testclient import TestClient

from branchflow.archive.console import ConsoleStore
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.console.accounts import disable_user

PAGES = ["/", "/status", "/drops", "/customers", "/conflicts", "/documents", "/townships", "/audit"]


def test_login_page_has_a_text_and_a_password_input(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert re.search(r'<input type="text" name="username"', page.text)
    assert re.search(r'<input type="password" name="password"', page.text)


@pytest.mark.parametrize("path", [*PAGES, "/drops/1", "/drops/1/original", "/customers/1"])
def test_nothing_but_the_login_page_without_a_session(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")
    assert "报送" not in answer.text


def test_static_files_need_no_session(client: TestClient) -> None:
    assert client.get("/static/console.css").status_code == 200


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORDS["admin"], "csrf": csrf_of(page.text)},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("bf_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_wrong_password_is_refused_in_chinese(client: TestClient) -> None:
    page = client.get("/login")
    answer = client.post(
        "/login", data={"username": "admin", "password": "nope", "csrf": csrf_of(page.text)}
    )
    assert answer.status_code == 401
    assert "用户名或密码不正确" in answer.text
    assert client.get("/status").status_code == 303


def test_login_form_without_its_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]})
    assert answer.status_code == 403


def test_five_failures_lock_the_name_even_with_the_right_password(client: TestClient) -> None:
    for _ in range(5):
        page = client.get("/login")
        client.post(
            "/login", data={"username": "admin", "password": "x", "csrf": csrf_of(page.text)}
        )
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORDS["admin"], "csrf": csrf_of(page.text)},
    )
    assert answer.status_code == 429
    assert "登录失败次数过多" in answer.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    login(client, "zhangmin")
    assert (
        client.post(
            "/conflicts/1/ruling", data={"outcome": "owner", "reason": "理由充分"}
        ).status_code
        == 403
    )
    assert client.post("/customers/1/phone", data={"csrf": "forged"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/status").status_code == 200  # still logged in


def test_logout_ends_the_session(client: TestClient) -> None:
    login(client, "admin")
    token = csrf_of(client.get("/status").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert client.get("/status").status_code == 303


def test_disabling_an_account_ends_its_sessions(client: TestClient, workspace: Settings) -> None:
    login(client, "dongguan")
    assert client.get("/status").status_code == 200
    disable_user(workspace, "dongguan")
    assert client.get("/status").status_code == 303


@pytest.mark.parametrize(
    "path",
    [
        f"/drops?folder={NB}",
        f"/status?month=2026-11&folder={NB}",
        "/audit",
    ],
)
def test_a_branch_is_refused_another_branchs_pages(client: TestClient, path: str) -> None:
    login(client, "dongguan")
    answer = client.get(path)
    if "status" in path:  # the matrix never takes a folder: it shows the branch's own row
        assert NB not in answer.text and DG in answer.text
        return
    assert answer.status_code == 403
    assert "无权访问" in answer.text


def test_a_branch_is_refused_another_branchs_drop_and_customer(
    client: TestClient, workspace: Settings
) -> None:
    with Archive.open(workspace) as archive:
        store = ConsoleStore(archive)
        ningbo_drop = next(e for e in archive.ledger() if e.folder == NB)
        ningbo_customer = next(c for c in archive.customers(NB))
    login(client, "dongguan")
    assert client.get(f"/drops/{ningbo_drop.file_id}").status_code == 403
    assert client.get(f"/drops/{ningbo_drop.file_id}/original").status_code == 403
    assert client.get(f"/customers/{ningbo_customer['id']}").status_code == 403
    assert store is not None


def test_a_department_sees_documents_not_customers(client: TestClient) -> None:
    login(client, "shichang")
    assert client.get("/").headers["location"] == "/documents"
    assert client.get("/documents").status_code == 200
    assert client.get("/customers").status_code == 403
    assert client.get("/conflicts").status_code == 403
    assert "客户查询" not in client.get("/documents").text
