from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from branchflow.config import Limits
from branchflow.intake import examine, is_litter
from builders import customers_workbook, zip_bytes

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    "name",
    [
        "~$客户档案.xlsx",
        ".~lock.客户档案.xlsx#",
        "Thumbs.db",
        "desktop.ini",
        "._客户档案.xlsx",
        "8F2A1C30",
        "~WRL0001.tmp",
        ".DS_Store",
    ],
)
def test_office_and_os_litter_is_ignored(name: str) -> None:
    assert is_litter(name)


@pytest.mark.parametrize("name", ["客户档案.xlsx", "11月总结(改).xlsx", "旧表.xls", "报告.pdf"])
def test_real_files_are_candidates(name: str) -> None:
    assert not is_litter(name)


def drop(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "inbox" / "东莞分中心"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def code_of(tmp_path: Path, name: str, data: bytes, limits: Limits | None = None) -> str | None:
    incoming = examine(drop(tmp_path, name, data), tmp_path / "inbox", limits or Limits(), NOW)
    return incoming.problem.code if incoming.problem else None


def test_a_good_workbook_is_identified_and_hashed(tmp_path: Path) -> None:
    data = customers_workbook(
        [("张三", "13812345678", "湄潭县", "永兴镇", "A", "2026-11-03", "罗明")]
    )
    incoming = examine(drop(tmp_path, "客户.xlsx", data), tmp_path / "inbox", Limits(), NOW)
    assert incoming.problem is None
    assert incoming.folder == "东莞分中心"
    assert incoming.relative == "东莞分中心/客户.xlsx"
    assert incoming.size == len(data) and len(incoming.sha256) == 64
    assert incoming.received_at == NOW


def test_empty_file(tmp_path: Path) -> None:
    assert code_of(tmp_path, "空.xlsx", b"") == "file.empty"


def test_a_broken_ole_container_and_a_fake_xls(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    assert code_of(tmp_path, "旧.xls", ole) == "file.damaged"
    assert code_of(tmp_path, "旧.xls", b"not ole at all") == "file.not_excel"


def test_macro_workbooks_by_name_and_by_content(tmp_path: Path) -> None:
    macro = zip_bytes({"xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"\0"})
    assert code_of(tmp_path, "宏.xlsm", macro) == "file.macro"
    assert code_of(tmp_path, "改名的宏.xlsx", macro) == "file.macro"


def test_non_excel_bytes(tmp_path: Path) -> None:
    assert code_of(tmp_path, "照片.jpg", b"\xff\xd8\xff\xe0JFIF") == "file.not_excel"
    assert code_of(tmp_path, "假的.xlsx", b"hello, this is text") == "file.not_excel"
    docx = zip_bytes({"word/document.xml": b"<w/>"})
    assert code_of(tmp_path, "文档.xlsx", docx) == "file.not_excel"


def test_truncated_zip_is_damaged(tmp_path: Path) -> None:
    data = customers_workbook([])
    assert code_of(tmp_path, "半截.xlsx", data[: len(data) // 2]) == "file.damaged"


def test_zip_bomb_rejected_from_the_directory_alone(tmp_path: Path) -> None:
    bomb = zip_bytes({"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b"\0" * 60_000_000})
    assert len(bomb) < 200_000
    limits = Limits(max_unpacked_bytes=50 * 1024**2)
    assert code_of(tmp_path, "炸弹.xlsx", bomb, limits) == "file.zip_bomb"
    ratio_bomb = zip_bytes({"xl/workbook.xml": b"<w/>", "xl/worksheets/s.xml": b"\0" * 20_000_000})
    assert code_of(tmp_path, "炸弹2.xlsx", ratio_bomb) == "file.zip_bomb"


def test_too_large(tmp_path: Path) -> None:
    assert code_of(
        tmp_path, "大.xlsx", b"PK\x03\x04" + b"\0" * 2048, Limits(max_file_bytes=1024)
    ) == ("file.too_large")


def format_of(tmp_path: Path, name: str, data: bytes) -> tuple[str | None, str]:
    incoming = examine(drop(tmp_path, name, data), tmp_path / "inbox", Limits(), NOW)
    return (incoming.problem.code if incoming.problem else None), incoming.fmt


def test_macro_parts_are_found_in_any_letter_case(tmp_path: Path) -> None:
    lower = zip_bytes({"xl/workbook.bin": b"\0", "xl/vbaproject.bin": b"\0"})
    assert code_of(tmp_path, "宏.xlsb", lower) == "file.macro"
    assert code_of(tmp_path, "宏.xlsx", zip_bytes({"xl/VBAPROJECT.BIN": b"\0"})) == "file.macro"


def test_formats_are_told_by_content_not_by_name(tmp_path: Path) -> None:
    assert format_of(tmp_path, "a.xlsb", zip_bytes({"xl/workbook.bin": b"\0"})) == (None, "xlsb")
    ods = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                     "content.xml": b"<x/>"})  # fmt: skip
    assert format_of(tmp_path, "a.ods", ods) == (None, "ods")
    assert format_of(tmp_path, "改名的.xlsx", ods) == (None, "ods")
    assert format_of(tmp_path, "名单.csv", "姓名,手机\n".encode("gbk")) == (None, "csv")


def test_an_ods_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    bomb = zip_bytes({"mimetype": b"x", "content.xml": b"\0" * 30_000_000})
    assert code_of(tmp_path, "炸弹.ods", bomb) == "file.zip_bomb"


def test_wps_files_and_undecodable_text_get_how_to_save(tmp_path: Path) -> None:
    assert code_of(tmp_path, "客户.et", b"\xd0\xcf\x11\xe0 whatever") == "file.unsupported"
    assert code_of(tmp_path, "客户.csv", b"\x00\x01\x02\xff\xfe") == "file.encoding"


def test_an_oversized_old_xls_is_not_opened(tmp_path: Path) -> None:
    xls = (Path(__file__).parent / "data" / "formats" / "客户登记表.xls").read_bytes()
    big = xls + b"\0" * (31 * 1024**2)  # OLE ignores trailing bytes; the size is what counts
    assert code_of(tmp_path, "大.xls", big) == "file.too_large"
