"""A file on disk → an identified, size-checked, hashed IncomingFile (or a reason to ignore it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from branchflow.validate.issues import Issue


@dataclass(frozen=True)
class IncomingFile:
    path: Path  # where it lies in the inbox
    folder: str  # the top-level inbox folder it was dropped in (a branch name, or the HQ folder)
    relative: str  # path relative to the inbox, "/"-separated, for the ledger
    size: int
    sha256: str
    received_at: datetime  # when branchflow first saw the complete file
    data: bytes
    problem: Issue | None = None  # set when the bytes cannot be parsed at all (rejected at intake)
