"""The built-in notifier plugin: registers the Telegram channel."""

from __future__ import annotations

from engine import hookimpl
from engine.notifications.telegram import TelegramNotifier
from engine.plugins.registry import NotifierRegister


@hookimpl
def register_notifiers(register: NotifierRegister) -> None:
    register(TelegramNotifier)
