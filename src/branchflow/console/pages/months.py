"""The month a page shows: ?month=YYYY-MM, else the current month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from starlette.exceptions import HTTPException

from branchflow.console.web import Page

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def title(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The first day of the next month."""
        return self.shift(1).start

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)


def chosen_month(page: Page) -> Month:
    """The month asked for; 404 for text that is not a month."""
    text = page.arg("month")
    if not text:
        today = page.settings.now()
        return Month(today.year, today.month)
    found = _MONTH.match(text)
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        raise HTTPException(404, f"“{text}”不是月份，应如 2026-11")
    return Month(int(found.group(1)), int(found.group(2)))
