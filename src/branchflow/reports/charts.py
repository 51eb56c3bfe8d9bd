"""Charts as PNG images, drawn by matplotlib (Agg, no display) in a Chinese font found locally.

Without a CJK-capable font every Chinese label would come out as tofu boxes, so when none is
found no chart is drawn and the document says why instead.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from branchflow.reports.figures import GRADES, TrendPoint

# Preferred first: Windows 微软雅黑 / 黑体, macOS 苹方, Linux Noto / Source Han / WenQuanYi.
CJK_FONTS = (
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
)
NO_FONT = "本机未找到中文字体（如 微软雅黑、黑体 或 Noto Sans CJK SC），图表未生成。"
BLUE, ORANGE, GREY = "#2F5597", "#C55A11", "#7F7F7F"
GRADE_COLOURS = {"A": "#C00000", "B": "#ED7D31", "C": "#5B9BD5", "D": "#A5A5A5", "未定": "#D9D9D9"}
DPI = 150
LABEL_BOX = {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": GREY, "linewidth": 0.5}


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes and the width it takes on the page."""

    png: bytes
    width_mm: float = 150


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a CJK-capable font matplotlib can use, or None."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in available:
            return name
    return next((n for n in sorted(available) if "CJK" in n and "Mono" not in n), None)


def township_chart(counts: Sequence[tuple[str, int]], limit: int = 12) -> Chart | None:
    """Horizontal bars: new customers per home township (the rest summed up)."""
    font = cjk_font()
    if font is None or not counts:
        return None
    shown = list(counts[:limit])
    if len(counts) > limit:
        rest = counts[limit:]
        shown.append((f"其他 {len(rest)} 个乡镇", sum(n for _, n in rest)))
    shown.reverse()
    with _style(font):
        longest = max(len(label) for label, _ in shown)
        figure = _figure(0.5 + 0.28 * len(shown), left=9.5 * longest + 12, bottom=6, right=24)
        axes = figure.add_subplot()
        bars = axes.barh([label for label, _ in shown], [n for _, n in shown], color=BLUE)
        axes.bar_label(bars, padding=3, fontsize=8)
        axes.set_xlim(0, max(n for _, n in shown) * 1.12)
        _tidy(axes, counts="x")
        return _png(figure)


def grade_chart(counts: dict[str, int]) -> Chart | None:
    """Bars per grade with the share of each."""
    font = cjk_font()
    total = sum(counts.values())
    if font is None or total == 0:
        return None
    labels = [g for g in (*GRADES, "未定") if counts.get(g)]
    values = [counts[g] for g in labels]
    with _style(font):
        figure = _figure(2.4, width=5.0, left=10)
        axes = figure.add_subplot()
        bars = axes.bar(
            [f"{g} 类" if g in GRADES else g for g in labels],
            values,
            color=[GRADE_COLOURS[g] for g in labels],
            width=0.6,
        )
        axes.bar_label(bars, [f"{v} 人（{v / total:.1%}）" for v in values], padding=2, fontsize=8)
        axes.set_ylim(0, max(values) * 1.25)
        _tidy(axes)
        return _png(figure, width_mm=120)


def trend_chart(points: Sequence[TrendPoint]) -> Chart | None:
    """Month on month: new registrations and follow-ups (bars), A+B customers (line)."""
    font = cjk_font()
    if font is None or not points:
        return None
    labels = [f"{p.month.month}月" for p in points]
    positions = range(len(points))
    with _style(font):
        figure = _figure(2.6, left=10)
        axes = figure.add_subplot()
        new = axes.bar([x - 0.2 for x in positions], [p.new for p in points], 0.4, color=BLUE)
        visits = axes.bar([x + 0.2 for x in positions], [p.followups for p in points], 0.4)
        for bar in visits:
            bar.set_color(ORANGE)
        axes.bar_label(new, fontsize=7, padding=1)
        axes.bar_label(visits, fontsize=7, padding=1)
        (line,) = axes.plot(positions, [p.ab for p in points], color=GREY, marker="o")
        for x, point in zip(positions, points, strict=True):
            axes.annotate(
                str(point.ab), (x, point.ab), xytext=(0, 6), textcoords="offset points",
                ha="center", fontsize=7, color="black", bbox=LABEL_BOX,
            )  # fmt: skip
        axes.set_xticks(list(positions), labels)
        axes.legend([new, visits, line], ["新增登记客户", "跟进人次", "有效客户(A+B)"], fontsize=8)
        top = max(max(p.new, p.followups, p.ab) for p in points)
        axes.set_ylim(0, top * 1.3 + 1)
        _tidy(axes)
        return _png(figure)


def branch_chart(rows: Sequence[tuple[str, int, int | None]]) -> Chart | None:
    """Per branch: new registrations in the archive beside what the branch reported."""
    font = cjk_font()
    if font is None or not rows:
        return None
    positions = range(len(rows))
    with _style(font):
        figure = _figure(2.8, width=6.4, left=10)
        axes = figure.add_subplot()
        archive = axes.bar([x - 0.2 for x in positions], [r[1] for r in rows], 0.4, color=BLUE)
        reported = axes.bar([x + 0.2 for x in positions], [r[2] or 0 for r in rows], 0.4)
        for bar in reported:
            bar.set_color(ORANGE)
        axes.bar_label(archive, fontsize=7, padding=1)
        axes.bar_label(
            reported, [str(r[2]) if r[2] is not None else "未报" for r in rows], fontsize=7
        )
        axes.set_xticks(list(positions), [r[0] for r in rows])
        axes.legend([archive, reported], ["档案统计", "分中心上报"], fontsize=8)
        axes.set_ylim(0, max(max(r[1], r[2] or 0) for r in rows) * 1.2 + 1)
        _tidy(axes)
        return _png(figure, width_mm=150)


def _figure(
    height: float, width: float = 6.4, *, left: float = 40, bottom: float = 24, right: float = 10
) -> Figure:
    """A figure with fixed margins in points (a layout engine would triple the drawing time)."""
    figure = Figure(figsize=(width, height), dpi=DPI)
    points_wide, points_high = width * 72, height * 72
    figure.subplots_adjust(
        left=left / points_wide,
        right=1 - right / points_wide,
        bottom=bottom / points_high,
        top=1 - 8 / points_high,
    )
    return figure


def _style(font: str) -> Any:
    """The chart settings, for this drawing only (the process's rcParams are left alone)."""
    return matplotlib.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [font],
            "axes.unicode_minus": False,
            "font.size": 9,
        }
    )


def _tidy(axes: Axes, counts: str = "y") -> None:
    """Only the category axis: every bar carries its number, so the value axis (and its many
    tick artists, most of a chart's drawing time) is left out."""
    value_axis = axes.xaxis if counts == "x" else axes.yaxis
    value_axis.set_visible(False)
    for side in ("top", "right", "bottom" if counts == "x" else "left"):
        axes.spines[side].set_visible(False)


def _png(figure: Figure, width_mm: float = 150) -> Chart:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return Chart(out.getvalue(), width_mm)
