"""Schema creation and upgrades with Alembic, run by the program itself when it opens a store.

An office never runs ``alembic``: :func:`upgrade` brings any store (new SQLite file, empty
PostgreSQL database, store of an older release) to the newest revision in
``pipeline/store/migrations/versions``. It first asks the database which revision it holds, so
opening an up-to-date store costs one small query, not a migration run.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from pipeline.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head() -> str:
    """The newest revision this program knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the store at ``engine`` to :func:`head`; a no-op when it is there already."""
    from alembic import command

    with engine.connect() as conn:
        have = current(conn)
        if have == head():
            return
        known = {r.revision for r in ScriptDirectory.from_config(_config()).walk_revisions()}
        if have is not None and have not in known:
            raise StoreError(f"数据库的结构版本 {have} 比本程序新，本程序不认识",
                             hint="升级 lianzheng 到最新版本后再打开这个数据库")
        if have is None and inspect(conn).has_table("submissions"):
            raise StoreError(
                "数据库里已有表，但没有版本记录（可能是开发版程序建的库），无法安全升级",
                hint="换一个空的数据库，或删除工作区 store/lianzheng.sqlite3 后重新运行 forms 和 ingest")
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
