"""Phones in documents: customers masked unless configured; merchants' business lines shown,
their personal mobiles masked ([reports] merchant_phone_display)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_helpers import make_workspace

from branchflow.config import Settings
from branchflow.errors import ConfigError
from branchflow.reports.blocks import merchant_phone

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_workspace(tmp_path_factory.mktemp("phones") / "ws")


@pytest.mark.parametrize(
    ("display", "number", "shown"),
    [
        ("landline", "0769-22334455", "0769-22334455"),  # the shop's own line
        ("landline", "400-800-1234", "400-800-1234"),
        ("landline", "13900001111", "139****1111"),  # the boss's mobile
        ("landline", "139 0000 1111", "139****1111"),
        ("masked", "0769-22334455", "0769-****4455"),
        ("masked", "13900001111", "139****1111"),
        ("full", "13900001111", "13900001111"),
    ],
)
def test_merchant_phones(settings: Settings, display: str, number: str, shown: str) -> None:
    chosen = dataclasses.replace(settings, merchant_phone_display=display)
    assert merchant_phone(chosen, number) == shown


def test_an_unknown_display_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="merchant_phone_display"):
        make_workspace(tmp_path / "ws", merchant_phone_display="partly")


def test_linux_pdfs_map_the_windows_chinese_fonts_to_free_ones_of_the_same_style() -> None:
    """The fontconfig file install-system-deps.sh installs: 仿宋/楷体/宋体/黑体 each find a
    free font of their style, after the real one if the machine has it."""
    conf = ROOT / "scripts" / "fontconfig" / "65-branchflow-zh-office-fonts.conf"
    aliases = {
        alias.findtext("family"): [f.text for f in alias.iterfind("accept/family")]
        for alias in ET.parse(conf).getroot().iterfind("alias")
    }
    assert aliases["仿宋"][0] == "FandolFang"
    assert aliases["楷体"] == ["AR PL UKai CN"]
    assert aliases["宋体"] == ["Noto Serif CJK SC"]
    assert aliases["黑体"] == ["Noto Sans CJK SC"]
    installer = (ROOT / "scripts" / "install-system-deps.sh").read_text(encoding="utf-8")
    assert conf.name in installer and "fonts-arphic-ukai" in installer
