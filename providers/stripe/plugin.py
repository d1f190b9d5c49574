"""The Stripe plugin's hook implementations (loaded by dotted path, like any plugin)."""

from __future__ import annotations

from engine import hookimpl
from engine.plugins.registry import EvidenceSourceRegister, ProviderRegister
from providers.stripe.facts import StripeFacts
from providers.stripe.provider import StripeProvider


@hookimpl
def register_providers(register: ProviderRegister) -> None:
    register(StripeProvider)


@hookimpl
def register_evidence_sources(register: EvidenceSourceRegister) -> None:
    register(StripeFacts)
