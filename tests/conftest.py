"""Shared test set-up. The engine's own fixtures come from ``engine.testing`` (a pytest11
plugin, loaded because the project is installed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulators.telegram import TelegramEmulator

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """Sample webhook bodies from the processors' documentation (copied from shared/)."""
    return FIXTURES


TELEGRAM_TOKEN = "123456:test-bot-token"
TELEGRAM_CHAT = "4242"


@pytest.fixture
def telegram() -> Iterator[TelegramEmulator]:
    """The Telegram Bot API emulator on a free loopback port (token and chat above)."""
    with TelegramEmulator(tokens={TELEGRAM_TOKEN}, chats={TELEGRAM_CHAT}) as emulator:
        yield emulator
