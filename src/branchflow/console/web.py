"""What every page shares: the session check, the CSRF check, rendering, downloads, auditing.

A page handler is a plain function `handler(page: Page) -> Response`; `endpoint(handler)` turns
it into a Starlette endpoint that first finds the session (no session: the login page for a
GET, 403 for anything else), checks the CSRF token of every POST (403 without it), then runs
the handler in a worker thread, since the archive's reads and writes are blocking calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from branchflow.archive.console import AuditEntry, ConsoleStore
from branchflow.config import Settings
from branchflow.console import access
from branchflow.console.auth import SESSION_COOKIE, Viewer, same, viewer_of

CSRF_FIELD = "csrf"


@dataclass
class Console:
    """The running console: settings, the store, the templates, cookie policy."""

    settings: Settings
    store: ConsoleStore
    templates: Environment
    secure_cookies: bool = False


@dataclass(frozen=True)
class Page:
    """What a handler gets: the request, who asks, the POST form (checked), the console."""

    request: Request
    viewer: Viewer
    console: Console
    form: Mapping[str, str]

    @property
    def settings(self) -> Settings:
        return self.console.settings

    @property
    def store(self) -> ConsoleStore:
        return self.console.store

    def arg(self, name: str, default: str = "") -> str:
        """A query parameter, trimmed."""
        return str(self.request.query_params.get(name, default)).strip()

    def int_arg(self, name: str, default: int = 0) -> int:
        text = self.arg(name)
        return int(text) if text.isdigit() else default

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render(self.console, template, status, viewer=self.viewer, **context)

    def audit(self, action: str, target: str = "", detail: str = "") -> None:
        self.store.audit(self.entry(action, target, detail))

    def entry(self, action: str, target: str = "", detail: str = "") -> AuditEntry:
        return AuditEntry(
            self.settings.now(), self.viewer.name, action, target, detail, client_ip(self.request)
        )

    def download(self, path: Path, name: str, what: str) -> FileResponse:
        """Send a file the handler found through the ledger or a folder listing (never through
        a path taken from the request), after writing the download into the audit log."""
        if not path.is_file():
            raise HTTPException(404, "文件已不在原位置（可能已被移走或删除）")
        self.audit("download", what, name)
        return FileResponse(path, filename=name)


Handler = Callable[[Page], Response]


def endpoint(handler: Handler) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        console: Console = request.app.state.console
        token = request.cookies.get(SESSION_COOKIE)
        viewer = await run_in_threadpool(viewer_of, console.store, token, console.settings.now())
        if viewer is None:
            if request.method == "GET":
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            raise HTTPException(403, "登录已失效，请重新登录")
        form: dict[str, str] = {}
        if request.method == "POST":
            data = await request.form()
            form = {k: v for k, v in data.items() if isinstance(v, str)}
            if not same(form.get(CSRF_FIELD, ""), viewer.csrf):
                raise HTTPException(403, "表单已过期或来源不明（缺少安全校验码），请刷新页面后重试")
        return await run_in_threadpool(handler, Page(request, viewer, console, form))

    run.__name__ = handler.__name__
    return run


def render(console: Console, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    viewer: Viewer | None = context.get("viewer")
    context.setdefault("nav", access.nav(viewer) if viewer is not None else [])
    context.setdefault("role_names", access.ROLE_NAMES)
    context.setdefault("company", console.settings.company)
    html = console.templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


SECURITY_HEADERS = {
    # Pages are the server's own HTML and CSS; nothing runs or loads from elsewhere.
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; frame-ancestors 'none'; "
    "form-action 'self'; img-src 'self' data:; style-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def redirect(path: str, **params: Any) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


def inside(path: Path, folder: Path) -> Path | None:
    """`path` resolved, if it lies inside `folder` (a stored path is still checked)."""
    try:
        resolved = path.resolve()
        resolved.relative_to(folder.resolve())
    except (OSError, ValueError):
        return None
    return resolved
