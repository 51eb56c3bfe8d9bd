"""Read branchflow.toml once into a frozen Settings; no other module reads it or the environment."""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from branchflow.errors import ConfigError
from branchflow.notify.settings import NotifySettings, parse_notify
from branchflow.templates.definitions import FOLLOW_UP_METHODS, TEMPLATES, FieldType

CONFIG_NAME = "branchflow.toml"
SAMPLE_CONFIG = Path(__file__).parent / "sample" / CONFIG_NAME
RECEIPTS_DIR = "回执"
BLANKS_DIR = "空白模板"
DISTRIBUTION_DIR = "下发"  # what HQ sends a branch (inbox/<分中心>/下发/<YYYY-MM>/); never input
RESERVED_DIRS = frozenset({RECEIPTS_DIR, BLANKS_DIR, DISTRIBUTION_DIR})
MERCHANT_PHONE_CHOICES = ("landline", "masked", "full")
MASTER_FILE = "客户总档案.xlsx"
KEEP_ORIGINALS_DAYS = 1095  # three years
GUIDE_FILE = "使用说明.txt"  # our instructions in every drop folder; never read as a drop


@dataclass(frozen=True)
class Branch:
    name: str
    city: str


@dataclass(frozen=True)
class Project:
    name: str
    county: str
    town: str
    marketing: str = ""  # the project's 营销部: its drop folder for the monthly work plan


@dataclass(frozen=True)
class Department:
    name: str
    receives: tuple[str, ...]
    plans: bool = True  # files a 部门月度工作计划 (销售管理部's goes out as HQ's briefing)


@dataclass(frozen=True)
class Distribution:
    """What each branch's 下发/<YYYY-MM>/ folder receives ([distribution] in branchflow.toml)."""

    items: tuple[str, ...] = ("briefing", "meeting", "plans", "archive", "leads")
    pdf: bool = True  # a PDF of HQ's briefing beside the docx, where LibreOffice is installed
    due_days: int = 14  # the archive workbook lists follow-ups due within this many days


@dataclass(frozen=True)
class Protection:
    """The 撞单 protection rule: the owner keeps a customer for `days` from its registration;
    a follow-up of the owner's whose 跟进方式 is in `extend_on`, made while the customer is
    protected, keeps it protected `extend_days` beyond that follow-up (none: no extension)."""

    days: int = 90
    extend_on: tuple[str, ...] = ()
    extend_days: int = 0

    @property
    def extends(self) -> bool:
        return bool(self.extend_on) and self.extend_days > 0


@dataclass(frozen=True)
class Deadline:
    """When one deliverable kind is due; see the [calendar] comments in branchflow.toml."""

    kind: str
    at: time  # the time of day it is due
    day: int | None = None  # day of month
    weekday: int | None = None  # ISO weekday, 1 = Monday
    final_day: int | None = None
    final_time: time | None = None
    meeting_day: int | None = None


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_unpacked_bytes: int = 500 * 1024 * 1024
    max_compression_ratio: float = 200.0


@dataclass(frozen=True)
class Settings:
    workspace: Path
    company: str
    home_province: str
    timezone: ZoneInfo
    protection_days: int
    hq_folder: str
    branches: tuple[Branch, ...]
    projects: tuple[Project, ...]
    departments: tuple[Department, ...]
    calendar: tuple[Deadline, ...]
    store_url: str
    originals_dir: Path
    limits: Limits = field(default_factory=Limits)
    phone_display: str = "masked"
    # merchants' 联系电话 in documents: "landline" (a business line shown, a mobile masked),
    # "masked" (every number masked) or "full"
    merchant_phone_display: str = "landline"
    # Rows of a list of customers in a Word document (项目客户清单, 例会资料, 撞单): the most urgent
    # first, then how many more; a project's full lead list goes beside it as a workbook.
    list_rows: int = 200
    scope_counties: tuple[str, ...] = ()
    now_override: datetime | None = None
    # Seconds after which a file claimed by a watcher that stopped renewing its claim (crashed)
    # may be taken over by another watcher sharing the inbox ([store] claim_timeout).
    claim_timeout: float = 60.0
    notify: NotifySettings = field(default_factory=NotifySettings)
    # Said once when the settings are loaded (the CLI prints them): e.g. a secret in the file.
    warnings: tuple[str, ...] = ()
    distribution: Distribution = field(default_factory=Distribution)
    # The company's own words for listed values ([aliases.<栏目>]): (栏目, written, listed value).
    aliases: tuple[tuple[str, str, str], ...] = ()
    # Originals and quarantined drops older than this many days are removed ([store]
    # keep_originals_days; 0 keeps them for ever): they hold full phone and ID numbers.
    keep_originals_days: int = KEEP_ORIGINALS_DAYS
    # [conflicts] extend_on / extend_days: valid follow-ups that extend the protection period.
    extend_on: tuple[str, ...] = ()
    extend_days: int = 0

    @property
    def protection(self) -> Protection:
        """The protection rule: [company] protection_days, extended as [conflicts] says."""
        return Protection(self.protection_days, self.extend_on, self.extend_days)

    @property
    def inbox(self) -> Path:
        return self.workspace / "inbox"

    @property
    def outbox(self) -> Path:
        return self.workspace / "outbox"

    @property
    def archive_dir(self) -> Path:
        return self.outbox / "archive"

    @property
    def master_path(self) -> Path:
        """outbox/archive/客户总档案.xlsx"""
        return self.archive_dir / MASTER_FILE

    @property
    def reports_dir(self) -> Path:
        return self.outbox / "reports"

    @property
    def store_dir(self) -> Path:
        return self.workspace / "store"

    @property
    def templates_dir(self) -> Path:
        return self.workspace / "templates"

    @property
    def branch_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.branches)

    @property
    def project_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.projects)

    @property
    def planners(self) -> tuple[str, ...]:
        """Drop folders of the departments and project 营销部 that file monthly work plans."""
        departments = (d.name for d in self.departments if d.plans)
        return (*departments, *(p.marketing for p in self.projects if p.marketing))

    @property
    def drop_folders(self) -> tuple[str, ...]:
        """Every folder under inbox/ that takes drops: branches, HQ, departments and projects."""
        return (*self.branch_names, self.hq_folder, *self.planners)

    def now(self) -> datetime:
        """The current time in the configured zone (BRANCHFLOW_NOW when set)."""
        if self.now_override is not None:
            return self.now_override
        return datetime.now(self.timezone)


def load_settings(
    workspace: Path,
    now: str | None = None,
    store_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Load `<workspace>/branchflow.toml`; `now` and `store_url` are the environment overrides;
    `env:VAR` values in [notify] are read from `environ` (the process environment)."""
    path = workspace / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"{workspace} 不是 branchflow 工作区（缺少 {CONFIG_NAME}）；"
            f"请用 -w 指定工作区，或先运行 branchflow init {workspace}"
        )
    try:
        raw = tomllib.loads(quote_chinese_keys(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} 格式有误：{exc}") from exc
    return parse_settings(raw, workspace.resolve(), now=now, store_url=store_url, environ=environ)


def parse_settings(
    raw: dict[str, Any],
    workspace: Path,
    now: str | None = None,
    store_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    company = _table(raw, "company")
    tz = _zone(str(company.get("timezone", "Asia/Shanghai")))
    store = _table(raw, "store")
    intake = _table(raw, "intake")
    branches = tuple(
        Branch(_text(b, "name", "branches"), _text(b, "city", "branches"))
        for b in _list(raw, "branches")
    )
    if not branches:
        raise ConfigError(f"{CONFIG_NAME}：至少需要一个 [[branches]]（分中心）")
    _unique([b.name for b in branches], "分中心 name")
    projects = tuple(_project(p) for p in _list(raw, "projects"))
    _unique([p.name for p in projects], "项目 name")
    departments = tuple(
        Department(
            _text(d, "name", "departments"),
            tuple(str(x) for x in d.get("receives", ())),
            _flag(d.get("plans", True), "departments.plans"),
        )
        for d in _list(raw, "departments")
    )
    _unique([d.name for d in departments], "部门 name")
    hq_folder = _folder_name(str(company.get("hq_folder", "总部")).strip(), "company.hq_folder")
    if hq_folder in {b.name for b in branches}:
        raise ConfigError(f"{CONFIG_NAME}：总部文件夹名“{hq_folder}”与某个分中心重名")
    notify, warnings = parse_notify(
        raw,
        [
            *(b.name for b in branches),
            *(d.name for d in departments),
            *(p.marketing for p in projects if p.marketing),
            hq_folder,
        ],
        os.environ if environ is None else environ,
    )
    _distinct_folders(branches, hq_folder, departments, projects)
    extend_on, extend_days = _extension(_table(raw, "conflicts"))
    return Settings(
        workspace=workspace,
        company=str(company.get("name", "黔龙阳光地产营销中心")),
        home_province=str(company.get("home_province", "贵州省")),
        timezone=tz,
        protection_days=_int(company.get("protection_days", 90), "company.protection_days"),
        hq_folder=hq_folder,
        branches=branches,
        projects=projects,
        departments=departments,
        calendar=_calendar(_table(raw, "calendar")),
        store_url=(store_url or str(store.get("url", "")) or "").strip(),
        originals_dir=_path(workspace, str(store.get("originals", "")), "store/originals"),
        limits=Limits(
            max_file_bytes=_int(intake.get("max_file_mb", 50), "intake.max_file_mb") * 1024**2,
            max_unpacked_bytes=_int(intake.get("max_unpacked_mb", 500), "intake.max_unpacked_mb")
            * 1024**2,
            max_compression_ratio=_seconds(
                intake.get("max_compression_ratio", 200), "intake.max_compression_ratio", "倍"
            ),
        ),
        phone_display=str(_table(raw, "reports").get("phone_display", "masked")),
        merchant_phone_display=_choice(
            _table(raw, "reports").get("merchant_phone_display", "landline"),
            "reports.merchant_phone_display",
            MERCHANT_PHONE_CHOICES,
        ),
        list_rows=_int(_table(raw, "reports").get("list_rows", 200), "reports.list_rows"),
        scope_counties=tuple(str(c) for c in _table(raw, "scope").get("counties", ())),
        now_override=parse_now(now, tz) if now else None,
        claim_timeout=_seconds(store.get("claim_timeout", 60), "store.claim_timeout"),
        notify=notify,
        warnings=tuple(warnings),
        distribution=_distribution(_table(raw, "distribution")),
        aliases=_aliases(_table(raw, "aliases"), tuple(p.name for p in projects)),
        keep_originals_days=_days(store.get("keep_originals_days", KEEP_ORIGINALS_DAYS)),
        extend_on=extend_on,
        extend_days=extend_days,
    )


CONFLICT_KEYS = ("extend_on", "extend_days")


def _extension(raw: dict[str, Any]) -> tuple[tuple[str, ...], int]:
    """[conflicts] extend_on (跟进方式 values; empty = off) and extend_days (default 30)."""
    for key in raw:
        if key not in CONFLICT_KEYS:
            hint = "；保护期天数写在 [company] protection_days" if key == "protection_days" else ""
            raise ConfigError(
                f"{CONFIG_NAME}：[conflicts] 没有 {key} 这一项，可用：{'、'.join(CONFLICT_KEYS)}"
                f"{hint}"
            )
    methods = raw.get("extend_on", [])
    if not isinstance(methods, list) or not all(m in FOLLOW_UP_METHODS for m in methods):
        raise ConfigError(
            f"{CONFIG_NAME}：[conflicts] extend_on = {methods!r} 只能从跟进方式 "
            f'{"、".join(FOLLOW_UP_METHODS)} 中选，如 ["到访", "上门拜访"]'
        )
    days = _int(raw.get("extend_days", 30), "conflicts.extend_days")
    return tuple(dict.fromkeys(methods)), days if methods else 0


def _project(table: dict[str, Any]) -> Project:
    name = _text(table, "name", "projects")
    # The default folder drops the brand before "·": 黔龙阳光·湄江府 → 湄江府营销部;
    # marketing = "" means the project files no plan of its own.
    marketing = {"marketing": table.get("marketing", f"{name.rsplit('·', 1)[-1]}营销部")}
    return Project(
        name,
        str(table.get("county", "")).strip(),
        _text(table, "town", "projects"),
        _text(marketing, "marketing", "projects") if str(marketing["marketing"]).strip() else "",
    )


def _distinct_folders(
    branches: tuple[Branch, ...],
    hq_folder: str,
    departments: tuple[Department, ...],
    projects: tuple[Project, ...],
) -> None:
    """Every drop folder under inbox/ is one owner's: no name twice, none of our own folders."""
    owners = [
        *((b.name, "分中心") for b in branches),
        (hq_folder, "总部文件夹"),
        *((d.name, "部门") for d in departments if d.plans),
        *((p.marketing, f"项目“{p.name}”的营销部") for p in projects if p.marketing),
    ]
    seen: dict[str, str] = {}
    for name, what in owners:
        _folder_name(name, f"{what}名称")
        if name in seen:
            raise ConfigError(
                f"{CONFIG_NAME}：{what}名称“{name}”与{seen[name]}重名；"
                "inbox/ 下每个文件夹只能属于一方"
            )
        seen[name] = what


DISTRIBUTION_ITEMS = {
    "briefing": "总部月度简报",
    "meeting": "例会资料",
    "plans": "部门及项目工作计划",
    "archive": "分中心档案",
    "leads": "项目客户清单（放入各项目营销部的文件夹）",
}


def _distribution(raw: dict[str, Any]) -> Distribution:
    default = Distribution()
    items = raw.get("items", list(default.items))
    if not isinstance(items, list) or not all(i in DISTRIBUTION_ITEMS for i in items):
        choices = "、".join(f"{k}（{v}）" for k, v in DISTRIBUTION_ITEMS.items())
        raise ConfigError(f"{CONFIG_NAME}：[distribution] items = {items!r} 只能从 {choices} 中选")
    return Distribution(
        items=tuple(dict.fromkeys(items)),
        pdf=_flag(raw.get("pdf", default.pdf), "distribution.pdf"),
        due_days=_int(raw.get("due_days", default.due_days), "distribution.due_days"),
    )


# TOML 1.0 takes only ASCII bare keys; HQ writes [aliases.付款方式] and 公积 = "…" as in Chinese.
_HEADER = re.compile(r"^(\s*\[\[?)([^\]\"']+)(\]\]?\s*(?:#.*)?)$")
_KEY = re.compile(r"^(\s*)([^\s\"'#=\[\]]*[^\x00-\x7f][^\s\"'#=\[\]]*)(\s*=)")


def quote_chinese_keys(text: str) -> str:
    """Quote the non-ASCII bare keys of table headers and key lines (outside multi-line
    strings), so `[aliases.付款方式]` reads as `[aliases."付款方式"]`."""
    lines, inside = [], False
    for line in text.split("\n"):
        if not inside:
            header = _HEADER.match(line)
            if header:
                parts = [_quoted(part.strip()) for part in header[2].split(".")]
                line = f"{header[1]}{'.'.join(parts)}{header[3]}"
            else:
                line = _KEY.sub(lambda m: f'{m[1]}"{m[2]}"{m[3]}', line)
        if line.count('"""') % 2 or line.count("'''") % 2:
            inside = not inside
        lines.append(line)
    return "\n".join(lines)


def _quoted(part: str) -> str:
    return f'"{part}"' if part and not part.isascii() else part


def _aliases(raw: dict[str, Any], projects: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """[aliases.<栏目>] written = "listed value", each checked against the column's list."""
    lists = alias_columns(projects)
    found = []
    for column, table in raw.items():
        if column not in lists:
            raise ConfigError(
                f"{CONFIG_NAME}：[aliases.{column}] 不是有可选值的栏目，可设别名的栏目："
                f"{'、'.join(lists)}"
            )
        if not isinstance(table, dict):
            raise ConfigError(
                f'{CONFIG_NAME}：[aliases.{column}] 应为一个表，如 "公积" = "公积金贷款"'
            )
        for written, value in table.items():
            if not isinstance(value, str) or value.strip() not in lists[column]:
                raise ConfigError(
                    f'{CONFIG_NAME}：[aliases.{column}] "{written}" = "{value}" 不是“{column}”的'
                    f"可选值；应为其中之一：{'、'.join(lists[column])}"
                )
            found.append((str(column), str(written).strip(), value.strip()))
    return tuple(found)


def alias_columns(projects: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Column title → its listed values, for every column with a list (意向项目: the projects)."""
    lists: dict[str, tuple[str, ...]] = {}
    for template in TEMPLATES.values():
        for table in template.tables:
            for fld in table.fields:
                if fld.type is FieldType.ENUM and not table.row_labels:
                    lists.setdefault(fld.title, fld.choices)
                elif fld.type is FieldType.PROJECT:
                    lists.setdefault(fld.title, projects)
    return lists


def parse_now(text: str, tz: ZoneInfo) -> datetime:
    """BRANCHFLOW_NOW: ISO 8601; a naive time is taken in the configured zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(
            f"BRANCHFLOW_NOW={text!r} 不是 ISO 8601 时间，应如 2026-11-26T09:30"
        ) from exc
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


DEFAULT_CALENDAR = {
    "monthly": {"day": 25, "time": "23:59", "final_day": 28, "final_time": "17:00"},
    "market": {"day": 28, "time": "23:59"},
    "weekly": {"weekday": 1, "time": "23:59"},
    "hq_briefing": {"day": 2, "time": "23:59", "meeting_day": 3},
    "dept_plan": {"day": 28, "time": "23:59"},
}


def _calendar(raw: dict[str, Any]) -> tuple[Deadline, ...]:
    unknown = sorted(set(raw) - set(DEFAULT_CALENDAR))
    if unknown:
        raise ConfigError(
            f"{CONFIG_NAME}：[calendar.{unknown[0]}] 不是报送项，"
            f"可用：{'、'.join(DEFAULT_CALENDAR)}"
        )
    deadlines = []
    for kind, default in DEFAULT_CALENDAR.items():
        given = raw.get(kind, {})
        if not isinstance(given, dict):
            raise ConfigError(f"{CONFIG_NAME}：[calendar.{kind}] 应为一个表")
        rule = {**default, **given}
        _check_due_rule(kind, rule)
        deadlines.append(
            Deadline(
                kind=kind,
                at=_clock(rule.get("time", "23:59"), f"calendar.{kind}.time"),
                day=rule.get("day"),
                weekday=rule.get("weekday"),
                final_day=rule.get("final_day"),
                final_time=_clock(rule["final_time"], f"calendar.{kind}.final_time")
                if "final_time" in rule
                else None,
                meeting_day=rule.get("meeting_day"),
            )
        )
    return tuple(deadlines)


def _check_due_rule(kind: str, rule: dict[str, Any]) -> None:
    """Weekly news is due on a weekday, everything else on a day of the month (1–31)."""
    where = f"{CONFIG_NAME}：[calendar.{kind}]"
    wanted, other = ("weekday", "day") if kind == "weekly" else ("day", "weekday")
    if rule.get(other) is not None:
        raise ConfigError(f"{where} 应填 {wanted}，不能填 {other}")
    limits = {"day": 31, "weekday": 7, "final_day": 31, "meeting_day": 31}
    for key, upper in limits.items():
        value = rule.get(key)
        if value is None and key != wanted:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= upper:
            raise ConfigError(f"{where} {key} = {value!r} 应为 1 到 {upper} 之间的整数")


def _clock(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{CONFIG_NAME}：{where} = {value!r} 应为 HH:MM，如 17:00") from exc


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{CONFIG_NAME}：未知时区 {name!r}，应如 Asia/Shanghai") from exc


def _table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{CONFIG_NAME}：[{key}] 应为一个表")
    return value


def _list(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{CONFIG_NAME}：{key} 应写成 [[{key}]] 表格数组")
    return value


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = str(table.get(key, "")).strip()
    if not value:
        raise ConfigError(f"{CONFIG_NAME}：[[{where}]] 中有一项缺少 {key}")
    return _folder_name(value, f"[[{where}]] {key}")


def _folder_name(value: str, where: str) -> str:
    """A name that becomes a folder under inbox/ and part of file names: one plain name, not a
    path, not one of the folders we keep inside every drop folder."""
    if not value:
        raise ConfigError(f"{CONFIG_NAME}：{where} 不能为空")
    if (
        any(ch in value for ch in '/\\:*?"<>|')
        or value.startswith(".")
        or any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value)
    ):
        raise ConfigError(f"{CONFIG_NAME}：{where} = {value!r} 含有不能用于文件夹名的字符")
    if value in RESERVED_DIRS:
        raise ConfigError(
            f"{CONFIG_NAME}：{where} = {value!r} 是每个文件夹里 branchflow 自用的子文件夹名，"
            "请换一个"
        )
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{CONFIG_NAME}：{where} = {value!r} 应为正整数")
    return value


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"{CONFIG_NAME}：{what} “{name}”重复")
        seen.add(name)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{CONFIG_NAME}：{where} = {value!r} 应为 true 或 false")
    return value


def _choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        listed = "、".join(f'"{c}"' for c in choices)
        raise ConfigError(f"{CONFIG_NAME}：{where} = {value!r} 应为 {listed} 之一")
    return str(value)


def _seconds(value: Any, where: str, unit: str = "秒") -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value < float("inf")
    ):
        raise ConfigError(f"{CONFIG_NAME}：{where} = {value!r} 应为正数（{unit}）")
    return float(value)


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            f"{CONFIG_NAME}：store.keep_originals_days = {value!r} 应为天数（整数；0 = 永久保存）"
        )
    return value


def _path(workspace: Path, value: str, default: str) -> Path:
    path = Path(value.strip()) if value.strip() else Path(default)
    return path if path.is_absolute() else workspace / path
