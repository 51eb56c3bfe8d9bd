"""When is a dropped file complete? Quiet for a while, unchanged, a regular file, ours to open.

A copy over SMB or from Explorer arrives in chunks; Excel saves through a temp name and renames.
A candidate is examined only after `delay` seconds without events; then its size and mtime must
match what we saw last, it must still be a regular file, and it must open (Windows refuses while
Excel or a copy holds it: that is a PermissionError, retried with backoff, never a rejection).
A workbook that is a zip must end with the zip's end record: a partial copy does not, and is
waited for (up to `incomplete_grace`) instead of being rejected as damaged.
"""

from __future__ import annotations

import enum
import os
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

ZIP_HEAD = b"PK\x03\x04"
ZIP_END = b"PK\x05\x06"
ZIP_END_MAX = 22 + 0xFFFF  # the end record plus the longest zip comment


class Verdict(enum.Enum):
    READY = "ready"  # complete: process it now
    WAIT = "wait"  # still changing, or not looked at long enough
    LOCKED = "locked"  # someone holds it open; backing off
    GONE = "gone"  # moved away, deleted or not a regular file: forgotten


class Probe(enum.Enum):
    OK = "ok"
    LOCKED = "locked"
    INCOMPLETE = "incomplete"


@dataclass
class _Candidate:
    seen_at: float  # first noticed
    changed_at: float  # last event or observed change
    signature: tuple[int, int] | None  # (size, mtime_ns) when last looked at
    retry_at: float = 0.0  # backing off: not before this
    failures: int = 0  # consecutive locked / failed attempts


class StabilityTracker:
    """The files we are waiting on, and whether each is complete yet."""

    def __init__(
        self,
        delay: float,
        *,
        max_backoff: float = 60.0,
        incomplete_grace: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        probe: Callable[[Path], Probe] | None = None,
    ) -> None:
        self.delay = delay
        self.max_backoff = max_backoff
        self.incomplete_grace = incomplete_grace
        self._clock = clock
        self._probe = probe or probe_file
        self._known: dict[Path, _Candidate] = {}

    def __contains__(self, path: Path) -> bool:
        return path in self._known

    def __len__(self) -> int:
        return len(self._known)

    def touch(self, path: Path) -> None:
        """An event for `path`: (re)start its quiet period."""
        now = self._clock()
        found = self._known.get(path)
        if found is None:
            self._known[path] = _Candidate(now, now, _signature(path))
        else:
            found.changed_at = now

    def notice(self, path: Path) -> None:
        """Seen by a rescan: start tracking it unless we already are."""
        if path not in self._known:
            now = self._clock()
            self._known[path] = _Candidate(now, now, _signature(path))

    def forget(self, path: Path) -> None:
        self._known.pop(path, None)

    def clear(self) -> None:
        self._known.clear()

    def due(self) -> list[Path]:
        """Candidates quiet for `delay` and not backing off, the longest-waiting first."""
        now = self._clock()
        ready = [
            (c.seen_at, p)
            for p, c in self._known.items()
            if now >= c.changed_at + self.delay and now >= c.retry_at
        ]
        return [p for _, p in sorted(ready)]

    def next_due(self) -> float | None:
        """Seconds until the next candidate is due, None when there is none."""
        if not self._known:
            return None
        now = self._clock()
        soonest = min(max(c.changed_at + self.delay, c.retry_at) for c in self._known.values())
        return max(0.0, soonest - now)

    def waiting(self) -> int:
        """Candidates on their way in (not backing off after a failure)."""
        return sum(c.failures == 0 for c in self._known.values())

    def check(self, path: Path) -> Verdict:
        """Is `path` complete? Forgets it when gone, backs off when it is held open."""
        found = self._known.get(path)
        if found is None:
            return Verdict.GONE
        now = self._clock()
        try:
            info = path.lstat()  # a link is never a drop (see nofollow.py)
        except (FileNotFoundError, NotADirectoryError):
            self.forget(path)
            return Verdict.GONE
        except OSError:  # the share is unreachable for a moment
            self.back_off(path)
            return Verdict.WAIT
        if not stat.S_ISREG(info.st_mode):
            self.forget(path)
            return Verdict.GONE
        signature = (info.st_size, info.st_mtime_ns)
        if signature != found.signature:
            found.signature, found.changed_at = signature, now
            return Verdict.WAIT
        if now < found.changed_at + self.delay:
            return Verdict.WAIT
        try:
            probed = self._probe(path)
        except FileNotFoundError:
            self.forget(path)
            return Verdict.GONE
        except OSError:
            self.back_off(path)
            return Verdict.WAIT
        if probed is Probe.LOCKED:
            self.back_off(path)
            return Verdict.LOCKED
        if probed is Probe.INCOMPLETE and now < found.changed_at + self.incomplete_grace:
            found.retry_at = now + self.delay
            return Verdict.WAIT
        return Verdict.READY

    def back_off(self, path: Path) -> int:
        """Try `path` again later, waiting twice as long each time; returns the failure count."""
        found = self._known.get(path)
        if found is None:
            return 0
        found.failures += 1
        found.retry_at = self._clock() + self.backoff(found.failures)
        return found.failures

    def backoff(self, failures: int) -> float:
        """Seconds to wait after `failures` consecutive failures."""
        return float(min(self.max_backoff, max(self.delay, 0.5) * 2 ** min(failures - 1, 16)))


def probe_file(path: Path) -> Probe:
    """Open `path` as processing will; a zip (.xlsx) must also end with its end record."""
    try:
        with _open_for_check(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(len(ZIP_HEAD))
            if len(head) < len(ZIP_HEAD):
                return Probe.INCOMPLETE
            if head != ZIP_HEAD:
                return Probe.OK
            handle.seek(max(0, size - ZIP_END_MAX))
            return Probe.OK if ZIP_END in handle.read() else Probe.INCOMPLETE
    except PermissionError:
        return Probe.LOCKED


def _open_for_check(path: Path) -> BinaryIO:
    if sys.platform == "win32" and not (
        path.stat().st_file_attributes & stat.FILE_ATTRIBUTE_READONLY
    ):
        # Excel and Explorer's copy hold a file with write sharing denied: asking for write
        # access finds them (a plain read would succeed and race the writer). A read-only
        # file cannot be opened for writing at all, so that one is only read.
        return os.fdopen(os.open(path, os.O_RDWR | os.O_BINARY), "rb")
    return path.open("rb")


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns)
