"""The store: Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from pipeline.errors import StoreError
from pipeline.store import open_store, sync_profile
from pipeline.store import migrate
from pipeline.store.models import Base, Submission
from store_backends import store_url  # noqa: F401  (fixture)


def test_migration_matches_models(store_url: str) -> None:
    factory = open_store(store_url)
    engine = factory.kw["bind"]
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    names = set(inspect(engine).get_table_names())
    assert {"campaigns", "departments", "people", "issued_forms", "submissions", "risk_points",
            "problems", "events", "alembic_version"} <= names


def test_reopen_is_a_noop_and_keeps_rows(store_url: str, workspace) -> None:
    factory = open_store(store_url)
    with factory.begin() as s:
        sync_profile(s, workspace.profile, workspace.roster)
    factory = open_store(store_url)
    with factory() as s:
        assert s.scalar(text("select count(*) from people")) == len(workspace.roster)


def test_a_roster_change_reaches_the_store_and_the_rest_is_left_alone(store_url: str, workspace) -> None:
    from pipeline.store.models import Person

    factory = open_store(store_url)
    with factory.begin() as s:
        sync_profile(s, workspace.profile, workspace.roster)
    moved = workspace.roster[0].model_copy(update=dict(department=workspace.roster[-1].department, position="副处长"))
    with factory.begin() as s:
        sync_profile(s, workspace.profile, [moved, *workspace.roster[1:]])
    with factory() as s:
        rows = {p.staff_id: p for p in s.scalars(select(Person))}
    assert (rows[moved.staff_id].department, rows[moved.staff_id].position) == (moved.department, "副处长")
    other = workspace.roster[1]
    assert (rows[other.staff_id].name, rows[other.staff_id].department) == (other.name, other.department)
    assert len(rows) == len(workspace.roster)


def test_same_sha_twice_is_refused(store_url: str, workspace) -> None:
    factory = open_store(store_url)
    with factory.begin() as s:
        sync_profile(s, workspace.profile, workspace.roster)
    row = dict(campaign=workspace.profile.campaign.code, sha256="a" * 64, filename="x.docx", size=1,
               status="accepted")
    with factory.begin() as s:
        s.add(Submission(**row))
    with pytest.raises(IntegrityError):
        with factory.begin() as s:
            s.add(Submission(**row))
    with factory() as s:
        assert len(s.scalars(select(Submission)).all()) == 1


def test_store_made_without_migrations_is_refused(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    Base.metadata.create_all(create_engine(url))
    with pytest.raises(StoreError, match="没有版本记录"):
        open_store(url)


def test_store_from_a_newer_program_is_refused(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    engine = open_store(url).kw["bind"]
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(StoreError, match="比本程序新"):
        open_store(url)
