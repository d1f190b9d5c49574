"""Reading early fraud warnings for people: newest first, in keyset pages (the dashboard's page
and ``GET /api/early-fraud-warnings`` share it). Served by ``ix_early_fraud_warnings_listing``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from engine.db.fraud_warnings import EarlyFraudWarning
from engine.db.keyset import BadKeyset, decode_keyset, encode_keyset
from engine.fraud_warnings.model import FraudWarningView
from engine.fraud_warnings.records import view_of


class BadWarningCursor(ValueError):
    """A ``cursor`` that was not handed out by :func:`list_warnings`."""


def list_warnings(
    session: Session, limit: int, cursor: str | None = None
) -> tuple[list[FraudWarningView], str | None]:
    """One page of warnings, newest first, and the cursor of the next page (``None``: last)."""
    statement = select(EarlyFraudWarning)
    if cursor:
        moment, pk = _decode(cursor)
        statement = statement.where(
            tuple_(EarlyFraudWarning.created_at, EarlyFraudWarning.id) < tuple_(moment, pk)
        )
    rows = session.scalars(
        statement.order_by(EarlyFraudWarning.created_at.desc(), EarlyFraudWarning.id.desc()).limit(
            limit + 1
        )
    ).all()
    next_cursor = _encode(rows[limit - 1]) if len(rows) > limit else None
    return [view_of(row) for row in rows[:limit]], next_cursor


def _encode(row: EarlyFraudWarning) -> str:
    return encode_keyset(row.created_at, row.id)


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        return decode_keyset(cursor)
    except BadKeyset as error:
        raise BadWarningCursor(str(error)) from None
