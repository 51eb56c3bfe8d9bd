"""The months and ISO weeks the documents cover, and how they are written in Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from branchflow.config import Deadline, Settings
from branchflow.errors import ConfigError
from branchflow.validate.normalize import Invalid, normalize_period

NUMERALS = "一二三四五六七八九十"
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """ "2026-11" (or 2026年11月) → Month; anything else is a usage error."""
        key = _normalized(text, "--period", "月份，如 2026-11")
        if "W" in key:
            raise ConfigError(f"--period 应为月份，如 2026-11；周报请用 --week {key}")
        year, month = key.split("-")
        return cls(int(year), int(month))

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.shift(1).first - timedelta(days=1)

    def start(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=tz)

    def end(self, tz: ZoneInfo) -> datetime:
        """The first moment after the month."""
        return self.shift(1).start(tz)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def holds(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last

    def day(self, number: int) -> date:
        """Day `number` of the month, or its last day when the month is shorter."""
        return min(date(self.year, self.month, 1) + timedelta(days=number - 1), self.last)

    def back(self, count: int) -> list[Month]:
        """The `count` months ending with this one, oldest first."""
        return [self.shift(-n) for n in range(count - 1, -1, -1)]


@dataclass(frozen=True, order=True)
class Week:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> Week:
        key = _normalized(text, "--week", "ISO 周，如 2026-W47")
        if "W" not in key:
            raise ConfigError(f"--week 应为 ISO 周，如 2026-W47；月份请用 --period {key}")
        year, week = key.split("-W")
        return cls(int(year), int(week))

    @classmethod
    def of(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def first(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=6)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.short_label}"

    @property
    def short_label(self) -> str:
        """ "第47周（11月16日—11月22日）": how HQ writes a week (never "W47")."""
        return f"第{self.week}周（{short_day(self.first)}—{short_day(self.last)}）"

    def holds(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last


def period_label(key: str) -> str:
    """A period key as a reader writes it: 2026-11 → 2026年11月, 2026-W47 → 第47周（…）."""
    try:
        return Week.parse(key).short_label if "W" in key else Month.parse(key).label
    except ConfigError:
        return key


def weeks_overlapping(month: Month) -> list[Week]:
    """Every ISO week with at least one day in the month."""
    weeks: list[Week] = []
    day = month.first
    while day <= month.last:
        week = Week.of(day)
        if week not in weeks:
            weeks.append(week)
        day += timedelta(days=1)
    return weeks


def short_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def long_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def numeral(index: int) -> str:
    """0 → 一, 1 → 二 … (section numbers); past ten, plain digits."""
    return NUMERALS[index] if index < len(NUMERALS) else str(index + 1)


def deadline(settings: Settings, kind: str) -> Deadline | None:
    return next((d for d in settings.calendar if d.kind == kind), None)


def due_text(settings: Settings, kind: str, period: Month | Week) -> str:
    """When a deliverable of `period` was due, e.g. “应于11月25日前报送”; "" if unknown."""
    rule = deadline(settings, kind)
    if rule is None:
        return ""
    if isinstance(period, Week):
        if rule.weekday is None:
            return ""
        due = period.last + timedelta(days=rule.weekday)
        return f"应于{short_day(due)}（周{WEEKDAYS[rule.weekday - 1]}）前报送"
    if rule.day is None:
        return ""
    return f"应于{short_day(period.day(rule.day))}前报送"


def meeting_day(settings: Settings, month: Month) -> date:
    """The day of the month's 例会 (the 3rd by the rules)."""
    rule = deadline(settings, "hq_briefing")
    number = rule.meeting_day if rule is not None and rule.meeting_day else 3
    return month.day(number)


def _normalized(text: str, flag: str, example: str) -> str:
    try:
        return normalize_period(text)
    except Invalid:
        raise ConfigError(f"{flag} {text!r} 不是有效的{example}") from None
