"""branchflow.toml is trusted but checked: a wrong value is one line (exit 2), never a traceback
and never silently taken."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from branchflow.config import SAMPLE_CONFIG, ConfigError, parse_settings

SAMPLE = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))


def settings_with(table: str, key: str, value: Any) -> Any:
    raw = copy.deepcopy(SAMPLE)
    if table == "branches":
        raw["branches"][0][key] = value
    else:
        raw.setdefault(table, {})[key] = value
    return parse_settings(raw, Path("/ws"))


@pytest.mark.parametrize(
    "name", ["../x", "", "  ", "回执", "空白模板", "总\n部", "总部\x1b[2J", ".x"]
)
def test_a_hq_folder_that_is_not_one_plain_name_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="hq_folder"):
        settings_with("company", "hq_folder", name)


@pytest.mark.parametrize(
    "name", ["东莞\n分中心", "回执", "空白模板", "东莞/分中心", "..", "东\u202e莞"]
)
def test_a_branch_name_that_is_not_one_plain_name_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="branches"):
        settings_with("branches", "name", name)


@pytest.mark.parametrize("ratio", ["abc", -1, 0, float("inf"), float("nan"), True])
def test_the_compression_ratio_must_be_a_positive_number(ratio: Any) -> None:
    with pytest.raises(ConfigError, match="max_compression_ratio"):
        settings_with("intake", "max_compression_ratio", ratio)
    assert settings_with("intake", "max_compression_ratio", 50).limits.max_compression_ratio == 50


def test_keep_originals_days() -> None:
    assert parse_settings(copy.deepcopy(SAMPLE), Path("/ws")).keep_originals_days == 1095
    assert settings_with("store", "keep_originals_days", 0).keep_originals_days == 0
    for wrong in (-1, 1.5, "ever"):
        with pytest.raises(ConfigError, match="keep_originals_days"):
            settings_with("store", "keep_originals_days", wrong)


def test_a_wrong_value_is_one_line_and_exit_2(tmp_path: Path) -> None:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    (tmp_path / "branchflow.toml").write_text(
        text.replace("max_compression_ratio = 200", 'max_compression_ratio = "abc"'),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "branchflow", "-w", str(tmp_path), "ingest"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "错误：branchflow.toml：intake.max_compression_ratio = 'abc' 应为正数（倍）\n"
    )
