"""The plugin system: one loading mechanism, typed registration, fail-fast validation."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.plugins import hookspecs
from engine.plugins.manager import PluginError, Plugins, create_plugin_manager
from engine.plugins.registry import PluginConflict

ROOT = Path(__file__).resolve().parents[3]

PLUGIN_SOURCE = """
from collections.abc import Iterator

from engine import hookimpl
from engine.evidence.model import EvidenceRules
from engine.notifications.notifier import Notifier, Notification
from engine.plugins.provider import Capabilities, DisputeProvider, Ignored
from engine.plugins.sources import Contribution, EvidenceSource
from engine.storage import EvidenceStorage


class AcmeProvider(DisputeProvider):
    id = "acme"
    display_name = "Acme Pay"
    capabilities = Capabilities(supports_evidence_api=False, supports_accept=False)

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def handle_webhook(self, request):
        return Ignored(event_id=None, event_type=None, reason="test")

    def iter_disputes(self) -> Iterator:
        return iter(())

    def fetch_dispute(self, dispute_id, account):
        raise NotImplementedError

    @property
    def evidence_rules(self):
        return EvidenceRules(text_fields=frozenset(), file_fields=frozenset())


class AcmeSource(EvidenceSource):
    name = "acme_crm"

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def contribute(self, context):
        return Contribution()


class AcmeNotifier(Notifier):
    name = "acme_pager"

    @classmethod
    def from_settings(cls, settings):
        return None

    def send(self, notification):
        pass


class MemoryStorage(EvidenceStorage):
    def put(self, name, data, mime):
        return "memory://" + name

    def get(self, name):
        raise FileNotFoundError(name)

    def link(self, name, expires_in):
        return None


@hookimpl
def register_providers(register):
    register(AcmeProvider)


@hookimpl
def register_evidence_sources(register):
    register(AcmeSource)


@hookimpl
def register_notifiers(register):
    register(AcmeNotifier)


@hookimpl
def register_storage(register):
    register("memory", lambda settings: MemoryStorage())
"""


def install_plugin(tmp_path: Path, module: str, source: str) -> Path:
    """Install ``module`` the way pip would: the module plus a dist-info with an entry point."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
    dist_info = tmp_path / f"{module}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(f"[disputes]\n{module} = {module}\n")
    return tmp_path


def test_a_plugin_installed_through_an_entry_point_is_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a third-party package that declares a `disputes` entry point
    monkeypatch.syspath_prepend(str(install_plugin(tmp_path, "acme_plugin", PLUGIN_SOURCE)))
    # When the engine builds its plugins
    plugins = Plugins(create_plugin_manager())
    # Then every registration hook of the plugin was called
    assert plugins.providers["acme"].display_name == "Acme Pay"
    assert "acme_crm" in plugins.evidence_sources
    assert "acme_pager" in plugins.notifiers
    assert "memory" in plugins.storage


def test_every_hook_is_documented_and_exercised_by_the_test_plugin() -> None:
    specs = {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("register_")
    }
    assert specs, "no hookspecs found"
    for name, function in specs.items():
        assert (function.__doc__ or "").strip(), f"hook {name} has no documentation"
        assert f"def {name}(" in PLUGIN_SOURCE, f"hook {name} is not exercised by a test plugin"


def test_a_misspelt_hook_fails_start_up_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (
        "from engine import hookimpl\n\n@hookimpl\ndef register_provider(register):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(install_plugin(tmp_path, "typo_plugin", source)))
    with pytest.raises(PluginError, match=r"typo_plugin.*register_provider"):
        create_plugin_manager()


def test_the_cli_reports_a_misspelt_hook_in_one_line(tmp_path: Path) -> None:
    source = (
        "from engine import hookimpl\n\n@hookimpl\ndef register_notifier(register):\n    pass\n"
    )
    (tmp_path / "site").mkdir()
    plugin_dir = install_plugin(tmp_path / "site", "typo_cli_plugin", source)
    result = subprocess.run(
        [sys.executable, "-m", "web.cli", "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{plugin_dir}:{ROOT}", "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "typo_cli_plugin" in result.stderr and "register_notifier" in result.stderr


def test_a_plugin_that_cannot_be_imported_is_named(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="no_such_module"):
        create_plugin_manager(builtins=(), entry_points=False, extra=["no_such_module"])


def test_two_plugins_registering_one_provider_id_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(install_plugin(tmp_path, "acme_one", PLUGIN_SOURCE)))
    (tmp_path / "acme_two.py").write_text(
        "from engine import hookimpl\nfrom acme_one import AcmeProvider\n\n"
        "@hookimpl\ndef register_providers(register):\n    register(AcmeProvider)\n"
    )
    plugins = Plugins(create_plugin_manager(extra=["acme_two"]))
    with pytest.raises(PluginConflict, match="acme"):
        _ = plugins.providers


def test_engine_imports_nothing_from_plugins_or_the_web_layer() -> None:
    forbidden = {"providers", "evidence_sources", "web", "emulators"}
    offenders = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names = [str(node.args[0].value)]
            offenders += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"  # type: ignore[attr-defined]
                for name in names
                if name.split(".")[0] in forbidden
            ]
    assert offenders == []
