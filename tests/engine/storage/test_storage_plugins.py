"""Storage schemes come from the storage registry: a third-party plugin installed by entry
point adds ``mem://`` and the engine archives through it, configured like the built-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import NotConfigured, SettingError
from engine.plugins.manager import Plugins, create_plugin_manager
from engine.runtime import Runtime
from engine.settings import load_settings
from tests.engine.plugins.test_plugins import install_plugin

MEMORY_STORAGE = """
from urllib.parse import urlsplit

from engine import hookimpl
from engine.errors import SettingError
from engine.storage import EvidenceStorage

BUCKETS = {}


class MemoryStorage(EvidenceStorage):
    def __init__(self, bucket):
        self.objects = BUCKETS.setdefault(bucket, {})
        self.bucket = bucket

    def put(self, name, data, mime):
        self.objects[name] = data
        return f"mem://{self.bucket}/{name}"

    def get(self, name):
        try:
            return self.objects[name]
        except KeyError:
            raise FileNotFoundError(name) from None

    def link(self, name, expires_in):
        return None


def open_memory(settings):
    bucket = urlsplit(settings.storage_url).netloc
    if not bucket:
        raise SettingError("DISPUTES_STORAGE_URL", "mem:// URLs must name a bucket")
    return MemoryStorage(bucket)


@hookimpl
def register_storage(register):
    register("mem", open_memory)
"""


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Plugins:
    monkeypatch.syspath_prepend(str(install_plugin(tmp_path, "memstore_plugin", MEMORY_STORAGE)))
    return Plugins(create_plugin_manager())


def test_a_scheme_registered_by_a_plugin_is_configured_and_archives(
    plugins: Plugins, tmp_path: Path
) -> None:
    # Given DISPUTES_STORAGE_URL naming the plugin's scheme
    settings = load_settings(
        {"DISPUTES_DATA_DIR": str(tmp_path / "data"), "DISPUTES_STORAGE_URL": "mem://evidence"}
    )
    runtime = Runtime(settings, plugins)
    # When the engine archives a document and reads it back
    url = runtime.storage.put("abc", b"%PDF-1.7", "application/pdf")
    # Then it went through the plugin's backend
    assert url == "mem://evidence/abc"
    assert runtime.storage.get("abc") == b"%PDF-1.7"
    assert "mem" in plugins.storage and {"file", "s3"} <= set(plugins.storage)


def test_the_plugin_checks_its_own_url_in_the_one_error_format(
    plugins: Plugins, tmp_path: Path
) -> None:
    settings = load_settings(
        {"DISPUTES_DATA_DIR": str(tmp_path / "data"), "DISPUTES_STORAGE_URL": "mem://"}
    )
    with pytest.raises(SettingError, match="^DISPUTES_STORAGE_URL: mem:// URLs must name a bucket"):
        _ = Runtime(settings, plugins).storage


def test_a_scheme_no_plugin_handles_names_the_installed_ones(
    plugins: Plugins, tmp_path: Path
) -> None:
    settings = load_settings(
        {"DISPUTES_DATA_DIR": str(tmp_path / "data"), "DISPUTES_STORAGE_URL": "ftp://bucket"}
    )
    with pytest.raises(
        NotConfigured, match=r"no storage plugin handles ftp:// \(installed: file, mem, s3\)"
    ):
        _ = Runtime(settings, plugins).storage
