"""ExportRows: the archive streamed for the export, the same rows export_data() holds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
from archive_helpers import A, B, customer, customers_batch, drop, followup, make_settings

from branchflow.archive.bulk import fetch_dicts, iter_dicts
from branchflow.archive.reads import customers_query
from branchflow.archive.store import Archive
from branchflow.export import CUSTOMER_COLUMNS, export_archive


def fill(archive: Archive) -> None:
    drop(archive, customers_batch(A, [customer(1, "13800000001"), customer(2, "13800000002")],
                                  [followup(1, "13800000001")]), data=b"a")  # fmt: skip
    drop(archive, customers_batch(B, [customer(1, "13800000001"), customer(2, "13900000003")]),
         data=b"b")  # fmt: skip


def test_streamed_rows_are_the_rows_export_data_reads(archive: Archive) -> None:
    fill(archive)
    data = archive.export_data()
    shown = [c.key for c in CUSTOMER_COLUMNS]
    with archive.export_rows() as rows:
        assert rows.branches() == {A, B}
        customers = list(rows.customers())
        assert [{k: c.get(k) for k in shown} for c in customers] == [
            {k: c.get(k) for k in shown} for c in data.customers
        ]
        assert [c["phone"] for c in rows.customers(B)] == ["13900000003"]
        assert list(rows.followups()) == data.followups
        assert list(rows.followups(B)) == []
        assert list(rows.conflicts()) == data.conflicts == list(rows.conflicts(B))
        assert rows.township_counts() == data.township_counts
    assert customers[0]["updated_at"].tzinfo is not None  # aware, in the archive's zone


def test_iter_dicts_matches_fetch_dicts_across_chunks(archive: Archive) -> None:
    fill(archive)
    with archive.export_rows() as rows:
        conn = rows._conn
        query = customers_query()
        assert list(iter_dicts(conn, query, archive._tz, chunk=1)) == fetch_dicts(
            conn, query, archive._tz
        )


def test_workbooks_from_the_stream_equal_those_from_lists(archive: Archive, tmp_path: Path) -> None:
    fill(archive)
    listed = export_archive(tmp_path / "lists", archive.export_data())
    with archive.export_rows() as rows:
        streamed = export_archive(tmp_path / "stream", rows)
    assert [p.name for p in streamed.written] == [p.name for p in listed.written]
    for one, other in zip(listed.written, streamed.written, strict=True):
        first, second = openpyxl.load_workbook(one), openpyxl.load_workbook(other)
        for sheet in first.sheetnames:
            assert list(first[sheet].values) == list(second[sheet].values), (one.name, sheet)


def test_a_branchs_rows_carry_the_protection_end_with_its_extensions(
    tmp_path: Path, store_url: str
) -> None:
    conflicts = {"extend_on": ["到访"], "extend_days": 30}
    with Archive.open(make_settings(tmp_path, store_url=store_url, conflicts=conflicts)) as archive:
        registered = [customer(1, "13800000001", registered_on=date(2026, 7, 1)),
                      customer(2, "13800000002", registered_on=date(2026, 7, 1))]  # fmt: skip
        visits = [followup(1, "13800000001", date=date(2026, 9, 19), method="到访"),
                  followup(2, "13800000002", date=date(2026, 9, 19), method="电话")]  # fmt: skip
        drop(archive, customers_batch(A, registered, visits))
        with archive.export_rows() as rows:
            until = {c["phone"]: c["protected_until"] for c in rows.customers(A)}
            assert "protected_until" not in next(iter(rows.customers()))
    assert until == {"13800000001": date(2026, 10, 19), "13800000002": date(2026, 9, 29)}
