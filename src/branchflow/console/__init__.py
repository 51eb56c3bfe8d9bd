"""The HQ console in the browser (`branchflow serve`): who has filed, what came in, whose
customer, 撞单 rulings, documents; accounts with roles (`branchflow users`).

app (routes, login), web (session and CSRF checks around every page), auth (Argon2, sessions,
rate limit), access (what each role sees), pages/ (one module per page), notices (回执 notices),
accounts (what `branchflow users` does), templates/ and static/ (HTML and CSS, no script).
"""

from __future__ import annotations

from collections.abc import Callable

from branchflow.config import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def serve(
    settings: Settings,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    secure_cookies: bool = False,
    echo: Callable[[str], None] = print,
) -> None:
    """Run the console with uvicorn until Ctrl+C / SIGTERM."""
    import uvicorn

    from branchflow.archive.store import Archive
    from branchflow.console.accounts import users_exist
    from branchflow.console.app import create_app

    with Archive.open(settings) as archive:
        app = create_app(settings, archive, secure_cookies=secure_cookies)
        shown = f"[{host}]" if ":" in host else host
        echo(f"控制台已启动：http://{shown}:{port}/ （工作区 {settings.workspace}；Ctrl+C 停止）")
        if not users_exist(archive):
            echo("尚无账号：请先运行 branchflow users add admin --role admin --password-stdin")
        uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
