"""The store tests run against both backends: `store_url` is a fresh SQLite file in the test's
workspace, or a fresh PostgreSQL database on the test server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from archive_helpers import make_settings

from branchflow.archive.store import Archive

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_store(backend: str, request: pytest.FixtureRequest) -> Callable[[Path], str]:
    """Makes an empty store of the backend for a workspace: the URL for [store] url."""
    if backend == "sqlite":
        return lambda workspace: f"sqlite:///{workspace / 'store' / 'branchflow.sqlite3'}"
    make = request.getfixturevalue("pg_database")
    return lambda _workspace: make()


@pytest.fixture
def store_url(new_store: Callable[[Path], str], tmp_path: Path) -> str:
    """The test workspace's store: SQLite in its store/ folder, or a PostgreSQL database."""
    return new_store(tmp_path)


@pytest.fixture
def archive(tmp_path: Path, store_url: str) -> Iterator[Archive]:
    with Archive.open(make_settings(tmp_path, store_url=store_url)) as opened:
        yield opened
