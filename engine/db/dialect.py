"""The one place that tells SQLite from PostgreSQL for the statements they spell differently
(``INSERT … ON CONFLICT``); everything else is portable SQLAlchemy."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert(session: Session, table: Any) -> Any:
    """``INSERT`` in the session's dialect, with its ``on_conflict_do_*`` methods."""
    return (postgresql if is_postgresql(session) else sqlite).insert(table)
