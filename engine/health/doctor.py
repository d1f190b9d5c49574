"""``disputes doctor``: every part the engine depends on, checked once, as rows of a table.

The settings were already read (a malformed core setting stops before any check, exit 2); then
the database (answers, schema at the migrations' head), the storage (a probe object written,
read back and deleted), each installed provider (its settings, then its own checks: one read
call with its credentials and the webhook set-up), each notifier (its settings and one read
call) and each evidence source's settings. Nothing here raises for a failed check: every
outcome is a :class:`Check`, and :func:`exit_code` turns them into the command's answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from engine.db.migrate import current_revision, head_revision
from engine.errors import DisputeEngineError, NotConfigured, SettingError
from engine.health.checks import Check, Verdict, one_line
from engine.runtime import Runtime

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_MISCONFIGURED = 2
PROBE = b"disputes doctor probe\n"


def examine(runtime: Runtime) -> list[Check]:
    """Run every check, in the order a person would fix things."""
    checks = [settings_check(runtime), database_check(runtime), storage_check(runtime)]
    public_url = runtime.settings.get("PUBLIC_URL")
    for provider_id, provider_class in sorted(runtime.plugins.providers.items()):
        try:
            provider = provider_class.from_settings(runtime.settings)
        except NotConfigured as error:
            checks.append(_check(provider_id, Verdict.SKIPPED, error))
            continue
        except SettingError as error:
            checks.append(_check(provider_id, Verdict.MISCONFIGURED, error))
            continue
        try:
            checks.extend(provider.diagnose(public_url))
        finally:
            provider.close()
    for name, notifier_class in sorted(runtime.plugins.notifiers.items()):
        try:
            notifier = notifier_class.from_settings(runtime.settings)
        except SettingError as error:
            checks.append(_check(f"{name} notifications", Verdict.MISCONFIGURED, error))
            continue
        if notifier is None:
            checks.append(_check(f"{name} notifications", Verdict.SKIPPED, "not configured"))
            continue
        try:
            checks.append(notifier.diagnose())
        finally:
            notifier.close()
    checks.extend(_evidence_source_checks(runtime))
    return checks


def exit_code(checks: Iterable[Check]) -> int:
    """2 when a setting is wrong, else 1 when anything failed, else 0."""
    verdicts = {check.verdict for check in checks}
    if Verdict.MISCONFIGURED in verdicts:
        return EXIT_MISCONFIGURED
    if Verdict.FAILED in verdicts:
        return EXIT_FAILED
    return EXIT_OK


def settings_check(runtime: Runtime) -> Check:
    settings = runtime.settings
    source = f"file {settings.config_file}" if settings.config_file else "environment only"
    return _check("settings", Verdict.OK, f"{source}; data folder {settings.data_dir}")


def database_check(runtime: Runtime) -> Check:
    name = "database"
    try:
        database = runtime.database
        where = database.url.render_as_string(hide_password=True)
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision(database)
    except SettingError as error:
        return _check(name, Verdict.MISCONFIGURED, error)
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        detail = one_line((str(cause).strip().splitlines() or [type(cause).__name__])[0])
        # The server answered and refused what the settings name (database, role, password).
        verdict = Verdict.MISCONFIGURED if "FATAL:" in detail else Verdict.FAILED
        return _check(name, verdict, f"cannot be used: {detail}")
    head = head_revision()
    if current is None:
        return _check(name, Verdict.FAILED, f"{where} has no schema yet: run disputes db upgrade")
    if current != head:
        return _check(
            name,
            Verdict.FAILED,
            f"{where} is at migration {current}, the code at {head}: run disputes db upgrade",
        )
    return _check(name, Verdict.OK, f"{where}, schema at {head}")


def storage_check(runtime: Runtime) -> Check:
    name = "storage"
    probe = f"{secrets.token_hex(32)}.pdf"  # shaped like an evidence object's name
    try:
        storage = runtime.storage
    except (SettingError, NotConfigured) as error:
        return _check(name, Verdict.MISCONFIGURED, error)
    try:
        storage.put(probe, PROBE, "application/pdf")
        read_back = storage.get(probe)
    except (DisputeEngineError, OSError) as error:
        return _check(name, Verdict.FAILED, f"{runtime.settings.storage_url}: {error}")
    if read_back != PROBE:
        return _check(name, Verdict.FAILED, "a probe object read back different bytes")
    try:
        storage.delete(probe)
    except NotImplementedError:
        return _check(name, Verdict.OK, f"written and read; the probe {probe} stays (no delete)")
    except (DisputeEngineError, OSError) as error:
        return _check(name, Verdict.FAILED, f"written and read, but not deleted: {error}")
    return _check(name, Verdict.OK, f"{runtime.settings.storage_url}: written, read, deleted")


def _evidence_source_checks(runtime: Runtime) -> list[Check]:
    """A row for each source configured in an ``[evidence_sources.NAME]`` table, and for any
    source whose settings are wrong. Sources without settings of their own (a processor's facts)
    are not listed."""
    checks = []
    for name, source_class in sorted(runtime.plugins.evidence_sources.items()):
        try:
            source = source_class.from_settings(runtime.settings)
        except (SettingError, NotConfigured) as error:
            checks.append(_check(f"{name} evidence", Verdict.MISCONFIGURED, error))
            continue
        if source is not None and runtime.settings.section("evidence_sources", name):
            checks.append(_check(f"{name} evidence", Verdict.OK, "settings read"))
    return checks


def _check(name: str, verdict: Verdict, detail: object) -> Check:
    return Check(name=name, verdict=verdict, detail=one_line(detail))
