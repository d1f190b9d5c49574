"""Shared test set-up. The engine's own fixtures come from ``engine.testing`` (a pytest11
plugin, loaded because the project is installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """Sample webhook bodies from the processors' documentation (copied from shared/)."""
    return FIXTURES
