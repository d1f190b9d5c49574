"""Local storage: files on disk under DISPUTES_DATA_DIR/files, private, written atomically."""

from __future__ import annotations

import stat

import pytest

from engine.errors import NotConfigured
from engine.plugins.manager import Plugins, create_plugin_manager
from engine.storage import EvidenceStorage, open_storage
from engine.storage.local import LocalStorage
from engine.storage.names import object_name
from engine.testing import MakeSettings

NAME = object_name("s" * 48, "stripe", "dp_1", "receipt", 1, "pdf")


def test_the_default_storage_is_local_files_in_the_data_dir(make_settings: MakeSettings) -> None:
    settings = make_settings()
    storage = open_storage(settings, Plugins(create_plugin_manager(entry_points=False)).storage)
    # The web app asks for links through the interface (``str | None``), not LocalStorage's
    # narrower ``None``: keep that view of the same object for the link check below.
    opened: EvidenceStorage = storage

    url = storage.put(NAME, b"%PDF-1.7 receipt", "application/pdf")

    assert isinstance(storage, LocalStorage)
    path = settings.data_dir / "files" / NAME
    assert url == path.as_uri()
    assert path.read_bytes() == b"%PDF-1.7 receipt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert storage.get(NAME) == b"%PDF-1.7 receipt"
    assert opened.link(NAME, 60) is None  # the web app serves local files via signed links
    assert [p.name for p in path.parent.iterdir()] == [NAME]  # no scratch files left behind


def test_a_missing_file_and_a_path_are_refused(make_settings: MakeSettings) -> None:
    storage = LocalStorage(make_settings().data_dir / "files")
    with pytest.raises(FileNotFoundError):
        storage.get(NAME)
    with pytest.raises(ValueError, match="not an evidence object name"):
        storage.get("../secret_key")
    with pytest.raises(ValueError, match="not an evidence object name"):
        storage.put("../../x.pdf", b"", "application/pdf")


def test_an_unknown_storage_scheme_names_the_setting(make_settings: MakeSettings) -> None:
    settings = make_settings(storage_url="s3://bucket/prefix")
    with pytest.raises(NotConfigured, match="DISPUTES_STORAGE_URL"):
        open_storage(settings, {})
