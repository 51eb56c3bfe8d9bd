"""What a user sees while the archive workbooks are written after a drop has been answered.

A big master archive takes a while to write (200k customers: several seconds). The command has
answered the drop by then (receipts written, its lines or JSON printed), so this says that the
export is what is still running, and how far it has come: one line per workbook, counting up in
place on a terminal.
"""

from __future__ import annotations

from typing import TextIO

from branchflow.exportstamps import ExportProgress


class ExportTicker:
    """An export's progress callback writing to `stream` (the command's stderr)."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.live = live  # a terminal: rewrite the line in place
        self.file: str | None = None

    def __call__(self, event: ExportProgress) -> None:
        if event.file != self.file:
            self._end_line()
            self.file = event.file
            size = f"（{event.total:,} 行）" if event.total else ""
            self._write(f"回执已写好；正在更新 {event.file}{size}，完成前请勿打开……")
            if not self.live:
                self._write("\n")
        if self.live:
            share = f" {event.rows / event.total:.0%}" if event.total else ""
            self._write(f"\r正在更新 {event.file}：{event.rows:,} 行{share}   ")

    def close(self) -> None:
        """The export is over (the command prints what was written next)."""
        self._end_line()
        self.file = None

    def _end_line(self) -> None:
        if self.live and self.file is not None:
            self._write("\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
