"""Relative paths in the settings: relative to the configuration file's folder when the file
says them, refused from the environment; an SQLite database's folder is never created on a
whim; and ``disputes sync`` started from another folder uses the same database."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.stripe import StripeEmulator
from engine.errors import SettingError
from engine.settings import load_settings
from tests.engine.test_cli import DISPUTES

SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12)


def write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "disputes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_in_the_file_are_relative_to_its_folder(tmp_path: Path) -> None:
    # Given a configuration file elsewhere, naming its paths relatively
    config = write_config(
        tmp_path / "etc",
        'data_dir = "state"\ndatabase_url = "sqlite:///db/disputes.db"\n'
        'storage_url = "file:evidence"\n[merchant]\nlogo_file = "logo.png"\n',
    )
    (tmp_path / "etc" / "db").mkdir()
    (tmp_path / "etc" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    # When the settings are read from another working directory
    loaded = load_settings({"DISPUTES_CONFIG": str(config)}, cwd=elsewhere)
    # Then every path is beside the file
    folder = tmp_path / "etc"
    assert loaded.config_file == config
    assert loaded.data_dir == folder / "state"
    assert loaded.database_url == f"sqlite:///{folder / 'db' / 'disputes.db'}"
    assert loaded.storage_url == (folder / "evidence").as_uri()
    assert loaded.merchant.logo_file == folder / "logo.png"
    assert not (elsewhere / "state").exists()


def test_the_default_data_folder_is_beside_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path / "etc", 'auto_submit = "false"\n')
    loaded = load_settings({"DISPUTES_CONFIG": str(config)}, cwd=tmp_path)
    assert loaded.data_dir == tmp_path / "etc" / "data"
    assert loaded.database_url == f"sqlite:///{tmp_path / 'etc' / 'data' / 'disputes.db'}"


def test_without_a_file_the_data_folder_is_in_the_working_directory(tmp_path: Path) -> None:
    loaded = load_settings({}, cwd=tmp_path)
    assert (loaded.config_file, loaded.data_dir) == (None, tmp_path / "data")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DISPUTES_DATA_DIR", "data"),
        ("DISPUTES_DATA_DIR", "./data"),
        ("DISPUTES_DATABASE_URL", "sqlite:///data/disputes.db"),
        ("DISPUTES_STORAGE_URL", "file:files"),
        ("DISPUTES_MERCHANT_LOGO_FILE", "logo.png"),
    ],
)
def test_a_relative_path_from_the_environment_is_refused(
    tmp_path: Path, variable: str, value: str
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(SettingError) as refused:
        load_settings({variable: value}, cwd=tmp_path)
    assert refused.value.variable == variable
    assert "relative path" in refused.value.problem


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(SEGMENT, min_size=1, max_size=3))
def test_any_relative_data_dir_lands_under_the_files_folder(
    tmp_path: Path, parts: list[str]
) -> None:
    # Given any relative folder, written in the file and in the environment
    relative = "/".join(parts)
    config = write_config(tmp_path / "cfg", f'data_dir = "{relative}"\nsecret_key = "{"k" * 40}"\n')
    # Then from the file it lands under the file's folder, from the environment it is refused
    loaded = load_settings({"DISPUTES_CONFIG": str(config)}, cwd=tmp_path, create=False)
    assert loaded.data_dir == (tmp_path / "cfg" / relative).resolve()
    assert loaded.data_dir.is_relative_to(tmp_path / "cfg")
    with pytest.raises(SettingError):
        load_settings(
            {"DISPUTES_CONFIG": str(config), "DISPUTES_DATA_DIR": relative},
            cwd=tmp_path,
            create=False,
        )


def test_absolute_and_home_paths_from_the_environment_are_kept(tmp_path: Path) -> None:
    loaded = load_settings(
        {"DISPUTES_DATA_DIR": str(tmp_path / "abs"), "HOME": str(tmp_path)}, cwd=tmp_path
    )
    assert loaded.data_dir == tmp_path / "abs"


def test_an_sqlite_url_whose_folder_does_not_exist_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'disputes.db'}"
    with pytest.raises(SettingError) as refused:
        load_settings({"DISPUTES_DATABASE_URL": url}, cwd=tmp_path)
    assert refused.value.variable == "DISPUTES_DATABASE_URL"
    assert str(tmp_path / "no" / "such" / "folder") in refused.value.problem
    assert not (tmp_path / "no").exists()


def test_a_missing_sqlite_folder_is_one_line_and_exit_2_from_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo' / 'disputes.db'}"
    result = subprocess.run(
        [DISPUTES, "db", "upgrade"],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DISPUTES_DATABASE_URL": url},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"disputes: DISPUTES_DATABASE_URL: the folder {tmp_path / 'typo'} does not exist: "
        "create it, or correct the path\n"
    )
    assert not (tmp_path / "typo").exists()


def test_sync_from_another_folder_uses_the_same_database(tmp_path: Path) -> None:
    # Given a configuration file with a relative data folder, and one dispute at Stripe
    with StripeEmulator() as stripe_api:
        stripe_api.state.add_dispute()
        config = write_config(
            tmp_path / "etc",
            f'data_dir = "state"\nsecret_key = "{"s" * 40}"\n'
            f'stripe_api_key = "sk_test_paths"\nstripe_api_base = "{stripe_api.url}"\n',
        )
        runs = []
        # When sync runs from two different working directories with the same file
        for name in ("first", "second"):
            folder = tmp_path / name
            folder.mkdir()
            runs.append(
                subprocess.run(
                    [DISPUTES, "sync"],
                    env={
                        "PATH": os.environ["PATH"],
                        "HOME": str(tmp_path),
                        "DISPUTES_CONFIG": os.path.relpath(config, folder),
                    },
                    cwd=folder,
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
            )
    # Then the second run found the dispute the first one stored: one database, beside the file
    first, second = runs
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert "seen 1, new 1" in first.stdout
    assert "seen 1, new 0" in second.stdout
    assert (tmp_path / "etc" / "state" / "disputes.db").is_file()
    assert (
        not (tmp_path / "first" / "data").exists() and not (tmp_path / "second" / "data").exists()
    )
