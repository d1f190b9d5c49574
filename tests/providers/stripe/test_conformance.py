"""The Stripe plugin runs the provider conformance suite, against the Stripe emulator."""

from __future__ import annotations

import pytest

from emulators.stripe import StripeEmulator
from engine.plugins.provider import DisputeProvider
from engine.runtime import Runtime
from engine.testing.conformance import ProviderConformance


class TestStripeConformance(ProviderConformance):
    @pytest.fixture
    def provider(self, stripe_runtime: Runtime) -> DisputeProvider:
        return stripe_runtime.provider("stripe")

    @pytest.fixture
    def dispute_id(self, stripe_emulator: StripeEmulator) -> str:
        return str(stripe_emulator.state.add_dispute(emit=False)["id"])
