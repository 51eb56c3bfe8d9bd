"""How long validation takes for a 100k-row 客户档案 with every column filled.

Run: PYTHONPATH=src .venv/bin/python bench/validate_100k.py [rows]
The ParsedWorkbook is built in memory (values typed the way calamine returns them), so the figure
is validation alone: normalisation, gazetteer lookups, duplicate checks and Record building.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, datetime, timedelta

from branchflow.parse import Cell, ParsedRow, ParsedTable, ParsedWorkbook
from branchflow.templates.definitions import CUSTOMERS
from branchflow.validate import validate
from branchflow.validate.batch import ValidationContext
from branchflow.validate.gazetteer import Gazetteer
from branchflow.validate.normalize import id_check_char

SHEET = "客户档案"
PROJECTS = ("黔龙阳光·湄江府", "黔龙阳光·凤冈城", "黔龙阳光·余庆名苑")


def _places(rng: random.Random) -> list[tuple[str, str]]:
    gazetteer = Gazetteer.for_province("贵州省")
    counties = ["湄潭县", "凤冈县", "余庆县", "绥阳县", "正安县", "务川仡佬族苗族自治县"]
    pairs = [(c, t) for c in counties for t in sorted(gazetteer.townships(c))]
    rng.shuffle(pairs)
    return pairs


def _row(rng: random.Random, n: int, places: list[tuple[str, str]]) -> dict[str, object]:
    county, township = places[n % len(places)]
    first17 = f"520328{1960 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    registered = datetime(2026, 1, 1) + timedelta(days=n % 300)
    return {
        "name": f"客户{n}",
        "gender": "男" if n % 2 else "女",
        "phone": f"1{rng.choice('3456789')}{n:09d}" if n % 3 else float(f"139{n:08d}"),
        "id_number": first17 + id_check_char(first17) if n % 4 == 0 else None,
        "county": county,
        "township": township,
        "village": f"{n % 30}组",
        "work_city": "东莞市",
        "employer": f"{n % 200}号工地",
        "occupation": "建筑",
        "monthly_income": float(4000 + n % 50 * 100),
        "family_size": float(1 + n % 6),
        "project": PROJECTS[n % 3],
        "unit_type": "三室两厅",
        "area": float(90 + n % 40),
        "budget": float(40 + n % 30),
        "payment": "商业贷款",
        "purpose": "自住",
        "channel": "推介会",
        "grade": "ABCD"[n % 4],
        "customer_type": "新客户",
        "registered_on": registered,
        "status": "意向",
        "consultant": f"顾问{n % 12}",
        "remark": "① 已加微信" if n % 5 == 0 else None,
    }


def build(rows: int) -> ParsedWorkbook:
    rng = random.Random(7)
    places = _places(rng)
    table = CUSTOMERS.table("customers")
    columns = {f.key: c for c, f in enumerate(table.fields, start=1)}
    parsed_rows = []
    for n in range(rows):
        number = n + 5
        values = _row(rng, n, places)
        cells = {k: Cell(SHEET, number, c, values[k]) for k, c in columns.items()}
        parsed_rows.append(ParsedRow(SHEET, number, cells))
    parsed_table = ParsedTable("customers", SHEET, 4, columns, (), (), tuple(parsed_rows))
    empty = ParsedTable("followups", "跟进记录", 1, {}, (), (), ())
    header = {
        "branch": Cell(SHEET, 1, 2, "东莞分中心"),
        "reporter": Cell(SHEET, 2, 2, "罗明"),
        "period": Cell(SHEET, 3, 2, "2026-11"),
    }
    tables = {"customers": parsed_table, "followups": empty}
    return ParsedWorkbook("customers", 1, header, tables, (SHEET, "跟进记录"))


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    start = time.perf_counter()
    Gazetteer.for_province("贵州省")  # built once per process
    cold = time.perf_counter() - start
    parsed = build(rows)
    context = ValidationContext("东莞分中心", date(2026, 11, 26), PROJECTS)
    timings, cpu = [], []
    batch = None
    for _ in range(3):
        del batch  # one batch alive at a time, as in the pipeline
        start, start_cpu = time.perf_counter(), time.process_time()
        batch = validate(parsed, context)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert batch.rows == rows, batch.rows
    assert not batch.errors, batch.errors[:3]
    columns = len(parsed.tables["customers"].columns)
    print(
        f"validate: {rows} rows x {columns} columns: wall {', '.join(f'{t:.2f}' for t in timings)} s, "
        f"cpu {', '.join(f'{t:.2f}' for t in cpu)} s ({len(batch.issues)} issues); "
        f"gazetteer build {cold:.2f} s"
    )


if __name__ == "__main__":
    main()
