"""The Paystand plugin runs the provider conformance suite, against the Paystand emulator."""

from __future__ import annotations

import pytest

from emulators.paystand import PaystandEmulator
from engine.plugins.provider import DisputeProvider
from engine.runtime import Runtime
from engine.testing.conformance import ProviderConformance


class TestPaystandConformance(ProviderConformance):
    @pytest.fixture
    def provider(self, runtime: Runtime) -> DisputeProvider:
        return runtime.provider("paystand")

    @pytest.fixture
    def dispute_id(self, emulator: PaystandEmulator) -> str:
        dispute, _ = emulator.state.create_dispute()
        return str(dispute["id"])
