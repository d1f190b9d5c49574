"""Alembic environment: always run by :func:`engine.db.migrate.upgrade` with a live connection."""

from __future__ import annotations

from alembic import context

from engine.db import models  # noqa: F401 - registers the tables on the metadata
from engine.db.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `disputes db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
