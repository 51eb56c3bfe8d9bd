"""The demo's bad month: the mistakes and accidents branch staff really make."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from branchflow.config import Settings
from branchflow.sample.fill import Drop, Filling, fill_template
from branchflow.sample.people import SampleCompany

# 苏州分中心's list saved by an old Excel as .xls (97-2003): read like any workbook. Made once by
# LibreOffice from a filled template (tests/data/formats/make_fixtures.py).
OLD_XLS = Path(__file__).parent / "苏州客户登记表-2003.xls"


Blank = Callable[[Settings, str, str], Path]


def mistaken_drops(settings: Settings, regular: Sequence[Drop], blank: Blank) -> Iterator[Drop]:
    names = settings.branch_names
    company = SampleCompany(seed=99, projects=settings.project_names, staff=("罗明",))
    yield from _bad_then_fixed(settings, names[1], company, blank)
    yield from _wrong_files(names[2])
    yield from _resend_and_conflict(settings, regular, names, company, blank)


def _customers(
    settings: Settings, branch: str, rows: list[dict[str, Any]], blank: Blank, followups: Any = ()
) -> bytes:
    filling = Filling(
        "customers",
        {"branch": branch, "reporter": "罗明", "period": "2026-11"},
        {"customers": rows, "followups": list(followups)},
    )
    return fill_template(blank(settings, branch, "customers"), filling)


def _bad_then_fixed(
    settings: Settings, branch: str, company: SampleCompany, blank: Blank
) -> Iterator[Drop]:
    """A workbook with wrong cells is sent back annotated; the corrected one goes in."""
    city = next(b.city for b in settings.branches if b.name == branch)
    good = [company.customer(date(2026, 11, 7), city) for _ in range(5)]
    bad = [dict(c) for c in good]
    bad[0]["phone"] = bad[0]["phone"][:10]  # one digit short
    bad[1]["county"], bad[1]["township"] = "湄潭县", "永新镇"  # 永兴镇, misspelt
    bad[2]["registered_on"] = date(2026, 12, 7)  # in the future
    bad[3]["id_number"] = 5.20328199001011e17  # Excel turned the ID number into a number
    bad[4]["phone"] = bad[0]["phone"]
    yield Drop(
        datetime(2026, 11, 8, 20, 5),
        branch,
        "补登记客户.xlsx",
        _customers(settings, branch, bad, blank),
    )
    yield Drop(
        datetime(2026, 11, 9, 9, 40),
        branch,
        "补登记客户(改).xlsx",
        _customers(settings, branch, good, blank),
    )


def _wrong_files(branch: str) -> Iterator[Drop]:
    """An old .xls (accepted), a macro workbook, and Excel's lock file while a file is open."""
    yield Drop(datetime(2026, 11, 10, 14, 0), branch, "客户登记表(旧).xls", OLD_XLS.read_bytes())
    macro = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/vbaProject.bin": b"\x00" * 64,
        }
    )
    yield Drop(datetime(2026, 11, 10, 14, 5), branch, "客户档案(宏).xlsm", macro)
    yield Drop(datetime(2026, 11, 10, 14, 6), branch, "~$苏州客户登记表.xlsx", b"\x0a\x00lock")


def _resend_and_conflict(
    settings: Settings,
    regular: Sequence[Drop],
    names: tuple[str, ...],
    company: SampleCompany,
    blank: Blank,
) -> Iterator[Drop]:
    """A resent e-mail attachment (same bytes), a 撞单, and text that looks like a formula."""
    first_branch = [d for d in regular if d.folder == names[0] and "客户" in d.name]
    latest = max(first_branch, key=lambda d: d.at)
    yield Drop(datetime(2026, 11, 20, 10, 0), names[0], "东莞客户登记表 - 副本.xlsx", latest.data)
    owned = _phones_in(first_branch[0].data)[:2]
    claimant = names[3]
    city = next(b.city for b in settings.branches if b.name == claimant)
    rows = [company.customer(date(2026, 11, 20), city) for _ in range(3)]
    for row, phone in zip(rows, owned, strict=False):
        row["phone"] = phone
    rows[2]["remark"] = '=HYPERLINK("http://example.com","点我领红包")'
    rows[2]["name"] = "杨<小>&妹"
    yield Drop(
        datetime(2026, 11, 21, 16, 30),
        claimant,
        "深圳新客户.xlsx",
        _customers(settings, claimant, rows, blank),
    )


def _phones_in(data: bytes) -> list[str]:
    from branchflow.parse import read_workbook

    table = read_workbook(data).tables["customers"]
    phones = []
    for row in table.rows:
        value = row.cells["phone"].value
        phones.append(str(int(value)) if isinstance(value, float) else str(value))
    return phones


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()
