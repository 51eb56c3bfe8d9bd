"""Several machines on one PostgreSQL archive: two `branchflow watch` processes, each with its own
workspace folder, share one inbox and one store; and a watcher survives losing its connection."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import branchflow.archive.store as store_module
from branchflow.archive.schema import claims
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.watch.lock import WatchLocked, lock_path, watch_lock
from branchflow.watch.quarantine import QUARANTINE_DIR
from watch_helpers import (
    BRANCH,
    FAST,
    WatchProcess,
    customer_drops,
    new_workspace,
    receipts,
    wait_for,
    waiting_drops,
    watcher_thread,
)

POLL = ("--polling", "--interval", "0.2")
pytestmark = pytest.mark.skipif(os.name != "posix", reason="symlinked inbox, signals as on Linux")


def _machine(folder: Path, url: str, originals: Path) -> Settings:
    """A workspace as one HQ machine has it: the shared store and originals folder configured
    in its branchflow.toml, claims running out after 5 s."""
    settings = new_workspace(folder)
    config = settings.workspace / "branchflow.toml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^url = ""$', f'url = "{url}"', text)
    text = re.sub(r'(?m)^originals = ""$', f'originals = "{originals.as_posix()}"', text)
    text = re.sub(r"(?m)^claim_timeout = 60$", "claim_timeout = 5", text)
    config.write_text(text, encoding="utf-8")
    return dataclasses.replace(settings, store_url=url, originals_dir=originals, claim_timeout=5.0)


def _same_bytes_inside(data: bytes, tag: int) -> bytes:
    """The workbook with other bytes but the same content (a zip comment): a re-saved copy
    whose customers are already in the archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as copy:
        for item in source.infolist():
            copy.writestr(item, source.read(item))
        copy.comment = f"copy {tag}".encode()
    return out.getvalue()


def _answered(log: str) -> list[str]:
    return re.findall(r"已接收  (?:inbox/)?(\S+)", log)


def test_two_watchers_share_one_inbox_and_store_and_process_each_file_once(
    tmp_path: Path, pg_database: Callable[..., str]
) -> None:
    url = pg_database(migrated=False)  # both watchers start on an empty store: one migrates it
    originals = tmp_path / "share" / "originals"
    one = _machine(tmp_path / "machine-1", url, originals)
    two = _machine(tmp_path / "machine-2", url, originals)
    shutil.rmtree(two.inbox)
    two.inbox.symlink_to(one.inbox, target_is_directory=True)  # the shared folder
    distinct = customer_drops(one, 40)
    drops = [*distinct, *(_same_bytes_inside(distinct[n], n) for n in range(0, 40, 4))]
    assert len(drops) == 50 and len(set(drops)) == 50

    first = WatchProcess(one, *POLL, name="machine-1")
    second = WatchProcess(two, *POLL, name="machine-2")
    try:
        first.started()
        second.started()
        for n, data in enumerate(drops):
            (one.inbox / BRANCH / f"登记{n:02d}.xlsx").write_bytes(data)
        wait_for(
            lambda: not waiting_drops(one) and len(receipts(one, "回执-")) >= 50,
            timeout=60,
            what="all 50 drops answered",
        )
        wait_for(lambda: len(_answered(first.log)) + len(_answered(second.log)) >= 50,
                 timeout=10, what="both logs")  # fmt: skip
        assert first.stop() == 0
        assert second.stop() == 0
    finally:
        for proc in (first, second):
            if proc.proc.poll() is None:
                proc.kill()

    names = [f"{BRANCH}/登记{n:02d}.xlsx" for n in range(50)]
    by_first, by_second = _answered(first.log), _answered(second.log)
    assert sorted(by_first + by_second) == names  # every file answered once, by one machine
    assert by_first and by_second, "both machines should have taken a share of the drops"
    assert len(receipts(one, "回执-")) == 50
    with Archive.open(one) as archive:
        entries = archive.ledger()
        customers = archive.customers()
        assert archive.unfinished() == []
        with archive._engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(claims)) == 0
    assert sorted(e.relative for e in entries) == names
    assert {e.status for e in entries} == {"accepted"}
    assert len(customers) == 120  # 40 distinct workbooks × 3; the 10 copies add nobody
    assert len({c["phone"] for c in customers}) == 120
    kept = sorted(p.name for p in originals.rglob("*.xlsx"))
    assert kept == sorted({e.original_path.split("/")[-1] for e in entries}) and len(kept) == 50
    # Each machine kept its own watch lock, named for the machine.
    assert lock_path(one).name.startswith("watch-") and lock_path(one).parent == one.store_dir


def test_a_watcher_that_loses_its_connection_retries_the_file(
    tmp_path: Path, pg_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_database()
    settings = dataclasses.replace(new_workspace(tmp_path), store_url=url)
    data = customer_drops(settings, 1)[0]
    real = store_module.add_followups
    cuts = {"n": 0}

    def cut_connection(conn: Any, *args: Any, **kwargs: Any) -> Any:
        cuts["n"] += 1
        if cuts["n"] == 1:  # mid-transaction: the server goes away for this session
            conn.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(store_module, "add_followups", cut_connection)
    with watcher_thread(settings, polling=True):
        (settings.inbox / BRANCH / "登记.xlsx").write_bytes(data)
        wait_for(lambda: receipts(settings, "回执-"), timeout=20, what="the receipt")
    assert cuts["n"] == 2  # the first try was cut off and rolled back, the retry went through
    with Archive.open(settings) as archive:
        [entry] = archive.ledger()
        assert (entry.status, entry.relative) == ("accepted", f"{BRANCH}/登记.xlsx")
        assert len(archive.customers()) == 3
        assert archive.unfinished() == []
    assert waiting_drops(settings) == []


class CuttableLink:
    """A TCP relay between branchflow and the database that can be cut (every connection
    dropped, new ones refused, as when a switch or the server goes down) and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._open: list[socket.socket] = []
        self._guard = threading.Lock()
        self._up = threading.Event()
        self._thread: threading.Thread | None = None

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.05)
        self._up.set()
        self._thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
        self._thread.start()

    def cut(self) -> None:
        self._up.clear()
        if self._thread is not None:
            self._thread.join(5)
        with self._guard:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _serve(self, listener: socket.socket) -> None:
        with listener:
            while self._up.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                upstream = socket.create_connection(self.target)
                with self._guard:
                    self._open += [client, upstream]
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def test_a_database_outage_holds_files_back_and_never_quarantines_them(
    tmp_path: Path, pg_database: Callable[..., str]
) -> None:
    direct = make_url(pg_database())
    link = CuttableLink(direct.host or "127.0.0.1", direct.port or 5432)
    link.restore()
    url = direct.set(host="127.0.0.1", port=link.port).render_as_string(hide_password=False)
    settings = dataclasses.replace(new_workspace(tmp_path), store_url=url)
    first, second = customer_drops(settings, 2)
    timings = dataclasses.replace(FAST, give_up_after=3)  # an outage outlasts three tries
    try:
        with watcher_thread(settings, timings, polling=True):
            (settings.inbox / BRANCH / "登记1.xlsx").write_bytes(first)
            wait_for(lambda: len(receipts(settings, "回执-")) == 1, timeout=20, what="receipt 1")
            link.cut()
            (settings.inbox / BRANCH / "登记2.xlsx").write_bytes(second)
            time.sleep(3)  # many tries, all refused
            assert [p.name for p in waiting_drops(settings)] == ["登记2.xlsx"]
            link.restore()
            wait_for(lambda: len(receipts(settings, "回执-")) == 2, timeout=20, what="receipt 2")
    finally:
        link.cut()
    assert not (settings.store_dir / QUARANTINE_DIR).exists()
    with Archive.open(
        dataclasses.replace(settings, store_url=direct.render_as_string(False))
    ) as archive:
        assert [e.status for e in archive.ledger()] == ["accepted", "accepted"]
        assert len(archive.customers()) == 6 and archive.unfinished() == []


def test_with_a_postgresql_store_the_watch_lock_is_one_per_machine(tmp_path: Path) -> None:
    """No server needed: the lock is a file, named for this machine, and still keeps a second
    watcher (or an ingest) of this machine out."""
    settings = dataclasses.replace(new_workspace(tmp_path), store_url="postgresql://db/archive")
    host_lock = lock_path(settings)
    assert host_lock.parent == settings.store_dir
    assert host_lock.name == f"watch-{re.sub(r'[^A-Za-z0-9._-]', '_', socket.gethostname())}.lock"
    assert lock_path(dataclasses.replace(settings, store_url="")).name == "watch.lock"
    with watch_lock(settings), pytest.raises(WatchLocked), watch_lock(settings, "ingest"):
        pass
