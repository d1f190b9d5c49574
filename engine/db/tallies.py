"""The tally tables: running counts and sums the dispute book keeps in the transaction of each
change (:mod:`engine.stats.tallies`), so statistics never scan the disputes. Each row is split in
``shard`` rows so concurrent writers rarely touch the same one."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.base import Base


class DisputeTally(Base):
    """How many disputes of one kind there are and what they amount to (see
    :mod:`engine.stats.tallies`): kept by the dispute book in the transaction of each change."""

    __tablename__ = "dispute_tallies"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    disputes: Mapped[int] = mapped_column(BigInteger, default=0)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    """Thousandths of the currency's major unit."""


class MonthTally(Base):
    """How many disputes opened in a month are in each status."""

    __tablename__ = "month_tallies"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    """``YYYY-MM``"""
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    disputes: Mapped[int] = mapped_column(BigInteger, default=0)


class FeeTally(Base):
    """The processors' dispute fees, summed per fee currency (thousandths)."""

    __tablename__ = "fee_tallies"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
