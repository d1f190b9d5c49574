"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from engine.db.database import Database
from engine.db.migrate import alembic_config, current_revision, head_revision, upgrade
from engine.errors import SettingError


def test_migrations_match_the_models(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    upgrade(database)  # a second run is a no-op
    assert current_revision(database) == head_revision()
    config = alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)  # raises if the models and the migrations disagree


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'd.db'}")
    with database.reading() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_database_folder_that_does_not_exist_is_named_not_created(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match="DISPUTES_DATABASE_URL: the folder .* does not exist"):
        Database(f"sqlite:///{tmp_path / 'typo' / 'd.db'}")
    assert not (tmp_path / "typo").exists()
