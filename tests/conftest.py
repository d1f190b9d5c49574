"""Shared test set-up. The engine's own fixtures come from ``engine.testing`` (a pytest11
plugin, loaded because the project is installed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """Sample webhook bodies from the processors' documentation (copied from shared/)."""
    return FIXTURES


# A shared, noisy 2-core machine: per-example deadlines would make property tests flaky.
hypothesis_settings.register_profile("disputes", deadline=None, print_blob=True)
hypothesis_settings.load_profile("disputes")
