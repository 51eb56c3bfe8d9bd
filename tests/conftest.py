import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pgserver

REQUIRE = "BRANCHFLOW_REQUIRE_PG"  # set by .ci/run: no server fails the PostgreSQL tests
_PG: dict[str, object] = {}  # "server": PgServer, or "reason": why there is none


def pg_server_or_reason() -> pgserver.PgServer | str:
    """The session's PostgreSQL server (started on first use), or why there is none."""
    if "server" not in _PG and "reason" not in _PG:
        try:
            _PG["server"] = pgserver.start()
        except pgserver.NoServer as exc:
            _PG["reason"] = f"no PostgreSQL server for the tests: {exc}"
    found = _PG.get("server")
    return found if isinstance(found, pgserver.PgServer) else str(_PG["reason"])


@pytest.fixture(scope="session")
def pg_server() -> pgserver.PgServer:
    """A PostgreSQL server to create test databases on; skips (saying why) when none can be
    started, fails when BRANCHFLOW_TEST_PG_URL names one that does not answer or when
    BRANCHFLOW_REQUIRE_PG=1 (CI)."""
    found = pg_server_or_reason()
    if isinstance(found, str):
        if os.environ.get(pgserver.ENV_URL, "").strip() or os.environ.get(REQUIRE) == "1":
            pytest.fail(found)
        pytest.skip(f"PostgreSQL tests skipped ({found})")
    return found


@pytest.fixture
def pg_database(pg_server: pgserver.PgServer) -> Iterator[Callable[..., str]]:
    """Make fresh databases for the test (migrated, or empty with migrated=False): returns the
    plain postgresql:// URL a user would configure. Dropped after the test."""
    made: list[str] = []

    def make(migrated: bool = True) -> str:
        name = pg_server.create_database(migrated=migrated)
        made.append(name)
        return pg_server.url(name, plain=True)

    yield make
    for name in made:
        pg_server.drop_database(name)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = _PG.get("server")
    if isinstance(found, pgserver.PgServer):
        found.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    found = _PG.get("server")
    if isinstance(found, pgserver.PgServer):
        where = found.admin.render_as_string(hide_password=True)
        terminalreporter.write_line(f"PostgreSQL tests ran against {where}")
    elif "reason" in _PG:
        required = os.environ.get(REQUIRE) == "1" or os.environ.get(pgserver.ENV_URL, "").strip()
        why = f"PostgreSQL tests {'FAILED' if required else 'skipped'} ({_PG['reason']})"
        terminalreporter.write_line(why, yellow=True, bold=True)
