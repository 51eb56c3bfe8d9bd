"""Talking to 企业微信 and 钉钉 group robots (HTTPS + JSON) and to an SMTP server.

HTTP goes through the standard library's urllib: a few small POSTs a minute need no connection
pool or async client, and it adds no dependency (it honours HTTPS_PROXY as companies set it).
A robot answers HTTP 200 with {"errcode": 0} when it took the message; any other errcode is a
failure, and the rate-limit codes (企业微信 45009, 钉钉 130101/410100) mean "wait", not "broken".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from branchflow.errors import BranchflowError
from branchflow.notify.settings import Channel, Smtp

WECOM_TEXT_BYTES = 2048  # 企业微信: text content ≤ 2,048 bytes (markdown ≤ 4,096)
WECOM_FILE_BYTES = 20 * 1024 * 1024  # 企业微信: an uploaded file ≤ 20 MB (and ≥ 5 bytes)
DINGTALK_TEXT_BYTES = 4096  # kept as short as 企业微信 markdown: a group reads it on a phone
MAIL_ATTACHMENT_BYTES = 20 * 1024 * 1024  # most company mail servers refuse more per message
PER_MINUTE = 20  # both robots: at most 20 messages a minute each
RATE_LIMITED = {45009: 60.0, 130101: 600.0, 410100: 600.0}  # errcode → seconds to wait
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


class DeliveryError(BranchflowError):
    """The message did not get through; `wait` > 0 when the robot asked us to slow down."""

    def __init__(self, reason: str, *, wait: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class Robot:
    """A 企业微信 or 钉钉 group robot behind its webhook URL."""

    def __init__(self, channel: Channel, timeout: float = 10.0) -> None:
        if not channel.url:
            raise DeliveryError(channel.missing or f"渠道“{channel.name}”没有 Webhook 地址")
        self.channel = channel
        self.timeout = timeout
        self.text_limit = WECOM_TEXT_BYTES if channel.kind == "wecom" else DINGTALK_TEXT_BYTES
        self.can_send_files = channel.kind == "wecom"

    def send_text(self, text: str) -> None:
        self._post({"msgtype": "text", "text": {"content": text}})

    def send_file(self, path: Path) -> None:
        """企业微信 only: upload the file (media_id, valid 3 days), then a file message."""
        media_id = self._upload(path)
        self._post({"msgtype": "file", "file": {"media_id": media_id}})

    def _post(self, message: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(message, ensure_ascii=False).encode("utf-8")
        return _call(self._url(), data, "application/json; charset=utf-8", self.timeout)

    def _url(self) -> str:
        url = str(self.channel.url)
        if self.channel.kind == "dingtalk" and self.channel.secret:
            timestamp, sign = dingtalk_sign(self.channel.secret)
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
        return url

    def _upload(self, path: Path) -> str:
        data = path.read_bytes()
        body, content_type = _multipart("media", path.name, data)
        parts = urllib.parse.urlsplit(str(self.channel.url))
        upload = parts._replace(
            path=parts.path.replace("/webhook/send", "/webhook/upload_media"),
            query=f"{parts.query}&type=file" if parts.query else "type=file",
        )
        answer = _call(urllib.parse.urlunsplit(upload), body, content_type, self.timeout)
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise DeliveryError("企业微信上传文件后没有返回 media_id")
        return media_id


def dingtalk_sign(secret: str, timestamp_ms: int | None = None) -> tuple[str, str]:
    """钉钉 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed with the secret, Base64, then
    URL-encoded; the timestamp in milliseconds (must be within an hour of DingTalk's clock)."""
    stamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(
        secret.encode("utf-8"), f"{stamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return stamp, urllib.parse.quote_plus(base64.b64encode(digest))


def _call(url: str, data: bytes, content_type: str, timeout: float) -> dict[str, Any]:
    """POST and read the robot's JSON answer; every way of failing is a DeliveryError whose
    reason never contains the URL (it holds the robot's key)."""
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}（服务器暂时出错或地址不对）") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"连接失败：{reason}") from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError("机器人的回答不是 JSON") from None
    if not isinstance(answer, dict):
        raise DeliveryError("机器人的回答不是 JSON 对象")
    code = answer.get("errcode", 0)
    if code != 0:
        message = str(answer.get("errmsg", ""))[:200]
        raise DeliveryError(f"errcode {code}：{message}", wait=RATE_LIMITED.get(code, 0.0))
    return answer


def _multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """multipart/form-data with one file, as 企业微信's upload_media wants it (the file name,
    in UTF-8, is what the group sees)."""
    boundary = f"----branchflow{secrets.token_hex(12)}"
    quoted = filename.replace('"', "'").replace("\r", " ").replace("\n", " ")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{quoted}"; '
        f"filelength={len(data)}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + data + tail, f"multipart/form-data; boundary={boundary}"


class Mailer:
    """E-mail through the configured SMTP server (SSL, STARTTLS or plain for a local relay)."""

    def __init__(self, smtp: Smtp, timeout: float = 20.0) -> None:
        self.smtp = smtp
        self.timeout = timeout

    def send(
        self, to: Sequence[str], subject: str, text: str, attachments: Sequence[Path] = ()
    ) -> None:
        message = EmailMessage()
        message["From"] = self.smtp.sender
        message["To"] = ", ".join(to)
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=self.smtp.sender.rsplit("@", 1)[-1])
        message.set_content(text)
        for path in attachments:
            maintype, subtype = (
                DOCX_TYPE if path.suffix == ".docx" else ("application", "octet-stream")
            )
            message.add_attachment(
                path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
            )
        try:
            with self._connect() as server:
                if self.smtp.user:
                    server.login(self.smtp.user, self.smtp.password)
                refused = server.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"邮件发送失败：{_smtp_reason(exc)}") from None
        if refused:
            raise DeliveryError(f"邮件服务器拒收：{'、'.join(sorted(refused))}")

    def _connect(self) -> smtplib.SMTP:
        smtp, context = self.smtp, ssl.create_default_context()
        if smtp.ssl:
            return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=self.timeout, context=context)
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout)
        if smtp.starttls:
            try:
                server.starttls(context=context)
            except BaseException:
                server.close()
                raise
        return server


def _smtp_reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}"[:200]
    return str(exc)[:200] or type(exc).__name__
