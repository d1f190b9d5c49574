"""Telegram through the Bot API's ``sendMessage``.

Settings: ``DISPUTES_TELEGRAM_BOT_TOKEN`` and ``DISPUTES_TELEGRAM_CHAT_ID`` (both, or neither:
then the channel is off), ``DISPUTES_TELEGRAM_API_BASE`` (``https://api.telegram.org``).
The bot token is part of every URL, so no error message here ever includes a URL.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from msgspec import Meta

from engine.errors import NotConfigured, ProviderRejected, ProviderUnavailable
from engine.notifications.messages import render
from engine.notifications.notifier import Notification, Notifier, NotifierThrottled
from engine.plugins.settings import HttpUrl, PluginSettings, decode_settings
from engine.settings import Settings

DEFAULT_API_BASE = "https://api.telegram.org"
MAX_TEXT = 4096
"""Telegram refuses longer messages."""


class TelegramSettings(PluginSettings, frozen=True, kw_only=True):
    """``DISPUTES_TELEGRAM_*``."""

    bot_token: Annotated[
        str,
        Meta(
            pattern=r"^[^:\s/]+:[^\s/]+$",
            description="does not look like a bot token (123456:ABC…)",
        ),
    ]
    chat_id: str
    api_base: HttpUrl = DEFAULT_API_BASE


class TelegramNotifier(Notifier):
    name = "telegram"

    def __init__(self, token: str, chat_id: str, api_base: str = DEFAULT_API_BASE) -> None:
        self._token = token
        self._chat_id = chat_id
        self._client = httpx.Client(base_url=api_base.rstrip("/"), timeout=15.0)

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramNotifier | None:
        try:
            typed = decode_settings(settings, TelegramSettings, "TELEGRAM", display_name="Telegram")
        except NotConfigured:
            return None  # no token and no chat: notifications are off
        return cls(typed.bot_token, typed.chat_id, typed.api_base)

    def send(self, notification: Notification) -> None:
        text = render(notification)
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        payload = {
            "chat_id": self._chat_id,
            "text": text,
            "link_preview_options": {"is_disabled": True},
        }
        try:
            response = self._client.post(f"/bot{self._token}/sendMessage", json=payload)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Telegram unreachable: {type(error).__name__}") from None
        answer = _json(response)
        if response.status_code == 200 and answer.get("ok") is True:
            return
        description = str(answer.get("description") or f"HTTP {response.status_code}")
        if response.status_code == 429:
            parameters = answer.get("parameters")
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            raise NotifierThrottled(
                f"Telegram: {description}",
                retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
            )
        if response.status_code >= 500:
            raise ProviderUnavailable(f"Telegram: {description}")
        raise ProviderRejected(f"Telegram: {description}", code=str(response.status_code))

    def close(self) -> None:
        self._client.close()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        decoded = response.json()
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
