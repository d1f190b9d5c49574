"""Settings from the environment and an optional TOML file, validated once at start-up.

Environment variables win over the file. The file (``DISPUTES_CONFIG``, else ``./disputes.toml``
when it exists) holds the same keys in lower case without the prefix (``database_url = ...``) and
the plugin sections (``[evidence_sources.app_sql]``). A bad value raises
:class:`engine.errors.SettingError` naming the variable; the CLI prints that one line.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from engine.errors import SettingError
from engine.evidence.submit_policy.modes import AutoSubmit
from engine.merchant import MerchantIdentity, merchant_from_values

PREFIX = "DISPUTES_"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
MIN_SECRET_LENGTH = 32
MIN_DASHBOARD_KEY_LENGTH = 16
_STORAGE_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S*$")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    data_dir: Path
    storage_url: str
    s3_endpoint_url: str | None
    secret_key: str
    dashboard_key: str | None
    auto_submit: AutoSubmit
    # Dashboard for people (issue 13): the merchant's time zone for dates shown to people.
    timezone: ZoneInfo = ZoneInfo("UTC")
    values: Mapping[str, str]
    """Every ``DISPUTES_*`` value (without the prefix, upper case), file and environment merged."""
    sections: Mapping[str, Any]
    """The TOML file's tables, for plugin sections."""
    # Evidence that wins (#10): the seller's identity on every evidence document, and how
    # long before ``respond_by`` a held version goes out in ``complete`` mode (0 = never).
    merchant: MerchantIdentity = MerchantIdentity()
    submit_before_deadline_hours: int = 24
    accept_below: Decimal | None = None
    """Disputes for less than this (major units of their currency) are accepted on their own."""
    # Deadlines (#12): remind this many hours before ``respond_by``, largest first; () = never.
    remind_before_hours: tuple[int, ...] = (72, 24)
    # Never miss a dispute (#12): the worker re-reads every open dispute this often; 0 = never.
    reconcile_interval_seconds: int = 3600

    def get(self, name: str) -> str | None:
        """A plugin's setting by its name without prefix (``"STRIPE_API_KEY"``); blank is unset."""
        value = self.values.get(name.upper())
        return value if value else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise SettingError(PREFIX + name.upper(), "is not set")
        return value

    def section(self, *path: str) -> Mapping[str, Any]:
        """A TOML table such as ``section("evidence_sources", "app_sql")``; empty when absent."""
        node: Any = self.sections
        for key in path:
            node = node.get(key, {}) if isinstance(node, Mapping) else {}
        return node if isinstance(node, Mapping) else {}


def load_settings(
    environ: Mapping[str, str] | None = None, *, cwd: Path | None = None, create: bool = True
) -> Settings:
    """Read, merge and validate the settings.

    With ``create`` (the default for commands that run the engine) the data directory is made and
    a secret key is generated into it when none is configured.
    """
    env = os.environ if environ is None else environ
    base = cwd or Path.cwd()
    file_values, sections = _read_config_file(env, base)
    values = dict(file_values)
    values.update({k[len(PREFIX) :]: v for k, v in env.items() if k.startswith(PREFIX)})

    data_dir = _resolve(base, values.get("DATA_DIR") or "./data")
    if create:
        _make_dir(data_dir, "DISPUTES_DATA_DIR")
    database_url = values.get("DATABASE_URL") or f"sqlite:///{data_dir / 'disputes.db'}"
    _check_database_url(database_url)
    storage_url = values.get("STORAGE_URL") or (data_dir / "files").as_uri()
    _check_storage_url(storage_url)
    endpoint = values.get("S3_ENDPOINT_URL") or None
    if endpoint is not None:
        _check_http_url(endpoint, "DISPUTES_S3_ENDPOINT_URL")
    dashboard_key = values.get("DASHBOARD_KEY") or None
    if dashboard_key is not None and len(dashboard_key) < MIN_DASHBOARD_KEY_LENGTH:
        raise SettingError(
            "DISPUTES_DASHBOARD_KEY", f"must be at least {MIN_DASHBOARD_KEY_LENGTH} characters"
        )
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        storage_url=storage_url,
        s3_endpoint_url=endpoint,
        secret_key=_secret_key(values.get("SECRET_KEY"), data_dir, create),
        dashboard_key=dashboard_key,
        auto_submit=AutoSubmit.parse(values.get("AUTO_SUBMIT")),
        timezone=parse_timezone(values.get("TIMEZONE"), "DISPUTES_TIMEZONE"),
        values=values,
        sections=sections,
        # Evidence that wins (#10)
        merchant=merchant_from_values(values, _table(sections, "merchant"), base),
        submit_before_deadline_hours=parse_int(
            values.get("SUBMIT_BEFORE_DEADLINE_HOURS"),
            "DISPUTES_SUBMIT_BEFORE_DEADLINE_HOURS",
            default=24,
        ),
        accept_below=parse_amount(values.get("ACCEPT_BELOW"), "DISPUTES_ACCEPT_BELOW"),
        remind_before_hours=parse_hours_list(
            values.get("REMIND_BEFORE_HOURS"), "DISPUTES_REMIND_BEFORE_HOURS", default=(72, 24)
        ),
        reconcile_interval_seconds=parse_interval(
            values.get("RECONCILE_INTERVAL_SECONDS"), "DISPUTES_RECONCILE_INTERVAL_SECONDS"
        ),
    )


def _table(sections: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = sections.get(name, {})
    if not isinstance(table, Mapping):
        raise SettingError("DISPUTES_CONFIG", f"[{name}] must be a table")
    return table


def parse_bool(value: str | None, variable: str, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingError(variable, f"must be true or false, not {value!r}")


# Dashboard for people (issue 13): DISPUTES_TIMEZONE, an IANA name such as "Europe/Berlin".
def parse_timezone(value: str | None, variable: str) -> ZoneInfo:
    if value is None or value.strip() == "":
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        # ValueError: a path-like key ("../etc", "/abs"), which zoneinfo refuses outright.
        raise SettingError(
            variable, f"must be an IANA time zone such as Europe/Berlin, not {value!r}"
        ) from None


def parse_amount(value: str | None, variable: str) -> Decimal | None:
    """A positive amount in major units (``25.00``); blank or unset is ``None``."""
    if value is None or not value.strip():
        return None
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise SettingError(variable, f"must be an amount such as 25.00, not {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise SettingError(variable, f"must be an amount above zero, not {value!r}")
    return amount


def parse_int(value: str | None, variable: str, *, default: int, minimum: int = 0) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingError(variable, f"must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SettingError(variable, f"must be at least {minimum}")
    return number


MIN_RECONCILE_INTERVAL_SECONDS = 60


def parse_interval(value: str | None, variable: str, *, default: int = 3600) -> int:
    """Seconds between reconciliation sweeps: ``0`` (or ``off``) turns them off; anything else
    is at least a minute, since a sweep re-reads every open dispute from the processor."""
    if value is None or value.strip() == "":
        return default
    text = value.strip().lower()
    if text == "off":
        return 0
    if not text.isdigit():
        raise SettingError(variable, f"must be whole seconds (0 = off), not {value!r}")
    seconds = int(text)
    if 0 < seconds < MIN_RECONCILE_INTERVAL_SECONDS:
        raise SettingError(
            variable, f"must be 0 (off) or at least {MIN_RECONCILE_INTERVAL_SECONDS} seconds"
        )
    return seconds


def parse_hours_list(
    value: str | None, variable: str, *, default: tuple[int, ...]
) -> tuple[int, ...]:
    """A comma-separated list of positive whole hours (``"72,24"``), largest first and without
    repeats; ``"0"`` or ``"off"`` turns the feature off."""
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"0", "off", "none"}:
        return ()
    hours: set[int] = set()
    for part in value.split(","):
        text = part.strip()
        if not text.isdigit() or int(text) == 0:
            raise SettingError(
                variable, f"must be positive whole hours separated by commas, not {value!r}"
            )
        hours.add(int(text))
    return tuple(sorted(hours, reverse=True))


def _read_config_file(env: Mapping[str, str], base: Path) -> tuple[dict[str, str], dict[str, Any]]:
    named = env.get("DISPUTES_CONFIG")
    path = _resolve(base, named) if named else base / "disputes.toml"
    if not path.exists():
        if named:
            raise SettingError("DISPUTES_CONFIG", f"{path} does not exist")
        return {}, {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SettingError("DISPUTES_CONFIG", f"cannot read {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingError("DISPUTES_CONFIG", f"{path} is not valid TOML: {error}") from None
    values: dict[str, str] = {}
    sections: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            sections[key] = value
        elif isinstance(value, bool):
            values[key.upper()] = "true" if value else "false"
        elif isinstance(value, str | int):
            values[key.upper()] = str(value)
        else:
            raise SettingError(PREFIX + key.upper(), f"in {path} must be a string, not {value!r}")
    return values, sections


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _make_dir(path: Path, variable: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SettingError(variable, f"cannot create {path}: {error.strerror}") from None


def _check_database_url(url: str) -> None:
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme not in {"sqlite", "postgresql", "postgres"}:
        raise SettingError(
            "DISPUTES_DATABASE_URL", f"must be a sqlite:/// or postgresql:// URL, not {url!r}"
        )


def _check_storage_url(url: str) -> None:
    """Only the URL's form: which schemes exist is the storage registry's business (a plugin
    may add one), and each backend checks the rest of its own URL when it is opened."""
    if not _STORAGE_URL.match(url):
        raise SettingError(
            "DISPUTES_STORAGE_URL",
            f"must be a storage URL such as file:///path or s3://bucket/prefix, not {url!r}",
        )


def _check_http_url(url: str, variable: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingError(variable, f"must be an http(s) URL, not {url!r}")


def _secret_key(configured: str | None, data_dir: Path, create: bool) -> str:
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise SettingError(
                "DISPUTES_SECRET_KEY", f"must be at least {MIN_SECRET_LENGTH} characters"
            )
        return configured
    path = data_dir / "secret_key"
    if path.exists():
        try:
            stored = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise SettingError("DISPUTES_SECRET_KEY", f"cannot read {path}: {error}") from None
        if len(stored) < MIN_SECRET_LENGTH:
            raise SettingError("DISPUTES_SECRET_KEY", f"{path} holds a key that is too short")
        return stored
    if not create:
        raise SettingError("DISPUTES_SECRET_KEY", "is not set and none was generated yet")
    generated = secrets.token_urlsafe(48)
    # Written aside and linked into place: two processes starting at once agree on one key and
    # neither can read a half-written file.
    scratch = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(generated + "\n")
        os.link(scratch, path)
    except FileExistsError:
        return _secret_key(None, data_dir, create=False)
    except OSError as error:
        raise SettingError(
            "DISPUTES_SECRET_KEY", f"is not set and {path} cannot be written: {error.strerror}"
        ) from None
    finally:
        scratch.unlink(missing_ok=True)
    return generated
