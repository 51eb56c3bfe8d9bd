"""[conflicts] in branchflow.toml: the protection period's extension by valid follow-ups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from branchflow.config import SAMPLE_CONFIG, Protection, Settings, load_settings
from branchflow.errors import ConfigError

BASE = """
[company]
protection_days = 60

[[branches]]
name = "东莞分中心"
city = "东莞市"
"""


def settings_with(tmp_path: Path, extra: str) -> Settings:
    (tmp_path / "branchflow.toml").write_text(BASE + extra, encoding="utf-8")
    return load_settings(tmp_path)


def test_no_extension_by_default(tmp_path: Path) -> None:
    rule = settings_with(tmp_path, "").protection
    assert rule == Protection(60) and not rule.extends


def test_extension_by_listed_follow_up_methods(tmp_path: Path) -> None:
    rule = settings_with(tmp_path, '[conflicts]\nextend_on = ["到访", "上门拜访"]\n').protection
    assert rule == Protection(60, ("到访", "上门拜访"), 30) and rule.extends
    rule = settings_with(
        tmp_path, '[conflicts]\nextend_on = ["到访"]\nextend_days = 45\n'
    ).protection
    assert (rule.extend_on, rule.extend_days) == (("到访",), 45)


def test_the_sample_config_documents_it_and_leaves_it_off(tmp_path: Path) -> None:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    assert "[conflicts]" in text and "extend_on" in text and "extend_days" in text
    (tmp_path / "branchflow.toml").write_text(text, encoding="utf-8")
    assert load_settings(tmp_path).protection == Protection(90)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ('[conflicts]\nextend_on = ["来访"]\n', "只能从跟进方式 电话、微信、上门拜访、到访"),
        ('[conflicts]\nextend_on = "到访"\n', "只能从跟进方式"),
        ('[conflicts]\nextend_on = ["到访"]\nextend_days = 0\n', "conflicts.extend_days = 0"),
        ("[conflicts]\nprotection_days = 30\n", "保护期天数写在 [company] protection_days"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_it(tmp_path: Path, extra: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        settings_with(tmp_path, extra)
