"""The store backends every store and ingest test runs against: SQLite always, PostgreSQL when reachable.

PostgreSQL comes from ``LIANZHENG_TEST_PG`` (``.ci/start-postgres`` prints it), e.g.
``postgresql+psycopg2://postgres@127.0.0.1:55432/postgres``. Each test gets a fresh database,
dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ENV = "LIANZHENG_TEST_PG"


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests skipped: {PG_ENV} is not set "
                    f"(run `eval \"$(bash .ci/start-postgres)\"` to start a local server)")
    return url


def fresh_pg_database() -> tuple[str, callable]:
    """Create an empty database on the test server; returns its URL and a function that drops it."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin_url = make_url(_pg_admin_url())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"lz_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as e:
        admin.dispose()
        pytest.skip(f"PostgreSQL tests skipped: server at {admin_url.host}:{admin_url.port} unreachable "
                    f"({str(e.orig).strip().splitlines()[0]})")
    url = admin_url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        # The code under test may still hold pooled connections: end them, then drop.
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,))
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()

    return url, drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> Iterator[str]:
    """A database URL for an empty store: a SQLite file under tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    url, drop = fresh_pg_database()
    yield url
    drop()
