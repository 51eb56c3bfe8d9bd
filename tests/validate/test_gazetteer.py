from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from parsed_workbooks import context, make_parsed

from branchflow.archive.store import Archive
from branchflow.config import BLANKS_DIR, Settings
from branchflow.errors import ConfigError
from branchflow.pipeline import ingest
from branchflow.sample.fill import Filling, fill_template
from branchflow.validate import validate
from branchflow.validate.gazetteer import Gazetteer, Place, Suggestion, township_stem
from branchflow.workspace import create_workspace


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
        # Former names: turned into a 区 or 市, or renamed.
        ("遵义县", "播州区"),
        ("水城县", "水城区"),
        ("平坝县", "平坝区"),
        ("万山特区", "万山区"),
        ("盘县", "盘州市"),
        ("兴仁县", "兴仁市"),
        ("黔西县", "黔西市"),
        ("小河区", "花溪区"),  # merged into 花溪区 in 2012
        ("贵州省遵义市遵义县", "播州区"),
        # Today's prefectures were county-level cities: without a township, nothing says which.
        ("铜仁市", None),
        ("毕节市", None),
    ],
)
def test_county(guizhou: Gazetteer, written: str, county: str | None) -> None:
    assert guizhou.county(written) == county


def test_has_township(guizhou: Gazetteer) -> None:
    assert guizhou.has_township("湄潭县", "永兴镇")
    assert guizhou.has_township("道真仡佬族苗族自治县", "上坝土家族乡")
    assert not guizhou.has_township("湄潭县", "永兴")
    assert not guizhou.has_township("凤冈县", "永兴镇")
    assert not guizhou.has_township("凤冈县", "龙泉镇")
    assert "湄江街道" in guizhou.townships("湄潭县")


@pytest.mark.parametrize(
    ("name", "stem"),
    [("龙泉镇", "龙泉"), ("龙泉街道", "龙泉"), ("龙泉街道办事处", "龙泉"), ("高楼坪侗族乡", "高楼坪"),
     ("三宝彝族乡", "三宝"), ("龙泉", None), ("桴镇", None)],
)  # fmt: skip
def test_township_stem(name: str, stem: str | None) -> None:
    assert township_stem(name) == stem


# (county written, township written) → (county, township, county former?, township former?)
FORMER = [
    # 镇 → 街道 (2015), the case that bounced whole files
    (("凤冈县", "龙泉镇"), ("凤冈县", "龙泉街道", False, True)),
    (("凤冈县", "花坪镇"), ("凤冈县", "花坪街道", False, True)),  # 2021
    (("凤冈", "龙泉镇"), ("凤冈县", "龙泉街道", False, True)),
    (("凤冈县", "贵州省遵义市凤冈县龙泉镇"), ("凤冈县", "龙泉街道", False, True)),
    (("修文县", "龙场镇"), ("修文县", "龙场街道", False, True)),
    # 乡 → 镇, 乡 → 民族乡, 民族乡 → 街道
    (("修文县", "谷堡乡"), ("修文县", "谷堡镇", False, True)),
    (("万山区", "高楼坪乡"), ("万山区", "高楼坪侗族乡", False, True)),
    (("晴隆县", "三宝彝族乡"), ("晴隆县", "三宝街道", False, True)),
    # Renamed outright or merged: documented by the 民政部 change lists / code continuity
    (("仁怀市", "沙滩乡"), ("仁怀市", "美酒河镇", False, True)),
    (("仁怀市", "沙滩"), ("仁怀市", "美酒河镇", False, True)),
    (("仁怀市", "火石岗乡"), ("仁怀市", "火石镇", False, True)),
    (("正安县", "碧丰乡"), ("正安县", "碧峰镇", False, True)),
    (("正安县", "桴焉镇"), ("正安县", "桴㯊镇", False, True)),  # the rare character nobody types
    (("镇远县", "舞阳镇"), ("镇远县", "㵲阳镇", False, True)),
    (("开阳县", "城关镇"), ("开阳县", "硒城街道", False, True)),
    (("惠水县", "三都镇"), ("惠水县", "好花红镇", False, True)),
    # Former counties, with the township written old or new
    (("遵义县", "南白镇"), ("播州区", "南白街道", True, True)),
    (("遵义县", "鸭溪镇"), ("播州区", "鸭溪镇", True, False)),
    (("盘县", "红果镇"), ("盘州市", "红果街道", True, True)),
    (("水城县", "双水镇"), ("水城区", "双水街道", True, True)),
    (("万山特区", "高楼坪乡"), ("万山区", "高楼坪侗族乡", True, True)),
    (("黔西县", "莲城街道"), ("黔西市", "莲城街道", True, False)),
    (("兴仁县", "东湖街道"), ("兴仁市", "东湖街道", True, False)),
    (("平坝县", "夏云镇"), ("平坝区", "夏云镇", True, False)),
    # A county-level city that is a prefecture today: the township says which county is meant
    (("铜仁市", "川硐街道"), ("碧江区", "川硐街道", True, False)),
    (("铜仁市", "茶店街道"), ("万山区", "茶店街道", True, False)),
    (("毕节市", "洪山街道"), ("七星关区", "洪山街道", True, False)),
    # A short name is not a former name
    (("凤冈县", "龙泉"), ("凤冈县", "龙泉街道", False, False)),
]


@pytest.mark.parametrize(("written", "expected"), FORMER)
def test_former_names(
    guizhou: Gazetteer, written: tuple[str, str], expected: tuple[str, str, bool, bool]
) -> None:
    place = guizhou.resolve(*written)
    county, township, county_former, township_former = expected
    assert (place.county, place.township) == (county, township)
    assert place.county_former is county_former
    assert place.township_former is township_former
    assert place.suggestion is None


@pytest.mark.parametrize(
    ("written", "suggestion", "elsewhere"),
    [
        # the same county first: a near miss of a name, or of a stem
        (("湄潭县", "永新镇"), ("湄潭县", "永兴镇"), None),
        (("湄潭县", "永镇"), ("湄潭县", "永兴镇"), None),
        (("凤冈县", "永兴镇"), ("凤冈县", "永安镇"), ("湄潭县", "永兴镇")),
        (("凤冈县", "琊州镇"), ("凤冈县", "琊川镇"), None),
        # only then other counties, and said to be there
        (("凤冈县", "复兴镇"), ("湄潭县", "复兴镇"), ("湄潭县", "复兴镇")),
        (("凤冈县", "复兴乡"), ("湄潭县", "复兴镇"), ("湄潭县", "复兴镇")),
        (("湄潭县", "完全不像"), None, None),
        # 石径乡 was abolished in 2015 and no list says where its villages went
        (("凤冈县", "石径乡"), None, None),
    ],
)
def test_suggestions(
    guizhou: Gazetteer,
    written: tuple[str, str],
    suggestion: tuple[str, str] | None,
    elsewhere: tuple[str, str] | None,
) -> None:
    place = guizhou.resolve(*written)
    assert place.township is None
    assert place.suggestion == (Suggestion(*suggestion) if suggestion else None)
    assert place.elsewhere == (Suggestion(*elsewhere) if elsewhere else None)


@pytest.mark.parametrize(
    ("county", "township", "suggestion"),
    [
        ("湄潭县", "永新镇", "湄潭县永兴镇"),  # one wrong character
        ("湄潭县", "永兴", "湄潭县永兴镇"),  # suffix left out: resolves
        ("凤冈县", "龙泉镇", "凤冈县龙泉街道"),  # a former name: resolves
        ("凤冈县", "复兴镇", "湄潭县复兴镇"),  # the township is in another county
        ("湄谭县", "永兴镇", "湄潭县永兴镇"),  # a wrong county with a unique township
        ("湄谭县", "", "湄潭县"),
        ("铜仁市", "", "碧江区"),
        ("湄潭县", "完全不像", None),
    ],
)
def test_suggest(guizhou: Gazetteer, county: str, township: str, suggestion: str | None) -> None:
    assert guizhou.suggest(county, township) == suggestion


def test_resolve(guizhou: Gazetteer) -> None:
    assert guizhou.resolve("湄潭县", "永兴镇") == Place("湄潭县", True, "永兴镇", True, None)
    assert guizhou.resolve("湄潭", "永兴") == Place("湄潭县", False, "永兴镇", False, None)
    assert guizhou.resolve("湄潭县", "湄潭县永兴镇") == Place("湄潭县", True, "永兴镇", True, None)
    near = Suggestion("湄潭县", "永兴镇")
    assert guizhou.resolve("湄潭县", "永新镇") == Place("湄潭县", True, None, False, near)
    assert guizhou.resolve("湄潭县") == Place("湄潭县", True, None, False, None)
    assert guizhou.resolve("火星县", "永兴镇").county is None


def test_resolve_is_cached(guizhou: Gazetteer) -> None:
    assert guizhou.resolve("余庆县", "白泥镇") is guizhou.resolve("余庆县", "白泥镇")
    assert guizhou.resolve("遵义县", "南白镇") is guizhou.resolve("遵义县", "南白镇")


def test_prefecture_without_counties() -> None:
    guangdong = Gazetteer.for_province("广东省")
    assert guangdong.county("东莞市") == "东莞市"
    assert guangdong.has_township("东莞市", "东城街道")


def test_former_names_of_another_home_province() -> None:
    """Nothing is Guizhou-only: the data is national, each province takes its own share."""
    hebei = Gazetteer.for_province("河北省")
    place = hebei.resolve("正定县", "南牛乡")  # 撤乡设镇 2023
    assert (place.township, place.township_former) == ("南牛镇", True)
    assert hebei.resolve("凤冈县", "龙泉镇").county is None  # Guizhou's names stay in Guizhou


# --- the validation issues a former name raises, and those it does not -------------------------

C = "客户档案"
ROW = {"name": "张三", "phone": "13812345678", "grade": "A", "consultant": "罗明",
       "registered_on": date(2026, 11, 3)}  # fmt: skip


def issues(county: str, township: str) -> tuple[list[tuple[str, str, str]], dict[str, Any]]:
    parsed = make_parsed(
        "customers",
        values={"branch": "东莞分中心", "reporter": "罗明"},
        tables={"customers": [{**ROW, "county": county, "township": township}]},
    )
    batch = validate(parsed, context())
    found = [(i.cell, i.code, i.message) for i in batch.issues if i.sheet == C]
    return found, dict(batch.tables["customers"][0].values)


@pytest.mark.parametrize(
    ("county", "township", "codes", "stored", "words"),
    [
        ("凤冈县", "龙泉镇", ["township.former_name"], ("凤冈县", "龙泉街道"),
         "“龙泉镇”现名“龙泉街道”，已按新名称登记"),
        ("遵义县", "南白镇", ["county.former_name", "township.former_name"], ("播州区", "南白街道"),
         "“遵义县”是旧称，现为“播州区”"),
        ("凤冈县", "龙泉街道", [], ("凤冈县", "龙泉街道"), ""),
        ("丹寨县", "龙泉镇", [], ("丹寨县", "龙泉镇"), ""),  # exact in its own county
    ],
)  # fmt: skip
def test_former_names_are_accepted_with_a_warning(
    county: str, township: str, codes: list[str], stored: tuple[str, str], words: str
) -> None:
    found, values = issues(county, township)
    assert [code for _, code, _ in found] == codes
    assert (values["county"], values["township"]) == stored
    assert all(words in message for _, code, message in found if code == codes[0])


def test_a_township_of_another_county_is_refused_and_named_as_such() -> None:
    found, _ = issues("凤冈县", "复兴镇")
    [(cell, code, message)] = found
    assert (cell, code) == ("D5", "township.in_other_county")
    assert message.startswith("凤冈县没有“复兴镇”这个乡镇；湄潭县有“复兴镇”")
    found, _ = issues("凤冈县", "永兴镇")  # also close to the county's own 永安镇
    [(_, code, message)] = found
    assert "湄潭县有“永兴镇”" in message and "若确是凤冈县，是不是“永安镇”" in message


def test_a_near_miss_in_the_county_is_suggested_from_it() -> None:
    found, _ = issues("凤冈县", "琊州镇")
    [(_, code, message)] = found
    assert code == "township.unknown"
    assert "凤冈县没有“琊州镇”" in message and "是不是“凤冈县琊川镇”" in message


# --- end to end: a customer workbook as staff write it, dropped into the inbox ------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = create_workspace(tmp_path / "ws")
    return dataclasses.replace(
        base, now_override=datetime(2026, 11, 26, 9, 30, tzinfo=base.timezone)
    )


def drop(settings: Settings, places: list[tuple[str, str]]) -> Path:
    branch = "东莞分中心"
    rows = [
        {**ROW, "name": f"客户{i}", "phone": 13812345670.0 + i,  # Excel keeps phones as floats
         "county": county, "township": township, "registered_on": date(2026, 11, 2)}
        for i, (county, township) in enumerate(places)
    ]  # fmt: skip
    blank = settings.inbox / branch / BLANKS_DIR / f"客户档案-{branch}.xlsx"
    path = settings.inbox / branch / "11月客户.xlsx"
    filling = Filling("customers", {"branch": branch, "reporter": "罗明"}, {"customers": rows})
    path.write_bytes(fill_template(blank, filling))
    return path


def test_a_workbook_with_former_names_is_archived_under_the_current_ones(
    settings: Settings,
) -> None:
    drop(settings, [("凤冈县", "龙泉镇"), ("遵义县", "南白镇"), ("凤冈县", "龙泉镇")])
    with Archive.open(settings) as archive:
        [outcome] = ingest(settings, archive).outcomes
        assert outcome.status == "accepted"
        stored = sorted((c["county"], c["township"]) for c in archive.customers())
    assert stored == [("凤冈县", "龙泉街道"), ("凤冈县", "龙泉街道"), ("播州区", "南白街道")]
    receipt = (settings.workspace / outcome.receipt).read_text(encoding="utf-8-sig")
    assert "“龙泉镇”现名“龙泉街道”，已按新名称登记" in receipt
    assert "“遵义县”是旧称，现为“播州区”" in receipt


def test_a_workbook_with_a_township_of_another_county_is_refused(settings: Settings) -> None:
    drop(settings, [("凤冈县", "龙泉镇"), ("凤冈县", "复兴镇")])
    with Archive.open(settings) as archive:
        [outcome] = ingest(settings, archive).outcomes
        assert outcome.status == "rejected"
        assert archive.customers() == []
    [error] = outcome.errors
    assert (error.cell, error.code) == ("F9", "township.in_other_county")
    assert error.message.startswith("凤冈县没有“复兴镇”这个乡镇；湄潭县有“复兴镇”")
    annotated = openpyxl.load_workbook(settings.workspace / outcome.receipt)
    assert "湄潭县有“复兴镇”" in annotated["客户档案"]["F9"].comment.text
