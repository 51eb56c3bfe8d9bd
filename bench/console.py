"""Benchmark (not a test): every console page on a 200k-customer archive, with the server running.

Run: .venv/bin/python bench/console.py [--customers 200000] [--requests 30] [--workspace DIR]

The archive is built once through the archive's own bulk path (Archive.record with validated
batches of 10k customers: 5 branches, follow-ups, 撞单, report drops, a rejected drop) and kept
in the workspace folder for the next run (default: a folder under the system temp dir, rebuilt
when --customers differs). Then `branchflow serve` runs as a user runs it, a client logs in as
销售管理部 (and as a branch), and each page is requested N times. Reported per page: the p95 of
the server's own time (its Server-Timing header) and of the client's wall time, and the ratio of
the server p95 to that of /healthz (a trivial endpoint, no session, no database) measured in the
same run. Target: every page ≤ 300 ms server time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from branchflow.archive.store import Archive
from branchflow.config import Settings, load_settings
from branchflow.console.accounts import add_user
from branchflow.intake import IncomingFile
from branchflow.validate.batch import Record, ValidatedBatch
from branchflow.workspace import create_workspace

TZ = ZoneInfo("Asia/Shanghai")
NOW = "2026-11-26T09:30"
BATCH = 10_000
PLACES = (
    (
        "湄潭县",
        ("永兴镇", "复兴镇", "鱼泉街道", "湄江街道", "兴隆镇", "高台镇", "石莲镇", "抄乐镇"),
    ),
    ("凤冈县", ("龙泉街道", "琊川镇", "进化镇", "绥阳镇", "土溪镇", "天桥镇")),
    ("余庆县", ("白泥镇", "子营街道", "龙溪镇", "构皮滩镇")),
    ("正安县", ("凤仪街道", "和溪镇", "格林镇", "安场镇")),
    ("绥阳县", ("洋川街道", "郑场镇", "旺草镇")),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
PASSWORD = "bench-pass-1"


Result = tuple[float, float, int, float]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--workspace", type=Path)
    args = parser.parse_args()
    folder = args.workspace or Path(tempfile.gettempdir()) / f"branchflow-console-{args.customers}"
    settings = prepare(folder, args.customers)
    with running(settings) as base:
        sales, branch = client(base, "xiaoshou"), client(base, "dongguan")
        pages = page_list(sales)
        results = [("/healthz (baseline)", measure(sales, "/healthz", args.requests))]
        results += [(path, measure(sales, path, args.requests)) for path in pages]
        results += [
            (f"[东莞] {path}", measure(branch, path, args.requests))
            for path in ("/status", "/customers?township=永兴镇", "/townships?month=2026-11")
        ]
    report(results, args.customers, args.requests)


DATA_VERSION = 2  # bump when fill() changes, so a cached archive is rebuilt


def prepare(folder: Path, customers: int) -> Settings:
    """A workspace holding a `customers`-customer archive (reused when it already does)."""
    marker = folder / "store" / "bench-customers"
    wanted = f"{customers} v{DATA_VERSION}"
    if marker.is_file() and marker.read_text() == wanted:
        print(f"reusing the archive in {folder}")
        return load_settings(folder, now=NOW)
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    start = time.perf_counter()
    create_workspace(folder)
    settings = load_settings(folder, now=NOW)
    with Archive.open(settings) as archive:
        fill(archive, settings, customers)
    for name, role, scope in (("admin", "admin", None), ("xiaoshou", "sales", None)):
        add_user(settings, name, role, scope, PASSWORD)
    add_user(settings, "dongguan", "branch", "东莞分中心", PASSWORD)
    marker.write_text(wanted)
    print(f"built a {customers}-customer archive in {time.perf_counter() - start:.1f} s: {folder}")
    return settings


def fill(archive: Archive, settings: Settings, total: int) -> None:
    """Customer drops of 10k rows round the branches; every 50th phone also in the next branch
    (a 撞单); follow-ups for every 4th customer; a monthly drop and a rejected drop per branch.
    Customers intend to buy in the configured projects in turn."""
    branches, projects = settings.branch_names, settings.project_names
    drops = 0
    for start in range(0, total, BATCH):
        branch = branches[(start // BATCH) % len(branches)]
        rows = [
            customer_record(i, branch, projects=projects)
            for i in range(start, min(total, start + BATCH))
        ]
        visits = [followup_record(i) for i in range(start, min(total, start + BATCH), 4)]
        day = date(2026, 6, 1) + timedelta(days=(start // BATCH) * 8)
        record(archive, settings, branch, "customers", rows, visits, day, drops)
        drops += 1
    for index in range(len(branches)):  # 撞单: the next branch files the same people
        other = branches[(index + 1) % len(branches)]
        owned = range(index * BATCH, total, BATCH * len(branches))
        rows = [
            customer_record(i, other, late=True) for s in owned for i in range(s, s + BATCH, 50)
        ]
        record(archive, settings, other, "customers", rows[:2000], [], date(2026, 11, 20), drops)
        drops += 1


def customer_record(
    i: int, branch: str, late: bool = False, projects: tuple[str, ...] = ()
) -> Record:
    county, towns = PLACES[i % len(PLACES)]
    registered = date(2026, 11, 20) if late else date(2026, 6, 1) + timedelta(days=i % 175)
    values = {
        "name": SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 20) % len(GIVEN)] + GIVEN[i % 7],
        "gender": "男" if i % 2 else "女",
        "phone": f"13{i % 10}{i:08d}",
        "id_number": None,
        "county": county,
        "township": towns[i % len(towns)],
        "village": None,
        "work_city": "东莞市",
        "employer": "电子厂",
        "occupation": "普工",
        "monthly_income": 5000 + i % 3000,
        "family_size": 1 + i % 5,
        "project": projects[i % len(projects)] if projects else None,
        "unit_type": "三室两厅",
        "area": 100 + i % 30,
        "budget": 40 + i % 30,
        "payment": "按揭",
        "purpose": "自住",
        "channel": "推介会",
        "grade": "ABCD"[i % 4],
        "customer_type": "新客户",
        "registered_on": registered,
        "status": "意向",
        "consultant": "罗明",
        "remark": None,
    }
    return Record("客户档案", 5 + i % BATCH, values, {"phone": f"C{5 + i % BATCH}"})


def followup_record(i: int) -> Record:
    values = {
        "phone": f"13{i % 10}{i:08d}",
        "date": date(2026, 6, 2) + timedelta(days=i % 170),
        "method": "电话",
        "content": f"电话回访，客户考虑返乡置业（{i}）",
        "grade_after": "ABCD"[(i + 1) % 4],
        # from a month before the bench's month to a month after: some overdue, some due
        "next_date": date(2026, 10, 20) + timedelta(days=i % 70),
        "staff": "罗明",
    }
    return Record("跟进记录", 2 + i % BATCH, values, {"phone": "A2"})


def record(
    archive: Archive,
    settings: Settings,
    branch: str,
    kind: str,
    rows: list[Record],
    visits: list[Record],
    day: date,
    number: int,
) -> None:
    at = datetime.combine(day, datetime.min.time(), tzinfo=TZ) + timedelta(hours=18)
    data = f"bench drop {number} {branch}".encode()
    incoming = IncomingFile(
        path=settings.inbox / branch / f"客户登记表-{number}.xlsx",
        folder=branch,
        relative=f"{branch}/客户登记表-{number}.xlsx",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=at,
        data=data,
    )
    batch = ValidatedBatch(
        kind=kind,
        branch=branch,
        period=f"{day.year}-{day.month:02d}",
        reporter="罗明",
        values={},
        tables={"customers": tuple(rows), "followups": tuple(visits)},
        issues=(),
    )
    original = archive.keep_original(incoming)
    archive.record(incoming, batch, "accepted", (), at, settings.protection_days, original)


class running:
    """`branchflow serve` on a free loopback port for the duration of the block."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __enter__(self) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "BRANCHFLOW_NOW": NOW}
        command = [sys.executable, "-m", "branchflow", "-w", str(self.settings.workspace)]
        self.process = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                return base
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("branchflow serve did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def client(base: str, name: str) -> httpx.Client:
    session = httpx.Client(base_url=base, timeout=30)
    page = session.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = session.post("/login", data={"username": name, "password": PASSWORD, "csrf": token})
    assert answer.status_code == 303, answer.text
    return session


def page_list(sales: httpx.Client) -> list[str]:
    found = sales.get("/customers", params={"phone": "138****0008"}).text
    customer = re.search(r'href="/customers/(\d+)"', found)
    conflicts = sales.get("/conflicts").text
    conflict = re.search(r'href="/conflicts/(\d+)"', conflicts)
    drop = re.search(r'href="/drops/(\d+)"', sales.get("/drops").text)
    return [
        "/status?month=2026-11",
        "/drops",
        "/drops?folder=东莞分中心&status=accepted",
        f"/drops/{drop.group(1) if drop else 1}",
        "/customers?phone=138****0008",
        "/customers?phone=13800000008",
        "/customers?name=王",
        "/customers?county=湄潭县&township=永兴镇",
        f"/customers/{customer.group(1) if customer else 1}",
        "/conflicts",
        "/conflicts?show=ruled",
        f"/conflicts/{conflict.group(1) if conflict else 1}",
        "/documents?month=2026-11",
        "/townships?month=2026-11",
        "/audit",
    ]


def measure(session: httpx.Client, path: str, n: int) -> tuple[float, float, int, float]:
    """(p95 server ms, p95 wall ms, status, first request's server ms) over n requests after
    the first (which fills caches such as the township counts')."""
    first = session.get(path)
    cold = re.search(r"dur=([\d.]+)", first.headers.get("server-timing", ""))
    server, wall = [], []
    status = 0
    for _ in range(n):
        start = time.perf_counter()
        answer = session.get(path)
        wall.append((time.perf_counter() - start) * 1000)
        status = answer.status_code
        timing = re.search(r"dur=([\d.]+)", answer.headers.get("server-timing", ""))
        server.append(float(timing.group(1)) if timing else wall[-1])
    return p95(server), p95(wall), status, float(cold.group(1)) if cold else 0.0


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    )


def report(
    results: list[tuple[str, tuple[float, float, int, float]]], customers: int, n: int
) -> None:
    base = results[0][1][1] or 0.01  # /healthz wall time: the same client, the same HTTP
    print(f"\nconsole pages on {customers} customers, {n} requests each (p95, milliseconds)")
    print(f"{'page':<46} {'status':>6} {'server':>7} {'first':>7} {'wall':>7} {'wall/healthz':>12}")
    worst = 0.0
    for path, (server, wall, status, cold) in results:
        print(
            f"{path:<46} {status:>6} {server:>7.1f} {cold:>7.1f} {wall:>7.1f} {wall / base:>12.1f}"
        )
        if not path.startswith("/healthz"):
            worst = max(worst, server)
    verdict = "ok" if worst <= 300 else "OVER the 300 ms target"
    print(f"\nslowest page p95 (server time): {worst:.1f} ms — {verdict}")
    print("first = the first request's server time (before caches; townships are cached per")
    print("archive version, so the first view after each drop pays the count).")


if __name__ == "__main__":
    main()
