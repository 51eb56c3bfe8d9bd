"""A PostgreSQL server for the tests: BRANCHFLOW_TEST_PG_URL, or a throwaway one on loopback.

`make test` starts one with scripts/pg-test-server.sh and exports BRANCHFLOW_TEST_PG_URL; a bare
`pytest` starts its own through the same script (without installing packages). When neither
works the PostgreSQL tests are skipped, and the run's summary says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from branchflow.archive.migrate import upgrade

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg-test-server.sh"
ENV_URL = "BRANCHFLOW_TEST_PG_URL"
# Test databases sort like a Chinese-locale server would (pinyin): the archive must not care.
ICU_LOCALE = "zh-Hans"


class NoServer(Exception):
    """No PostgreSQL server could be had; the message says why."""


@dataclass
class PgServer:
    """A server the tests may create and drop databases on."""

    admin: URL
    stop_state: Path | None = None  # the script's state folder when we started the server
    template: str | None = None
    created: list[str] = field(default_factory=list)
    _engine: Engine | None = None

    def url(self, database: str, plain: bool = False) -> str:
        """The database's URL as a user writes it (plain postgresql://) or as SQLAlchemy does."""
        url = self.admin.set(database=database)
        if plain:
            url = url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def create_database(self, migrated: bool = True) -> str:
        """A new database (migrated to head unless `migrated` is False); returns its name."""
        name = f"bf_{uuid.uuid4().hex[:12]}"
        if migrated:
            template = self._template()
            try:  # FILE_COPY (PostgreSQL 15+) copies a small template several times faster
                self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
            except SQLAlchemyError:
                self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            self._create_empty(name)
        self.created.append(name)
        return name

    def drop_database(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            self.drop_database(name)
        if self.template is not None:
            self.drop_database(self.template)
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.stop_state is not None:
            _script("stop", self.stop_state)

    def _template(self) -> str:
        if self.template is None:
            name = f"bf_template_{os.getpid()}"
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._create_empty(name)
            engine = create_engine(self.admin.set(database=name))
            try:
                with engine.begin() as conn:
                    upgrade(conn)
            finally:
                engine.dispose()
            self.template = name
        return self.template

    def _create_empty(self, name: str) -> None:
        try:
            self._execute(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                f"LOCALE_PROVIDER icu ICU_LOCALE '{ICU_LOCALE}' LOCALE 'C.UTF-8'"
            )
        except SQLAlchemyError:  # an older server, or one built without ICU
            self._execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")

    def _execute(self, sql: str) -> None:
        if self._engine is None:
            self._engine = create_engine(self.admin, isolation_level="AUTOCOMMIT")
        with self._engine.connect() as conn:
            conn.exec_driver_sql(sql)


def start() -> PgServer:
    """The server named by BRANCHFLOW_TEST_PG_URL, else one started for this run."""
    given = os.environ.get(ENV_URL, "").strip()
    if given:
        server = PgServer(_admin_url(given))
        _check(server, f"{ENV_URL}={server.admin.render_as_string()}")
        return server
    if not SCRIPT.is_file():
        raise NoServer(f"{SCRIPT} is missing")
    state = Path(tempfile.mkdtemp(prefix="branchflow-pg-state-"))
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "start"],
            env={**os.environ, "BRANCHFLOW_PG_STATE": str(state), "BRANCHFLOW_PG_NO_INSTALL": "1"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NoServer(f"could not run {SCRIPT.name}: {exc}") from exc
    if done.returncode != 0 or not done.stdout.strip():
        _script("stop", state)
        why = " ".join(done.stderr.strip().splitlines()[-2:]) or f"exit {done.returncode}"
        raise NoServer(f"{SCRIPT.name} start failed: {why}")
    server = PgServer(_admin_url(done.stdout.strip().splitlines()[-1]), stop_state=state)
    _check(server, "the server scripts/pg-test-server.sh started")
    return server


def _admin_url(text: str) -> URL:
    url = make_url(text)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _check(server: PgServer, what: str) -> None:
    try:
        server._execute("SELECT 1")
    except SQLAlchemyError as exc:
        server.close()
        raise NoServer(f"cannot connect to {what}: {str(exc.orig or exc).strip()}") from exc


def _script(command: str, state: Path) -> None:
    subprocess.run(
        ["bash", str(SCRIPT), command],
        env={**os.environ, "BRANCHFLOW_PG_STATE": str(state)},
        capture_output=True,
        timeout=60,
        check=False,
    )
    if command == "stop":
        shutil.rmtree(state, ignore_errors=True)
