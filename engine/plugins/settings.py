"""Typed plugin settings: a plugin declares its settings as a msgspec ``Struct``; the engine
fills it and reports every problem in one format.

Each field ``name`` of a plugin's struct is read from ``DISPUTES_<PREFIX>_<NAME>`` — the
environment, or the same key in lower case at the top of the TOML file — where ``<PREFIX>`` is
the plugin's own (``STRIPE``, ``PAYSTAND``, ``TELEGRAM``). Values arrive as text and are
converted to the field's type (``int``, ``bool``, ``Decimal``…); constraints are declared with
``msgspec.Meta`` and its ``description`` says, in the words a person reads, what the value must
be::

    class TelegramSettings(PluginSettings, frozen=True, kw_only=True):
        bot_token: Annotated[str, Meta(pattern=BOT_TOKEN, description="must be a bot token")]
        chat_id: str
        api_base: HttpUrl = "https://api.telegram.org"

A plugin none of whose required settings is set is off: :class:`NotConfigured` names what to
set. Half a configuration is a mistake: :class:`SettingError` names the variable. A value is
never echoed back (it may be a secret).
"""

from __future__ import annotations

import re
from typing import Annotated, TypeVar

import msgspec
from msgspec import Meta

from engine.errors import NotConfigured, SettingError
from engine.settings import PREFIX, Settings

HttpUrl = Annotated[
    str, Meta(pattern=r"^https?://[^/\s]+(/\S*)?$", description="must be an http(s) URL")
]
"""An ``http://`` or ``https://`` URL (API bases, emulators)."""


class PluginSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Base for a plugin's settings struct."""


P = TypeVar("P", bound=PluginSettings)

_AT = re.compile(r" - at `\$\.(?P<field>\w+)`")


def variable_name(prefix: str, field: str) -> str:
    return f"{PREFIX}{prefix.upper()}_{field.upper()}"


def decode_settings(settings: Settings, struct: type[P], prefix: str, *, display_name: str) -> P:
    """``struct`` filled from the ``DISPUTES_<prefix>_*`` settings.

    Raises :class:`NotConfigured` when none of its required fields is set, and
    :class:`SettingError` naming the variable for a missing or malformed value.
    """
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    values = {
        field.name: value
        for field in info.fields
        if (value := settings.get(f"{prefix}_{field.name}")) is not None
    }
    required = [field.name for field in info.fields if field.required]
    if required and not any(name in values for name in required):
        names = ", ".join(variable_name(prefix, name) for name in required)
        raise NotConfigured(f"{display_name} is not configured: set {names}")
    for name in required:
        if name not in values:  # half a configuration is a mistake, not "off"
            raise SettingError(
                variable_name(prefix, name), f"is not set (other {display_name} settings are)"
            )
    try:
        return msgspec.convert(values, struct, strict=False)
    except msgspec.ValidationError as error:
        raise _setting_error(error, info, prefix, display_name) from None


def _setting_error(
    error: msgspec.ValidationError,
    info: msgspec.inspect.StructType,
    prefix: str,
    display_name: str,
) -> SettingError:
    text = str(error)
    where = _AT.search(text)
    if where is None:  # a rule across fields (``__post_init__``): its message names them
        return SettingError(f"{PREFIX}{prefix.upper()}", text)
    name = where.group("field")
    field = next(f for f in info.fields if f.name == name)
    return SettingError(variable_name(prefix, name), _must(field.type, text[: where.start()]))


def _must(field_type: msgspec.inspect.Type, fallback: str) -> str:
    """The field's own words (its ``Meta(description=…)``), else msgspec's."""
    for candidate in _types(field_type):
        if isinstance(candidate, msgspec.inspect.Metadata):
            description = getattr(candidate, "extra_json_schema", None) or {}
            if "description" in description:
                return str(description["description"])
    return fallback[0].lower() + fallback[1:] if fallback else "is not valid"


def _types(field_type: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    if isinstance(field_type, msgspec.inspect.UnionType):
        return [t for member in field_type.types for t in _types(member)]
    if isinstance(field_type, msgspec.inspect.Metadata):
        return [field_type, *_types(field_type.type)]
    return [field_type]
