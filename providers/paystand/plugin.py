"""The built-in Paystand plugin: the provider, and the evidence source with its own facts."""

from __future__ import annotations

from engine import hookimpl
from engine.plugins.registry import EvidenceSourceRegister, ProviderRegister
from providers.paystand.facts import PaystandFacts
from providers.paystand.provider import PaystandProvider


@hookimpl
def register_providers(register: ProviderRegister) -> None:
    register(PaystandProvider)


@hookimpl
def register_evidence_sources(register: EvidenceSourceRegister) -> None:
    register(PaystandFacts)
