"""A Telegram Bot API emulator: a real HTTP server on loopback that records messages."""

from emulators.telegram.server import Fault, SentMessage, TelegramEmulator

__all__ = ["Fault", "SentMessage", "TelegramEmulator"]
