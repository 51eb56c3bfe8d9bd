from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from exchange_helpers import file_everything, moment

from branchflow.config import Settings, load_settings
from branchflow.workspace import create_workspace

NOW = "2026-11-05T09:00"


@pytest.fixture(scope="session")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace where plans, HQ's briefing and two branches' customers are filed (built once)."""
    settings = create_workspace(tmp_path_factory.mktemp("exchange") / "ws")
    file_everything(settings)
    return settings.workspace


@pytest.fixture
def ws(filed: Path, tmp_path: Path) -> Settings:
    """A copy of the filed workspace for one test, its clock at NOW."""
    target = tmp_path / "ws"
    shutil.copytree(filed, target)
    return moment(load_settings(target), NOW)
