"""Make the format fixtures in this folder the way staff make such files: a workbook filled in
our template (openpyxl, as branchflow.sample.fill does), then saved by LibreOffice as Excel 97-2003
(.xls) and OpenDocument (.ods), a list made from scratch saved as CSV and re-encoded as Excel does
on a Chinese Windows (GBK, and UTF-8 with a BOM), and a password-protected copy.

Run once where LibreOffice is installed (the outputs are committed; CI does not need it):
    .venv/bin/python tests/data/formats/make_fixtures.py
The encrypted copy needs msoffcrypto-tool (not a project dependency): pip install msoffcrypto-tool
in a scratch environment and pass its python with --crypto-python.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent / "src"))

from branchflow.sample.fill import Filling, fill_template  # noqa: E402
from branchflow.templates.definitions import TEMPLATES  # noqa: E402
from branchflow.templates.xlsx import write_template  # noqa: E402

CUSTOMERS = [
    ("张德明", 13812345678.0, "湄潭县", "永兴镇", "A", date(2026, 11, 3), "罗明"),
    ("李秀兰", "139 1234 5679", "凤冈县", "琊川镇", "B", "2026年11月5日", "罗明"),
    ("王建国", "+86 137-1234-5680", "遵义市播州区", "鸭溪镇", "C", "2026/11/6", "田秀英"),
]
HEADER = (
    "客户姓名*",
    "手机号码*",
    "户籍县(市、区)*",
    "户籍乡镇*",
    "客户等级*",
    "登记日期*",
    "置业顾问*",
)


def filled(rows: list[tuple[object, ...]]) -> bytes:
    keys = ("name", "phone", "county", "township", "grade", "registered_on", "consultant")
    with tempfile.TemporaryDirectory() as tmp:
        blank = Path(tmp) / "客户档案.xlsx"
        write_template(TEMPLATES["customers"], blank, projects=("黔龙阳光城",), branch="东莞分中心")
        filling = Filling(
            "customers",
            {"branch": "东莞分中心", "reporter": "罗明", "period": "2026-11"},
            {"customers": [dict(zip(keys, row, strict=True)) for row in rows]},
        )
        return fill_template(blank, filling)


def from_scratch(rows: list[tuple[object, ...]]) -> bytes:
    """A list typed into a new workbook: no header block, the header row on top."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([str(v) if isinstance(v, float) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def convert(data: bytes, name: str, target: str, out_name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / name
        source.write_bytes(data)
        subprocess.run(
            ["soffice", "--headless", "--convert-to", target, "--outdir", tmp, str(source)],
            check=True,
            capture_output=True,
        )
        produced = next(p for p in Path(tmp).iterdir() if p != source)
        shutil.copyfile(produced, HERE / out_name)


def demo_xls() -> None:
    """The demo's old .xls (src/branchflow/sample/): 苏州分中心's customers in its blank, saved by
    LibreOffice as Excel 97-2003, the way a colleague on an old Excel sends it."""
    from branchflow.sample.people import SampleCompany
    from branchflow.workspace import create_workspace

    with tempfile.TemporaryDirectory() as tmp:
        settings = create_workspace(Path(tmp) / "ws")
        company = SampleCompany(seed=2003, projects=settings.project_names, staff=("冉海",))
        rows = [company.customer(date(2026, 11, day), "苏州市") for day in (3, 4, 6, 8, 9)]
        blank = settings.inbox / "苏州分中心" / "空白模板" / "客户档案-苏州分中心.xlsx"
        values = {"branch": "苏州分中心", "reporter": "冉海", "period": "2026-11"}
        data = fill_template(blank, Filling("customers", values, {"customers": rows}))
    convert(data, "客户档案.xlsx", "xls", "../../../src/branchflow/sample/苏州客户登记表-2003.xls")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--crypto-python", help="a python with msoffcrypto-tool installed")
    args = parser.parse_args()
    good = filled(CUSTOMERS)
    bad = filled([*CUSTOMERS[:2], ("赵错号", "1381234567", *CUSTOMERS[2][2:])])
    convert(good, "客户档案.xlsx", "xls", "客户登记表.xls")
    convert(bad, "客户档案.xlsx", "xls", "客户登记表-错号.xls")
    convert(good, "客户档案.xlsx", "ods", "客户登记表.ods")
    convert(
        from_scratch(CUSTOMERS),
        "客户名单.xlsx",
        "csv:Text - txt - csv (StarCalc):44,34,76",
        "客户名单-utf8.csv",
    )
    text = (HERE / "客户名单-utf8.csv").read_text("utf-8")
    (HERE / "客户名单-gbk.csv").write_bytes(text.encode("gbk"))
    (HERE / "客户名单-bom.csv").write_bytes(text.encode("utf-8-sig"))
    (HERE / "客户名单-utf8.csv").unlink()
    far_xls, far_ods = (
        openpyxl.load_workbook(io.BytesIO(good)),
        openpyxl.load_workbook(io.BytesIO(good)),
    )
    far_xls["客户档案"]["IV65536"] = "x"  # the last cell an .xls has: 1 GB in calamine
    far_ods["客户档案"]["Y1048576"] = "x"  # 1.6 GB in calamine
    for book, target, out_name in (
        (far_xls, "xls", "远处格子.xls"),
        (far_ods, "ods", "远处格子.ods"),
    ):
        data = io.BytesIO()
        book.save(data)
        convert(data.getvalue(), "客户档案.xlsx", target, out_name)
    demo_xls()
    if args.crypto_python:
        (HERE / "plain.xlsx").write_bytes(good)
        code = (
            "import sys;from msoffcrypto.format.ooxml import OOXMLFile;f=OOXMLFile(open(sys.argv[1],'rb'));"
            "f.encrypt('123456',open(sys.argv[2],'wb'))"
        )
        subprocess.run(
            [args.crypto_python, "-c", code, str(HERE / "plain.xlsx"), str(HERE / "加密.xlsx")],
            check=True,
        )
        (HERE / "plain.xlsx").unlink()


if __name__ == "__main__":
    main()
