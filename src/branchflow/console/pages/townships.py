"""乡镇分布: customers by county and township for a month — a table and a bar chart drawn as
inline SVG on the server (no script, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from branchflow.console import access
from branchflow.console.pages.months import chosen_month
from branchflow.console.web import Page

CHART_BARS = 15
LABEL_WIDTH = 150  # px for "湄潭县 永兴镇"
BAR_AREA = 420
BAR_HEIGHT = 18
BAR_GAP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    total_width: int
    new_width: int
    total: int
    new: int


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int


def page(page: Page) -> Response:
    month = chosen_month(page)
    owner = access.township_owner(page.viewer)
    rows = page.store.townships(month.start, month.end, owner)
    counties = _by_county(rows)
    return page.render(
        "townships.html",
        month=month,
        rows=rows,
        counties=counties,
        chart=chart(rows),
        totals={k: sum(r[k] for r in rows) for k in ("new", "total", "ab")},
        owner=owner,
        active="/townships",
    )


def chart(rows: Sequence[dict[str, Any]], bars: int = CHART_BARS) -> Chart:
    """Horizontal bars for the townships with most customers: the archive at the month's end,
    with the month's new registrations drawn over them."""
    shown = list(rows[:bars])
    top = max((r["total"] for r in shown), default=0) or 1
    return Chart(
        bars=tuple(
            Bar(
                label=f"{r['county'] or ''} {r['township'] or '（未填）'}".strip(),
                y=i * (BAR_HEIGHT + BAR_GAP),
                total_width=max(1, round(BAR_AREA * r["total"] / top)),
                new_width=round(BAR_AREA * r["new"] / top),
                total=r["total"],
                new=r["new"],
            )
            for i, r in enumerate(shown)
        ),
        width=LABEL_WIDTH + BAR_AREA + 60,
        height=max(1, len(shown)) * (BAR_HEIGHT + BAR_GAP),
        label_width=LABEL_WIDTH,
    )


def _by_county(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    counties: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = counties.setdefault(
            row["county"] or "（未填）",
            {"county": row["county"] or "（未填）", "new": 0, "total": 0, "ab": 0, "townships": 0},
        )
        for key in ("new", "total", "ab"):
            entry[key] += row[key]
        entry["townships"] += 1
    return sorted(counties.values(), key=lambda c: -c["total"])
