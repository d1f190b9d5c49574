"""Shared test set-up. The engine's own fixtures come from ``engine.testing`` (a pytest11
plugin, loaded because the project is installed)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from emulators.telegram import TelegramEmulator

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """Sample webhook bodies from the processors' documentation (copied from shared/)."""
    return FIXTURES


# A shared, noisy 2-core machine: per-example deadlines would make property tests flaky.
hypothesis_settings.register_profile("disputes", deadline=None, print_blob=True)
hypothesis_settings.load_profile("disputes")


TELEGRAM_TOKEN = "123456:test-bot-token"
TELEGRAM_CHAT = "4242"


@pytest.fixture
def telegram() -> Iterator[TelegramEmulator]:
    """The Telegram Bot API emulator on a free loopback port (token and chat above)."""
    with TelegramEmulator(tokens={TELEGRAM_TOKEN}, chats={TELEGRAM_CHAT}) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """A test that runs ``disputes`` in-process configures logging (web.logs) for the whole
    process: its handler, levels and secrets are put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            logger.setLevel(levels.get(name, logging.NOTSET))
