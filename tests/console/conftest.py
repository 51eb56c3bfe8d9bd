from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from console_helpers import build_workspace, copy_workspace
from starlette.testclient import TestClient

from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.console.app import create_app


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once: the workspace every test copies."""
    folder = tmp_path_factory.mktemp("console") / "ws"
    build_workspace(folder)
    return folder


@pytest.fixture
def workspace(prepared: Path, tmp_path: Path) -> Settings:
    return copy_workspace(prepared, tmp_path / "ws")


@pytest.fixture
def client(workspace: Settings) -> Iterator[TestClient]:
    with Archive.open(workspace) as archive:
        app = create_app(workspace, archive)
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as test:
            yield test
