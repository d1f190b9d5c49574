"""Connecting to the database: SQLite (WAL, one writer at a time) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import getpass
import os
import pwd
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import SettingError

_READ_ONLY = "disputes_read_only"


class Database:
    """The engine's database: write transactions, read-only sessions, the dialect.

    On SQLite every write transaction starts with ``BEGIN IMMEDIATE``: writers queue for the one
    write lock up front instead of failing mid-transaction, and readers (WAL) never wait.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        parsed = make_url(url)
        if parsed.drivername in {"postgresql", "postgres"}:
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.url = parsed
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            check_sqlite_writable(parsed.database)
            self.engine: Engine = create_engine(
                parsed, echo=echo, connect_args={"timeout": 60, "check_same_thread": False}
            )
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(parsed, echo=echo, pool_pre_ping=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (no write lock on SQLite)."""
        with self._read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def check_sqlite_writable(database: str | None) -> None:
    """Fail with one sentence naming the path and the user when SQLite could not write.

    The classic: a database file created by root and served by www-data. WAL needs the
    directory too, for its ``-wal`` and ``-shm`` files.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser().resolve()
    directory = path.parent
    user = _current_user()
    if not directory.is_dir():
        # Never created here: a mistyped path must not quietly start a second, empty database.
        raise SettingError(
            "DISPUTES_DATABASE_URL",
            f"the folder {directory} does not exist: create it, or correct the path",
        )
    for target in (directory, path):
        if target.exists() and not os.access(target, os.R_OK | os.W_OK):
            raise SettingError(
                "DISPUTES_DATABASE_URL",
                f"{target} is not writable by user {user} (it belongs to {_owner(target)})",
            )


def _current_user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return getpass.getuser()


def _owner(path: Path) -> str:
    uid = path.stat().st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
