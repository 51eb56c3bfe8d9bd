"""Bring a database to the newest schema with the Alembic revisions shipped in migrations/.

No env.py: the revisions are run programmatically on the connection the archive opened, inside its
transaction, so a failed upgrade leaves the database as it was. To add a revision, copy the newest
file in migrations/versions/, set `revision`/`down_revision`, and write its upgrade() with
`alembic.op` (use `op.batch_alter_table` for SQLite; on PostgreSQL give a new text column
COLLATE "C", as revision 0002 did for the others); tests/archive/test_archive_migrations.py checks,
on both backends, that the migrated database matches schema.metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine

from branchflow.archive.db import writer
from branchflow.errors import StoreError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def script_directory() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def head_revision() -> str | None:
    """The newest revision this version of branchflow knows."""
    return script_directory().get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection) -> list[str]:
    """Apply every pending revision on `connection`; returns the revisions applied, oldest first."""
    script = script_directory()
    applied: list[str] = []

    def steps(rev: Any, context: MigrationContext) -> Iterable[RevisionStep]:
        try:
            found = list(script._upgrade_revs("head", rev))
        except CommandError as exc:
            raise StoreError(
                f"档案数据库的版本（{rev}）比本程序新或无法识别；请升级 branchflow 后再打开"
            ) from exc
        applied.extend(step.revision.revision for step in found)
        return found

    context = MigrationContext.configure(
        connection, opts={"fn": steps, "render_as_batch": True, "transaction_per_migration": False}
    )
    with Operations.context(context):
        context.run_migrations()
    return applied


def bring_to_head(engine: Engine) -> tuple[str | None, list[str]]:
    """Upgrade the database behind `engine` in one write transaction (so two processes opening
    a new store at once migrate it once): (the revision it was at, the revisions applied)."""
    with engine.connect() as conn:
        before = current_revision(conn)
    if before == head_revision():
        return before, []
    with writer(engine).begin() as conn:
        before = current_revision(conn)
        return before, upgrade(conn)
