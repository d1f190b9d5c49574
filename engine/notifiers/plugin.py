"""The built-in notifier plugin: registers the Telegram channel."""

from __future__ import annotations

from engine import hookimpl
from engine.notifiers.telegram import TelegramNotifier
from engine.registry import NotifierRegister


@hookimpl
def register_notifiers(register: NotifierRegister) -> None:
    register(TelegramNotifier)
