"""Make the staff-wording fixtures: a customer list filled the way branch staff write (synonyms,
ranges, 约/左右/万/平, Chinese numerals, former township and county names, phones with spaces
and +86, dates in four spellings), saved through LibreOffice as .ods and .xls, and as the CSV
Chinese Excel writes (GBK). Run by hand (needs LibreOffice): the fixtures are committed.

    .venv/bin/python tests/data/staff_wording/make_fixtures.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import openpyxl

from branchflow.workspace import create_workspace

HERE = Path(__file__).parent
NAME = "客户登记-员工写法"
ROWS = [
    {"客户姓名": "张先生", "性别": "先生", "手机号码": 13812340001.0, "户籍县(市、区)": "凤冈",
     "户籍乡镇": "龙泉镇", "月收入": "8000-12000", "家庭人数": "3口", "意向项目": "凤冈城",
     "意向面积(㎡)": "100平左右", "预算总价(万元)": "50万", "付款方式": "商贷",
     "置业目的": "首套自住", "认知途径": "抖音", "客户等级": "a", "客户类型": "新",
     "登记日期": "2026.11.3", "状态": "有意向"},
    {"客户姓名": "李女士", "性别": "女", "手机号码": "138 1234 0002", "户籍县(市、区)": "遵义县",
     "户籍乡镇": "南白镇", "月收入": "5k", "家庭人数": "四口人", "意向项目": "湄江府",
     "意向面积(㎡)": "90-110㎡", "预算总价(万元)": "40-50万", "付款方式": "公积金",
     "置业目的": "改善型", "认知途径": "朋友圈", "客户等级": "B级", "客户类型": "老业主",
     "登记日期": "2026年11月5日", "状态": "已到访"},
    {"客户姓名": "王五", "性别": "男", "手机号码": "+86 138-1234-0003", "户籍县(市、区)": "湄潭县",
     "户籍乡镇": "永兴", "月收入": "一万左右", "家庭人数": 4, "意向项目": "习水温泉小镇",
     "意向面积(㎡)": "120", "预算总价(万元)": "约60万", "付款方式": "全款",
     "置业目的": "给父母养老", "认知途径": "老乡介绍", "客户等级": "C类", "客户类型": "新客户",
     "登记日期": "2026/11/6", "状态": "登记"},
    {"客户姓名": "赵六", "性别": "女士", "手机号码": "13812340004", "户籍县(市、区)": "余庆县",
     "户籍乡镇": "白泥镇", "月收入": "3000以下", "家庭人数": "5", "意向项目": "余庆名苑",
     "意向面积(㎡)": "80~90", "预算总价(万元)": "30万以内", "付款方式": "组合贷",
     "置业目的": "孩子读书", "认知途径": "推介会", "客户等级": "D", "登记日期": "2026-11-07",
     "状态": "无意向"},
    {"客户姓名": "孙七", "性别": "男士", "手机号码": "13812340005", "户籍县(市、区)": "绥阳县",
     "户籍乡镇": "洋川镇", "月收入": "1.5万+", "家庭人数": "2人", "意向项目": "绥阳尚城",
     "意向面积(㎡)": "140平米", "预算总价(万元)": "80-100万", "付款方式": "待定",
     "置业目的": "投资", "认知途径": "派传单", "客户等级": "A级", "登记日期": "2026年11月8日",
     "状态": "交了诚意金"},
    {"客户姓名": "周八", "性别": "女", "手机号码": "13812340006", "户籍县(市、区)": "正安县",
     "户籍乡镇": "凤仪镇", "月收入": "6000元", "家庭人数": "3", "意向项目": "正安花园",
     "付款方式": "按揭贷款", "置业目的": "返乡创业", "认知途径": "微信群", "客户等级": "b",
     "登记日期": "2026.11.9", "状态": "认购"},
]  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = create_workspace(Path(tmp) / "ws")
        blank = settings.inbox / "东莞分中心" / "空白模板" / "客户档案-东莞分中心.xlsx"
        book = openpyxl.load_workbook(blank)
        sheet = book["客户档案"]
        header = next(r for r in range(1, 40) if any(c.value == "手机号码*" for c in sheet[r]))
        columns = {str(c.value).rstrip("*"): c.column for c in sheet[header] if c.value}
        label = next(c for r in sheet.iter_rows(max_row=header) for c in r
                     if str(c.value or "").startswith("填报人"))  # fmt: skip
        sheet.cell(label.row, label.column + 1, "王芳")
        for offset, row in enumerate(ROWS, start=1):
            for title, value in {**row, "置业顾问": "王芳"}.items():
                sheet.cell(header + offset, columns[title], value)
        xlsx = HERE / f"{NAME}.xlsx"
        book.save(xlsx)
        for fmt in ("ods", "xls"):
            subprocess.run(["soffice", "--headless", "--convert-to", fmt, "--outdir", str(HERE),
                            str(xlsx)], check=True, capture_output=True)  # fmt: skip
        csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"
        subprocess.run(["soffice", "--headless", "--convert-to", csv_filter, "--outdir", tmp,
                        str(xlsx)], check=True, capture_output=True)  # fmt: skip
        text = (Path(tmp) / f"{NAME}-客户档案.csv").read_text(encoding="utf-8")
        (HERE / f"{NAME}-gbk.csv").write_bytes(text.encode("gbk"))


if __name__ == "__main__":
    main()
