"""The watcher's log: a rotating file in the workspace (with tracebacks), and the console."""

from __future__ import annotations

import logging
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from branchflow.printable import printable

LOGGER = "branchflow"
LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 5
_LEVEL_WORDS = {logging.WARNING: "注意：", logging.ERROR: "错误：", logging.CRITICAL: "错误："}


class EscapingFormatter(logging.Formatter):
    """A record's message shown with its control characters escaped: a file name holding a
    newline cannot forge a line of the log, nor an escape sequence reach the terminal. (The
    traceback, ours, is appended as it is.)"""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)


class EchoHandler(logging.Handler):
    """One short line per record through the CLI's echo: time, level word, message."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self._echo = echo
        self.setFormatter(EscapingFormatter("%(asctime)s %(message)s", "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Tracebacks go to the file only; the console keeps one line per event.
            line = logging.LogRecord(
                record.name, record.levelno, record.pathname, record.lineno,
                _LEVEL_WORDS.get(record.levelno, "") + record.getMessage(), None, None,
            )  # fmt: skip
            line.created = record.created
            self._echo(self.format(line))
        except Exception:
            self.handleError(record)


def start_logging(log_file: Path, echo: Callable[[str], None]) -> Callable[[], None]:
    """Send branchflow's (and watchdog's warnings') records to `log_file` and `echo`; returns
    the function that takes the handlers off again."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    to_file = RotatingFileHandler(
        log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    to_file.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_console = EchoHandler(echo)
    ours, theirs = logging.getLogger(LOGGER), logging.getLogger("watchdog")
    saved = (ours.level, ours.propagate, theirs.level)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    theirs.setLevel(logging.WARNING)
    for logger in (ours, theirs):
        logger.addHandler(to_file)
        logger.addHandler(to_console)

    def stop() -> None:
        for logger in (ours, theirs):
            logger.removeHandler(to_file)
            logger.removeHandler(to_console)
        ours.setLevel(saved[0])
        ours.propagate = saved[1]
        theirs.setLevel(saved[2])
        to_file.close()

    return stop
