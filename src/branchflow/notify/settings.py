"""[notify] in branchflow.toml: the channels (企业微信 / 钉钉 group robots, e-mail) and SMTP.

Parsed once by config.load_settings into frozen objects. A webhook URL, a signing secret or an
SMTP password may be written as `env:VAR`: the value is read from the environment here, at load,
and never written back anywhere; one written into the file itself is used, with a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from branchflow.errors import ConfigError

CONFIG_NAME = "branchflow.toml"
KINDS = ("wecom", "dingtalk", "email")
EVENTS = ("rejected", "accepted", "reminder", "conflict", "documents", "distributed")
EVENT_NAMES = {
    "rejected": "退回",
    "accepted": "接收汇总",
    "reminder": "待报提醒",
    "conflict": "撞单",
    "documents": "月度文档",
    "distributed": "下发资料",
}
KIND_NAMES = {"wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人", "email": "电子邮件"}
CHANNEL_KEYS = frozenset({"name", "kind", "url", "secret", "to", "scopes", "events"})
SMTP_KEYS = frozenset({"host", "port", "user", "password", "starttls", "ssl", "from"})
NOTIFY_KEYS = frozenset({"channels", "smtp", "remind_at", "give_up_hours", "retry_seconds"})
ENV_PREFIX = "env:"


@dataclass(frozen=True)
class Channel:
    """Where messages go: one group robot or one list of e-mail addresses."""

    name: str
    kind: str  # wecom | dingtalk | email
    scopes: tuple[str, ...]  # branch / department names, or the HQ folder (总部)
    events: tuple[str, ...]
    url: str | None = None  # the webhook, resolved; None when its env var is not set
    secret: str | None = None  # 钉钉 signing secret, resolved
    to: tuple[str, ...] = ()
    missing: str = ""  # why the channel cannot send yet (an unset environment variable)

    def wants(self, event: str, scope: str) -> bool:
        return event in self.events and scope in self.scopes

    def __repr__(self) -> str:  # never show the webhook key or the secret in a traceback
        return f"Channel(name={self.name!r}, kind={self.kind!r}, scopes={self.scopes!r})"


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str  # the From address
    user: str = ""
    password: str = ""
    starttls: bool = True
    ssl: bool = False

    def __repr__(self) -> str:
        return f"Smtp(host={self.host!r}, port={self.port}, sender={self.sender!r})"


@dataclass(frozen=True)
class NotifySettings:
    channels: tuple[Channel, ...] = ()
    smtp: Smtp | None = None
    remind_at: time = time(9, 0)  # reminders wait until this time of day
    give_up_hours: float = 24.0  # a message not delivered by then is marked failed
    retry_seconds: float = 60.0  # the first retry's wait; doubled each time, at most an hour
    link_base: str = ""  # [console] base_url: documents are sent as links to it when set

    def channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)

    def routes(self, event: str, scope: str) -> list[Channel]:
        """The channels that receive `event` for `scope`."""
        return [c for c in self.channels if c.wants(event, scope)]


def parse_notify(
    raw: dict[str, Any], scopes: Iterable[str], environ: Mapping[str, str]
) -> tuple[NotifySettings, list[str]]:
    """[notify] and [console] base_url → NotifySettings, and the warnings to show once."""
    table = raw.get("notify", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{CONFIG_NAME}：[notify] 应为一个表")
    _no_unknown(table, NOTIFY_KEYS, "[notify]")
    warnings: list[str] = []
    smtp = _smtp(table.get("smtp"), environ, warnings)
    known = tuple(dict.fromkeys(scopes))
    items = table.get("channels", [])
    if not isinstance(items, list) or not all(isinstance(c, dict) for c in items):
        raise ConfigError(f"{CONFIG_NAME}：渠道应写成 [[notify.channels]] 表格数组")
    channels = tuple(_channel(c, known, smtp, environ, warnings) for c in items)
    names = [c.name for c in channels]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{CONFIG_NAME}：[[notify.channels]] name “{name}”重复")
    console = raw.get("console", {})
    base = str(console.get("base_url", "")).strip() if isinstance(console, dict) else ""
    settings = NotifySettings(
        channels=channels,
        smtp=smtp,
        remind_at=_clock(table.get("remind_at", "09:00")),
        give_up_hours=_positive(table.get("give_up_hours", 24), "give_up_hours", "小时"),
        retry_seconds=_positive(table.get("retry_seconds", 60), "retry_seconds", "秒"),
        link_base=base.rstrip("/"),
    )
    return settings, warnings


def _channel(
    raw: dict[str, Any],
    known: tuple[str, ...],
    smtp: Smtp | None,
    environ: Mapping[str, str],
    warnings: list[str],
) -> Channel:
    name = str(raw.get("name", "")).strip()
    if not name:
        raise ConfigError(f"{CONFIG_NAME}：[[notify.channels]] 中有一项缺少 name")
    where = f"{CONFIG_NAME}：渠道“{name}”"
    _no_unknown(raw, CHANNEL_KEYS, f"渠道“{name}”")
    kind = str(raw.get("kind", "")).strip()
    if kind not in KINDS:
        raise ConfigError(f"{where} 的 kind = {kind!r} 不认识，可用：{'、'.join(KINDS)}")
    scopes = _names(raw.get("scopes", []), f"{where} 的 scopes")
    if not scopes:
        raise ConfigError(f"{where} 缺少 scopes（哪些分中心 / 部门 / 总部的消息发到这里）")
    for scope in scopes:
        if scope not in known:
            raise ConfigError(
                f"{where} 的 scopes 中“{scope}”不是分中心、部门或总部，可用：{'、'.join(known)}"
            )
    events = _names(raw.get("events", list(EVENTS)), f"{where} 的 events")
    for event in events:
        if event not in EVENTS:
            raise ConfigError(f"{where} 的 events 中 {event!r} 不认识，可用：{'、'.join(EVENTS)}")
    missing: list[str] = []
    url = secret = None
    to: tuple[str, ...] = ()
    if kind == "email":
        to = _addresses(raw.get("to"), where)
        if smtp is None:
            raise ConfigError(f"{where} 是电子邮件渠道，需要先填写 [notify.smtp]")
    else:
        if not str(raw.get("url", "")).strip():
            raise ConfigError(f"{where} 缺少 url（群机器人的 Webhook 地址，建议写 env:变量名）")
        url = _secret(raw.get("url"), f"{where} 的 url", environ, warnings, missing)
        if url is not None and not url.startswith(("https://", "http://")):
            raise ConfigError(f"{where} 的 url 应以 https:// 开头（群机器人的 Webhook 地址）")
        if kind == "dingtalk" and raw.get("secret") is not None:
            secret = _secret(raw.get("secret"), f"{where} 的 secret", environ, warnings, missing)
    warnings.extend(f"渠道“{name}”暂不能发送：{why}" for why in missing)
    return Channel(name, kind, scopes, events, url, secret, to, "；".join(missing))


def _smtp(raw: Any, environ: Mapping[str, str], warnings: list[str]) -> Smtp | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"{CONFIG_NAME}：[notify.smtp] 应为一个表")
    _no_unknown(raw, SMTP_KEYS, "[notify.smtp]")
    host, sender = str(raw.get("host", "")).strip(), str(raw.get("from", "")).strip()
    if not host or "@" not in sender:
        raise ConfigError(f"{CONFIG_NAME}：[notify.smtp] 需要 host 和 from（发件地址）")
    ssl, starttls = bool(raw.get("ssl", False)), bool(raw.get("starttls", not raw.get("ssl")))
    if ssl and starttls:
        raise ConfigError(f"{CONFIG_NAME}：[notify.smtp] ssl 与 starttls 只能选一个")
    port = raw.get("port", 465 if ssl else 587 if starttls else 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{CONFIG_NAME}：[notify.smtp] port = {port!r} 应为端口号")
    password = ""
    if raw.get("password"):
        missing: list[str] = []
        where = f"{CONFIG_NAME}：[notify.smtp] password"
        password = _secret(raw["password"], where, environ, warnings, missing) or ""
        warnings.extend(missing)
    user = str(raw.get("user", "")).strip()
    return Smtp(host, port, sender, user, password, starttls=starttls, ssl=ssl)


def _secret(
    value: Any, where: str, environ: Mapping[str, str], warnings: list[str], missing: list[str]
) -> str | None:
    """`env:VAR` → the variable's value (None, noted, when unset); a literal → itself, warned."""
    text = str(value).strip()
    if text.startswith(ENV_PREFIX):
        var = text[len(ENV_PREFIX) :].strip()
        if not var:
            raise ConfigError(f"{where} = {text!r} 缺少环境变量名，应如 env:BF_WECOM_DONGGUAN")
        found = environ.get(var, "").strip()
        if not found:
            missing.append(f"环境变量 {var} 未设置（{where.split('：', 1)[-1]}）")
            return None
        return found
    warnings.append(
        f"{where} 直接写在配置文件里：密钥不应留在文件中，请改为 env:变量名 并在环境变量中设置"
    )
    return text


def _names(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where} 应为名称列表，如 ["东莞分中心"]')
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _addresses(value: Any, where: str) -> tuple[str, ...]:
    found = _names(value if value is not None else [], f"{where} 的 to")
    if not found:
        raise ConfigError(f'{where} 是电子邮件渠道，需要 to = ["收件人@example.com"]')
    for address in found:
        if "@" not in address or any(ch.isspace() for ch in address):
            raise ConfigError(f"{where} 的收件地址 {address!r} 不像电子邮件地址")
    return found


def _no_unknown(table: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{CONFIG_NAME}：{where} 中的 {unknown[0]} 不认识，可用：{'、'.join(sorted(allowed))}"
        )


def _clock(value: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{CONFIG_NAME}：[notify] remind_at = {value!r} 应为 HH:MM") from exc


def _positive(value: Any, key: str, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{CONFIG_NAME}：[notify] {key} = {value!r} 应为正数（{unit}）")
    return float(value)
