"""The watcher's parts on their own: stability rules, the zip-end probe, the workspace lock,
network-filesystem detection and the store's refusal to live on a share."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import branchflow.archive.localdisk as localdisk
from branchflow.archive.store import Archive
from branchflow.config import Settings
from branchflow.errors import StoreError
from branchflow.pipeline import FileOutcome, is_drop
from branchflow.watch import StabilityTracker, Verdict, WatchLocked, WorkspaceLock
from branchflow.watch.stability import Probe, probe_file
from builders import customers_workbook
from watch_helpers import BRANCH, new_workspace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def tracker(clock: Clock, probes: list[Probe] | None = None) -> StabilityTracker:
    answers = list(probes or [])
    return StabilityTracker(
        1.0,
        max_backoff=8.0,
        incomplete_grace=5.0,
        clock=clock,
        probe=lambda path: answers.pop(0) if answers else Probe.OK,
    )


def test_a_file_is_due_only_after_a_quiet_period(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    stable = tracker(clock)
    stable.touch(path)
    clock.now += 0.9
    assert stable.due() == []
    stable.touch(path)  # another event restarts the quiet period
    clock.now += 0.9
    assert stable.due() == []
    clock.now += 0.2
    assert stable.due() == [path]
    assert stable.check(path) is Verdict.READY


def test_a_file_that_changed_since_last_look_waits_again(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    stable = tracker(clock)
    stable.notice(path)
    path.write_bytes(b"xy")  # grew without an event (a share that sends none)
    clock.now += 1.0
    assert stable.check(path) is Verdict.WAIT
    assert stable.due() == []
    clock.now += 1.0
    assert stable.check(path) is Verdict.READY


def test_a_locked_file_backs_off_doubling_up_to_the_cap(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    stable = tracker(clock, [Probe.LOCKED] * 5)
    stable.touch(path)
    waits = []
    for _ in range(5):
        clock.now += 20
        start = clock.now
        assert stable.check(path) is Verdict.LOCKED
        while not stable.due():
            clock.now += 0.5
        waits.append(clock.now - start)
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert stable.check(path) is Verdict.READY  # never rejected: ready once it opens


def test_an_incomplete_zip_waits_up_to_the_grace_period(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    stable = tracker(clock, [Probe.INCOMPLETE] * 10)
    stable.touch(path)
    clock.now += 1.0
    assert stable.check(path) is Verdict.WAIT
    clock.now += 4.1  # quiet for longer than the grace: let processing reject it as damaged
    assert stable.check(path) is Verdict.READY


def test_gone_and_non_regular_paths_are_forgotten(tmp_path: Path, clock: Clock) -> None:
    stable = tracker(clock)
    gone, folder = tmp_path / "gone.xlsx", tmp_path / "folder.xlsx"
    gone.write_bytes(b"x")
    folder.mkdir()
    stable.touch(gone)
    stable.touch(folder)
    gone.unlink()
    clock.now += 1.0
    assert [stable.check(p) for p in (gone, folder)] == [Verdict.GONE, Verdict.GONE]
    assert len(stable) == 0


def test_probe_needs_the_zip_end_record(tmp_path: Path) -> None:
    data = customers_workbook(
        [("张三", "13812345678", "湄潭县", "永兴镇", "A", "2026-11-03", "罗明")]
    )
    cases = {"whole.xlsx": data, "half.xlsx": data[: len(data) // 2], "empty.xlsx": b"",
             "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100}  # fmt: skip
    found = {}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        found[name] = probe_file(tmp_path / name)
    assert found == {"whole.xlsx": Probe.OK, "half.xlsx": Probe.INCOMPLETE,
                     "empty.xlsx": Probe.INCOMPLETE, "old.xls": Probe.OK}  # fmt: skip


def test_only_drops_in_known_folders_count(tmp_path: Path) -> None:
    settings = new_workspace(tmp_path)
    inbox = settings.inbox
    assert is_drop(settings, inbox / BRANCH / "客户.xlsx")
    assert is_drop(settings, inbox / BRANCH / "十一月" / "客户.xlsx")
    assert is_drop(settings, inbox / "总部" / "简报.xlsx")
    for path in (inbox / "客户.xlsx", inbox / "不认识" / "客户.xlsx", inbox / BRANCH / "回执" / "a.txt",
                 inbox / BRANCH / "空白模板" / "客户档案.xlsx", inbox / BRANCH / "~$客户.xlsx",
                 inbox / BRANCH / "8F2A1C30", settings.workspace / "outbox" / "a.xlsx"):  # fmt: skip
        assert not is_drop(settings, path), path


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_the_workspace_lock_admits_one_holder(tmp_path: Path) -> None:
    path = tmp_path / "store" / "watch.lock"
    with WorkspaceLock(path) as first:
        first.acquire("watch，进程 4242，2026-11-26 09:30 启动")
        with pytest.raises(
            WatchLocked, match=r"^此工作区已有一个 branchflow watch 在运行（watch，进程 4242，"
        ):
            WorkspaceLock(path).acquire("second")
    again = WorkspaceLock(path)  # released: the next one gets it
    again.acquire("third")
    again.release()


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
//nas/branches /srv/ws/inbox cifs rw,vers=3.0 0 0
nas:/export /mnt/nfs nfs4 rw 0 0
/dev/sdb1 /mnt/nfs/local ext4 rw 0 0
//nas/my\\040share /mnt/with\\040space smb3 rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/srv/ws/inbox/东莞分中心", "cifs"),
        ("/srv/ws/inbox", "cifs"),
        ("/srv/ws/store", None),
        ("/srv/ws/inboxes", None),
        ("/mnt/nfs/a/b", "nfs4"),
        ("/mnt/nfs/local/db", None),
        ("/mnt/with space/x", "smb3"),
    ],
)
def test_network_filesystems_are_read_from_the_mount_table(path: str, kind: str | None) -> None:
    assert localdisk.fs_type_from_mounts(Path(path), MOUNTS) == kind


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/mounts")
def test_the_store_refuses_a_database_on_a_network_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: Settings = new_workspace(tmp_path)
    table = tmp_path / "mounts"
    table.write_text(
        f"/dev/sda1 / ext4 rw 0 0\n//nas/hq {settings.store_dir.resolve()} cifs rw 0 0\n"
    )
    monkeypatch.setattr(localdisk, "_MOUNTS", table)
    with pytest.raises(StoreError, match=r"位于网络文件系统（cifs）上，已拒绝打开"):
        Archive.open(settings)
    monkeypatch.setattr(localdisk, "_MOUNTS", tmp_path / "no-such-table")
    Archive.open(settings).close()  # unknown: allowed


def test_owed_exports_survive_a_restart_and_wait_for_quiet(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import branchflow.watch.aftercare as aftercare

    settings = new_workspace(tmp_path)
    exports: list[dict[str, object]] = []
    monkeypatch.setattr(
        aftercare,
        "export_now",
        lambda s, a, branches=None, **options: exports.append(options) or _NoLines(),
    )
    monkeypatch.setattr(aftercare, "_render", lambda s, period: None)
    accepted = FileOutcome(f"{BRANCH}/a.xlsx", BRANCH, "customers", "2026-11", "accepted", rows=3)
    with Archive.open(settings) as archive:
        first = aftercare.Aftercare(settings, archive, debounce=2.0, max_wait=30.0, clock=clock)
        first.note(accepted)
        first.note(FileOutcome(f"{BRANCH}/b.xlsx", BRANCH, "customers", None, "rejected"))
        # stopped here (or killed): the next watcher still owes the export
        again = aftercare.Aftercare(settings, archive, debounce=2.0, max_wait=30.0, clock=clock)
        assert again.pending
        again.note(accepted)
        clock.now += 1.0
        again.run_if_due(busy=False)
        clock.now += 1.5
        again.run_if_due(busy=True)  # more drops on their way: keep waiting
        assert exports == []
        again.run_if_due(busy=False)
        assert exports == [{"only_changed": True}]  # every workbook whose content changed
        assert not aftercare.Aftercare(
            settings, archive, debounce=2.0, max_wait=30.0, clock=clock
        ).pending


class _NoLines:
    def describe(self) -> list[str]:
        return []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX symbolic links")
def test_polling_does_not_walk_into_links(tmp_path: Path) -> None:
    from watchdog.utils.dirsnapshot import DirectorySnapshot

    from branchflow.watch.observe import _list_inputs, stat_below

    share = tmp_path / "share"
    (share / BRANCH).mkdir(parents=True)
    (share / BRANCH / "客户.xlsx").write_bytes(b"PK")
    (share / BRANCH / "loop").symlink_to("..", target_is_directory=True)
    inbox = tmp_path / "inbox"
    inbox.symlink_to(share, target_is_directory=True)  # the inbox itself may be a link
    seen = DirectorySnapshot(str(inbox), stat=stat_below(inbox), listdir=_list_inputs).paths
    assert {Path(p).relative_to(inbox).as_posix() for p in seen} == {
        ".",
        BRANCH,
        f"{BRANCH}/客户.xlsx",
        f"{BRANCH}/loop",
    }
