"""branchflow init: the folder tree, the per-branch blanks, and refusing to overwrite."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from branchflow.config import GUIDE_FILE, SAMPLE_CONFIG
from branchflow.errors import WorkspaceError
from branchflow.templates.definitions import TEMPLATES
from branchflow.workspace import create_workspace, generate_templates, prepare_demo_workspace


def test_create_workspace_builds_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    settings = create_workspace(root)
    config = (root / "branchflow.toml").read_text(encoding="utf-8")
    assert config == SAMPLE_CONFIG.read_text(encoding="utf-8")
    assert "# 撞单保护期" in config
    for folder in ("outbox/archive", "outbox/reports", "store", "templates/word"):
        assert (root / folder).is_dir(), folder
    excel = sorted(p.name for p in (root / "templates/excel").iterdir())
    assert excel == sorted(f"{t.title}.xlsx" for t in TEMPLATES.values())
    for branch in settings.branch_names:
        inbox = root / "inbox" / branch
        assert (inbox / "回执").is_dir()
        blanks = sorted(p.name for p in (inbox / "空白模板").iterdir())
        assert blanks == sorted(
            f"{TEMPLATES[k].title}-{branch}.xlsx"
            for k in ("customers", "monthly", "market", "weekly")
        )
        readme = (inbox / GUIDE_FILE).read_text(encoding="utf-8-sig")
        assert "空白模板" in readme and "回执" in readme and branch in readme
    hq = root / "inbox" / settings.hq_folder
    assert [p.name for p in (hq / "空白模板").iterdir()] == ["总部月度简报-总部.xlsx"]
    assert not list(root.rglob(".*.tmp.xlsx"))


def test_branch_blank_is_prefilled(tmp_path: Path) -> None:
    create_workspace(tmp_path)
    blank = tmp_path / "inbox/宁波分中心/空白模板/月度工作总结及下月工作计划-宁波分中心.xlsx"
    ws = openpyxl.load_workbook(blank)["本月总结"]
    assert (ws["A2"].value, ws["B2"].value) == ("分中心*：", "宁波分中心")
    hq = openpyxl.load_workbook(tmp_path / "inbox/总部/空白模板/总部月度简报-总部.xlsx")
    assert hq["销售简报"]["B2"].value == "总部"


def test_create_workspace_refuses_to_overwrite(tmp_path: Path) -> None:
    config = tmp_path / "branchflow.toml"
    config.write_text("# 已经改过的配置\n", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="已存在"):
        create_workspace(tmp_path)
    assert config.read_text(encoding="utf-8") == "# 已经改过的配置\n"
    assert not (tmp_path / "inbox").exists()


def test_generate_templates_names_files_by_title(tmp_path: Path) -> None:
    paths = generate_templates(tmp_path / "excel", ["黔龙阳光·湄江府"])
    assert [p.name for p in paths] == [f"{t.title}.xlsx" for t in TEMPLATES.values()]
    wb = openpyxl.load_workbook(paths[0])
    assert wb["客户档案"]["B2"].value is None


def test_demo_workspace_is_reused_and_cleared(tmp_path: Path) -> None:
    settings = prepare_demo_workspace(tmp_path)
    drop = settings.inbox / "东莞分中心" / "客户.xlsx"
    drop.write_bytes(b"x")
    receipt = settings.inbox / "东莞分中心" / "回执" / "回执.txt"
    receipt.write_text("ok", encoding="utf-8")
    (settings.store_dir / "branchflow.sqlite3").write_bytes(b"db")
    again = prepare_demo_workspace(tmp_path)
    assert again.workspace == settings.workspace
    assert not drop.exists() and not receipt.exists()
    assert [p.name for p in settings.store_dir.iterdir()] == [".branchflow-demo"]
    assert (settings.inbox / "东莞分中心" / GUIDE_FILE).is_file()
    assert len(list((settings.inbox / "东莞分中心" / "空白模板").iterdir())) == 4


def test_demo_refuses_a_workspace_with_real_drops(tmp_path: Path) -> None:
    settings = create_workspace(tmp_path)
    drop = settings.inbox / "东莞分中心" / "客户.xlsx"
    drop.write_bytes(b"x")
    with pytest.raises(WorkspaceError, match="branchflow demo"):
        prepare_demo_workspace(tmp_path)
    assert drop.read_bytes() == b"x"
