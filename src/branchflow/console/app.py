"""The console's ASGI app: routes, the login and logout pages, error pages, static files."""

from __future__ import annotations

import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from branchflow.archive.console import AuditEntry, ConsoleStore
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.console import filters
from branchflow.console.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_HOURS,
    log_in,
    new_token,
    same,
    viewer_of,
)
from branchflow.console.pages import (
    audit,
    conflicts,
    customers,
    documents,
    drops,
    status,
    townships,
)
from branchflow.console.web import CSRF_FIELD, Console, client_ip, endpoint, render

HERE = Path(__file__).parent


def create_app(settings: Settings, archive: Archive, *, secure_cookies: bool = False) -> Starlette:
    """The console over an open archive (the caller closes it)."""
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.install(environment, settings)
    console = Console(settings, ConsoleStore(archive), environment, secure_cookies)
    app = Starlette(
        routes=routes(),
        middleware=[Middleware(ServerTiming)],
        exception_handlers={HTTPException: _error_page},
    )
    app.state.console = console
    return app


class ServerTiming:
    """`Server-Timing: app;dur=<ms>` on every answer: the server's own time for the request
    (what bench/console.py measures), without the network or the client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - start) * 1000
                headers = [
                    *message.get("headers", []),
                    (b"server-timing", f"app;dur={took:.1f}".encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed)


def routes() -> list[BaseRoute]:
    def get(path: str, handler: object) -> Route:
        return Route(path, endpoint(handler), methods=["GET"])  # type: ignore[arg-type]

    def post(path: str, handler: object) -> Route:
        return Route(path, endpoint(handler), methods=["POST"])  # type: ignore[arg-type]

    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        get("/", status.home),
        get("/status", status.page),
        get("/drops", drops.listing),
        get("/drops/{file_id:int}", drops.detail),
        get("/drops/{file_id:int}/{what:str}", drops.download),
        get("/customers", customers.search),
        get("/customers/{customer_id:int}", customers.detail),
        post("/customers/{customer_id:int}/phone", customers.reveal),
        get("/conflicts", conflicts.listing),
        get("/conflicts/{conflict_id:int}", conflicts.detail),
        post("/conflicts/{conflict_id:int}/ruling", conflicts.ruling),
        get("/documents", documents.listing),
        get("/documents/{folder:str}/{name:str}", documents.download),
        post("/documents/render", documents.rerender),
        get("/townships", townships.page),
        get("/audit", audit.page),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


async def healthz(request: Request) -> Response:
    """A trivial answer with no session and no database (the benchmark's baseline)."""
    return Response("ok", media_type="text/plain")


async def login_page(request: Request, message: str = "", status_code: int = 200) -> Response:
    console: Console = request.app.state.console
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
    response = render(
        console,
        "login.html",
        status_code,
        csrf=token,
        message=message,
        next=_safe_next(request.query_params.get("next", "")),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=console.secure_cookies,
        path="/login",
    )
    return response


async def login_submit(request: Request) -> Response:
    console: Console = request.app.state.console
    form = await request.form()
    given = str(form.get(CSRF_FIELD, ""))
    if not same(given, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        raise HTTPException(403, "登录表单已过期或来源不明，请刷新登录页后重试")
    name = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    result = await run_in_threadpool(
        log_in, console.store, name, password, client_ip(request), console.settings.now()
    )
    if result.token is None:
        return await login_page(request, result.message, 429 if result.limited else 401)
    response = RedirectResponse(_safe_next(str(form.get("next", ""))) or "/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=console.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def logout(request: Request) -> Response:
    console: Console = request.app.state.console
    now = console.settings.now()
    viewer = await run_in_threadpool(
        viewer_of, console.store, request.cookies.get(SESSION_COOKIE), now
    )
    if viewer is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    if not same(str(form.get(CSRF_FIELD, "")), viewer.csrf):
        raise HTTPException(403, "表单已过期或来源不明（缺少安全校验码），请刷新页面后重试")
    entry = AuditEntry(now, viewer.name, "logout", ip=client_ip(request))
    await run_in_threadpool(console.store.close_session, viewer.token_hash, entry)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _safe_next(target: str) -> str:
    """Only a path on this site: never another host (//host or a scheme)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    console: Console = request.app.state.console
    titles = {403: "无权访问", 404: "未找到", 405: "不支持的操作"}
    return render(
        console,
        "error.html",
        exc.status_code,
        title=titles.get(exc.status_code, "出错了"),
        message=exc.detail if exc.detail and exc.detail != "Not Found" else "没有这个页面",
    )
