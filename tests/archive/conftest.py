from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from archive_helpers import make_settings

from branchflow.archive.store import Archive


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive.open(make_settings(tmp_path)) as opened:
        yield opened
