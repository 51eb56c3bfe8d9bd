from __future__ import annotations

import pytest

from branchflow.errors import ConfigError
from branchflow.validate.gazetteer import Gazetteer, Place


@pytest.fixture(scope="module")
def guizhou() -> Gazetteer:
    return Gazetteer.for_province("贵州省")


def test_built_once_per_province(guizhou: Gazetteer) -> None:
    assert Gazetteer.for_province("贵州省") is guizhou
    assert Gazetteer.for_province("贵州") is guizhou
    assert guizhou.province == "贵州省"
    assert len(guizhou.counties) == 88


def test_unknown_province_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="home_province"):
        Gazetteer.for_province("火星省")


@pytest.mark.parametrize(
    ("written", "county"),
    [
        ("湄潭县", "湄潭县"),
        ("湄潭", "湄潭县"),
        ("遵义市湄潭县", "湄潭县"),
        ("贵州省遵义市湄潭县", "湄潭县"),
        ("道真", "道真仡佬族苗族自治县"),
        ("道真县", "道真仡佬族苗族自治县"),
        ("六枝", "六枝特区"),
        ("湄潭 县", "湄潭县"),
        ("火星县", None),
    ],
)
def test_county(guizhou: Gazetteer, written: str, county: str | None) -> None:
    assert guizhou.county(written) == county


def test_has_township(guizhou: Gazetteer) -> None:
    assert guizhou.has_township("湄潭县", "永兴镇")
    assert guizhou.has_township("道真仡佬族苗族自治县", "上坝土家族乡")
    assert not guizhou.has_township("湄潭县", "永兴")
    assert not guizhou.has_township("凤冈县", "永兴镇")
    assert "湄江街道" in guizhou.townships("湄潭县")


@pytest.mark.parametrize(
    ("county", "township", "suggestion"),
    [
        ("湄潭县", "永新镇", "湄潭县永兴镇"),  # one wrong character
        ("湄潭县", "永镇", "湄潭县永兴镇"),  # one missing character
        ("湄潭县", "永兴", "湄潭县永兴镇"),  # suffix left out
        ("凤冈县", "永兴镇", "湄潭县永兴镇"),  # the township is in another county
        ("湄谭县", "永兴镇", "湄潭县永兴镇"),  # a wrong county with a unique township
        ("湄谭县", "", "湄潭县"),
        ("湄潭县", "完全不像", None),
    ],
)
def test_suggest(guizhou: Gazetteer, county: str, township: str, suggestion: str | None) -> None:
    assert guizhou.suggest(county, township) == suggestion


def test_resolve(guizhou: Gazetteer) -> None:
    assert guizhou.resolve("湄潭县", "永兴镇") == Place("湄潭县", True, "永兴镇", True, None)
    assert guizhou.resolve("湄潭", "永兴") == Place("湄潭县", False, "永兴镇", False, None)
    assert guizhou.resolve("湄潭县", "湄潭县永兴镇") == Place("湄潭县", True, "永兴镇", True, None)
    assert guizhou.resolve("湄潭县", "永新镇") == Place("湄潭县", True, None, False, "湄潭县永兴镇")
    assert guizhou.resolve("湄潭县") == Place("湄潭县", True, None, False, None)
    assert guizhou.resolve("火星县", "永兴镇").county is None


def test_resolve_is_cached(guizhou: Gazetteer) -> None:
    assert guizhou.resolve("余庆县", "白泥镇") is guizhou.resolve("余庆县", "白泥镇")


def test_prefecture_without_counties() -> None:
    guangdong = Gazetteer.for_province("广东省")
    assert guangdong.county("东莞市") == "东莞市"
    assert guangdong.has_township("东莞市", "东城街道")
