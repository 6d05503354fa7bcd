"""Schema creation and upgrades.

Alembic migrations live in ``pipeline/store/migrations``; until the first released schema this
creates the tables from the models directly.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from pipeline.store.models import Base


def upgrade(engine: Engine) -> None:
    Base.metadata.create_all(engine)
