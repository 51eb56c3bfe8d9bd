"""Fakes of what branchflow talks to, on 127.0.0.1: the 企业微信 and 钉钉 group robot APIs (an
http.server in a thread) and a real SMTP server (aiosmtpd). Plus workspaces with channels."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from branchflow.config import Settings, load_settings
from branchflow.workspace import create_workspace

WECOM_KEY = "693a91f6-test-key"
DING_TOKEN = "ding-test-token"
DING_SECRET = "SEC0123456789abcdef+/=test"  # + / = must survive URL encoding


def dingtalk_expected_sign(timestamp: str, secret: str) -> str:
    """The 钉钉 documentation's algorithm, written out again here on purpose: HmacSHA256 over
    timestamp + "\\n" + secret with the secret as key, then Base64 (before URL-encoding)."""
    mac = hmac.HMAC(secret.encode("utf-8"), digestmod=hashlib.sha256)
    mac.update((timestamp + "\n" + secret).encode("utf-8"))
    return base64.standard_b64encode(mac.digest()).decode("ascii")


@dataclass
class Robots:
    """What the fake robots saw and how they will answer next.

    `plan` holds answers for the next requests in order ("ok", "500", "timeout", or an errcode
    int); when it is empty every request is answered "ok"."""

    port: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)  # taken (errcode 0)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, outcome)
    uploads: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, bytes)
    plan: deque[Any] = field(default_factory=deque)
    down: bool = False  # every request gets HTTP 503 while True
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def wecom_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key={WECOM_KEY}"

    @property
    def dingtalk_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/robot/send?access_token={DING_TOKEN}"

    def texts(self, robot: str = "") -> list[str]:
        with self.lock:
            return [
                m["text"]["content"]
                for m in self.messages
                if m.get("msgtype") == "text" and m["_robot"].startswith(robot)
            ]


class _Handler(BaseHTTPRequestHandler):
    robots: Robots

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        with self.robots.lock:
            outcome = "503" if self.robots.down else (
                self.robots.plan.popleft() if self.robots.plan else "ok")  # fmt: skip
            self.robots.requests.append((url.path, str(outcome)))
        if outcome == "503":
            self._status(503)
            return
        if outcome == "500":
            self._status(500)
            return
        if outcome == "timeout":
            time.sleep(1.5)
            self._answer({"errcode": 0, "errmsg": "ok (too late)"})
            return
        if isinstance(outcome, int):
            self._answer({"errcode": outcome, "errmsg": "api freq out of limit"})
            return
        if url.path == "/cgi-bin/webhook/send":
            self._wecom_send(query, body)
            return
        if url.path == "/cgi-bin/webhook/upload_media":
            self._wecom_upload(query, body)
            return
        if url.path == "/robot/send":
            self._dingtalk_send(query, body)
            return
        self._status(404)
        return

    def _wecom_send(self, query: dict[str, list[str]], body: bytes) -> None:
        if query.get("key") != [WECOM_KEY]:
            self._answer({"errcode": 93000, "errmsg": "invalid webhook url"})
            return
        message = json.loads(body)
        text = message.get("text", {}).get("content", "")
        if message.get("msgtype") == "text" and len(text.encode("utf-8")) > 2048:
            self._answer({"errcode": 40058, "errmsg": "content exceed max length"})
            return
        if message.get("msgtype") == "file":
            known = {f"media-{n}" for n in range(len(self.robots.uploads))}
            if message["file"]["media_id"] not in known:
                self._answer({"errcode": 40007, "errmsg": "invalid media_id"})
                return
        self._take("wecom", message)

    def _wecom_upload(self, query: dict[str, list[str]], body: bytes) -> None:
        if query.get("key") != [WECOM_KEY] or query.get("type") != ["file"]:
            self._answer({"errcode": 93000, "errmsg": "invalid webhook url"})
            return
        parsed = email.message_from_bytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body,
            policy=email.policy.HTTP,
        )
        part = next(p for p in parsed.iter_parts() if p.get_param("name", header="content-disposition") == "media")  # fmt: skip
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        name = str(part.get_filename())
        with self.robots.lock:
            media_id = f"media-{len(self.robots.uploads)}"
            self.robots.uploads.append((name, data))
        self._answer({"errcode": 0, "errmsg": "ok", "type": "file", "media_id": media_id})

    def _dingtalk_send(self, query: dict[str, list[str]], body: bytes) -> None:
        if query.get("access_token") != [DING_TOKEN]:
            self._answer({"errcode": 300001, "errmsg": "token is not exist"})
            return
        stamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        if abs(int(stamp or 0) - time.time() * 1000) > 3600_000:
            self._answer({"errcode": 310000, "errmsg": "timestamp out of range"})
            return
        if sign != dingtalk_expected_sign(stamp, DING_SECRET):
            self._answer({"errcode": 310000, "errmsg": "sign not match"})
            return
        self._take("dingtalk", json.loads(body))

    def _take(self, robot: str, message: dict[str, Any]) -> None:
        with self.robots.lock:
            self.robots.messages.append({**message, "_robot": robot})
        self._answer({"errcode": 0, "errmsg": "ok"})

    def _answer(self, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code: int) -> None:
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def fake_robots() -> Iterator[Robots]:
    robots = Robots()
    handler = type("Handler", (_Handler,), {"robots": robots})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    robots.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield robots
    finally:
        server.shutdown()
        server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.mails.append(message)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[_Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1: (its mailbox, its port)."""
    box = _Mailbox()
    port = free_port()  # aiosmtpd checks it is up by connecting to the port it was given
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def notify_workspace(
    tmp: Path, channels: str, environ: dict[str, str] | None = None, name: str = "ws"
) -> Settings:
    """A sample workspace whose branchflow.toml ends with `channels` (TOML text)."""
    settings = create_workspace(tmp / name)
    config = settings.workspace / "branchflow.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + channels, encoding="utf-8")
    return load_settings(settings.workspace, environ=environ or {})


def robot_channels(robots: Robots, scopes: str = '["东莞分中心"]', events: str = "") -> str:
    """TOML for a 企业微信 and a 钉钉 channel on the fake robots (secrets via env:)."""
    chosen = f"events = {events}\n" if events else ""
    return (
        f'[[notify.channels]]\nname = "东莞群"\nkind = "wecom"\nurl = "env:BF_WECOM"\n'
        f"scopes = {scopes}\n{chosen}\n"
        f'[[notify.channels]]\nname = "钉钉群"\nkind = "dingtalk"\nurl = "env:BF_DING"\n'
        f'secret = "env:BF_DING_SECRET"\nscopes = {scopes}\n{chosen}'
    )


def robot_environ(robots: Robots) -> dict[str, str]:
    return {"BF_WECOM": robots.wecom_url, "BF_DING": robots.dingtalk_url,
            "BF_DING_SECRET": DING_SECRET}  # fmt: skip
