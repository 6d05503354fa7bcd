"""Alembic environment: always run from :func:`pipeline.store.migrate.upgrade` with a live connection.

There is no alembic.ini: the store is opened by the program, not by an operator with the alembic
command, so the connection comes in through ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from pipeline.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - a developer running `alembic` by hand
    raise RuntimeError("run migrations through pipeline.store.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
