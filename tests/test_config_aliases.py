"""[aliases.<栏目>] in branchflow.toml: checked at load, written the way HQ writes Chinese keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchflow.config import SAMPLE_CONFIG, load_settings, quote_chinese_keys
from branchflow.errors import ConfigError

BASE = """
[company]
name = "黔龙阳光地产营销中心"

[[branches]]
name = "东莞分中心"
city = "东莞市"

[[projects]]
name = "黔龙阳光·湄江府"
town = "湄江街道"
"""


def settings_with(tmp_path: Path, aliases: str):  # type: ignore[no-untyped-def]
    (tmp_path / "branchflow.toml").write_text(BASE + aliases, encoding="utf-8")
    return load_settings(tmp_path)


def test_aliases_are_read_with_or_without_quotes(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path,
        """
[aliases.付款方式]
公积 = "公积金贷款"   # HQ's own word
"按揭贷" = "商业贷款"

[aliases."意向项目"]
湄江 = "黔龙阳光·湄江府"

[aliases.跟进方式]
视频 = "微信"
""",
    )
    assert settings.aliases == (
        ("付款方式", "公积", "公积金贷款"),
        ("付款方式", "按揭贷", "商业贷款"),
        ("意向项目", "湄江", "黔龙阳光·湄江府"),
        ("跟进方式", "视频", "微信"),
    )


def test_no_aliases_is_fine(tmp_path: Path) -> None:
    assert settings_with(tmp_path, "").aliases == ()


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        (
            '[aliases.付款方式]\n公积 = "公积金"\n',
            '[aliases.付款方式] "公积" = "公积金" 不是“付款方式”的可选值；应为其中之一：一次性付款、',
        ),
        (
            '[aliases.意向项目]\n湄江 = "湄江府"\n',
            "不是“意向项目”的可选值；应为其中之一：黔龙阳光·湄江府",
        ),
        ("[aliases.付款方式]\n公积 = 3\n", '"公积" = "3" 不是“付款方式”的可选值'),
        (
            '[aliases.手机号码]\n电话 = "手机"\n',
            "[aliases.手机号码] 不是有可选值的栏目，可设别名的栏目：性别、",
        ),
        ('[aliases]\n付款方式 = "公积金贷款"\n', "[aliases.付款方式] 应为一个表"),
    ],
)
def test_a_wrong_alias_is_one_clear_line(tmp_path: Path, aliases: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_with(tmp_path, aliases)
    said = str(caught.value)
    assert said.startswith("branchflow.toml：") and "\n" not in said
    assert message in said


def test_only_bare_chinese_keys_are_quoted() -> None:
    text = '[aliases.付款方式]\n公积 = "a = b"\nname = "x"\nnote = """\n中文 = 不动\n"""\n'
    assert quote_chinese_keys(text) == (
        '[aliases."付款方式"]\n"公积" = "a = b"\nname = "x"\nnote = """\n中文 = 不动\n"""\n'
    )


def test_the_sample_config_shows_aliases_and_still_loads(tmp_path: Path) -> None:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    assert "# [aliases.付款方式]" in text
    uncommented = text.replace("# [aliases.付款方式]", "[aliases.付款方式]").replace(
        '# 公积 = "公积金贷款"', '公积 = "公积金贷款"'
    )
    (tmp_path / "branchflow.toml").write_text(uncommented, encoding="utf-8")
    assert ("付款方式", "公积", "公积金贷款") in load_settings(tmp_path).aliases
