"""Where a relative path in the settings points — one rule, so that every command finds the same
database wherever it is started:

* a relative path written in the configuration file is relative to **the file's folder**;
* a relative path in an environment variable is **refused** (an environment travels between
  shells and services whose working directories differ); ``~`` is expanded first;
* the data folder defaults to ``data`` beside the configuration file, or ``./data`` in the
  working directory when there is no file (the zero-configuration start);
* ``DISPUTES_CONFIG`` itself is the one path read from the working directory.

It covers ``DISPUTES_DATA_DIR``, the path of a ``sqlite:///`` database URL, a ``file:`` storage
URL and ``DISPUTES_MERCHANT_LOGO_FILE``. An SQLite database whose folder does not exist is
refused rather than created: a typo must not quietly start a second, empty database.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from engine.errors import SettingError

RELATIVE_REFUSED = (
    "is a relative path ({value!r}): use an absolute one (relative paths are allowed in the "
    "configuration file, where they are relative to its folder)"
)


def resolve_path(value: str, variable: str, base: Path | None) -> Path:
    """``value`` as an absolute path. ``base`` is the configuration file's folder for a value
    read from the file, ``None`` for one from the environment (relative refused)."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    if base is None:
        raise SettingError(variable, RELATIVE_REFUSED.format(value=value))
    return (base / path).resolve()


def sqlite_path(url: str) -> str | None:
    """The file path of an SQLite URL, ``None`` for anything else (another database, memory,
    a ``file:`` URI)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or not database:
        return None
    if database == ":memory:" or database.startswith("file:"):
        return None
    return database


def resolve_database_url(url: str, base: Path | None) -> str:
    """An SQLite URL with its path made absolute by :func:`resolve_path`; others unchanged."""
    database = sqlite_path(url)
    if database is None:
        return url
    path = resolve_path(database, "DISPUTES_DATABASE_URL", base)
    return make_url(url).set(database=str(path)).render_as_string(hide_password=False)


def require_database_folder(url: str) -> None:
    """Refuse an SQLite URL whose folder does not exist (SQLite would fail, and creating it
    would hide a mistyped path)."""
    database = sqlite_path(url)
    if database is None:
        return
    folder = Path(database).parent
    if not folder.is_dir():
        raise SettingError(
            "DISPUTES_DATABASE_URL",
            f"the folder {folder} does not exist: create it, or correct the path",
        )


def resolve_storage_url(url: str, base: Path | None) -> str:
    """A ``file:`` storage URL with a relative path made absolute; others unchanged."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in {"", "localhost"} or not parts.path:
        return url
    return resolve_path(unquote(parts.path), "DISPUTES_STORAGE_URL", base).as_uri()
