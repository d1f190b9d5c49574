"""Readiness: the database answers and its schema is at the migrations' head. A process whose
database is down, or which runs newer code than the schema (an upgrade not yet applied), must
not be sent traffic; it would fail every request that touches the database."""

from __future__ import annotations

import enum
import logging

import msgspec
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from engine.db.database import Database
from engine.db.migrate import current_revision, head_revision

log = logging.getLogger(__name__)


class Readiness(enum.StrEnum):
    READY = "ready"
    DATABASE_UNREACHABLE = "database_unreachable"
    MIGRATIONS_PENDING = "migrations_pending"


class ReadinessReport(msgspec.Struct, frozen=True, kw_only=True):
    status: Readiness
    schema_revision: str | None
    code_revision: str | None

    @property
    def ready(self) -> bool:
        return self.status is Readiness.READY


def check_readiness(database: Database) -> ReadinessReport:
    head = head_revision()
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision(database)
    except SQLAlchemyError as error:
        # One line, no traceback: a load balancer polls this every few seconds.
        log.warning("readiness: database unreachable: %s", type(error).__name__)
        return ReadinessReport(
            status=Readiness.DATABASE_UNREACHABLE, schema_revision=None, code_revision=head
        )
    status = Readiness.READY if current == head else Readiness.MIGRATIONS_PENDING
    return ReadinessReport(status=status, schema_revision=current, code_revision=head)
