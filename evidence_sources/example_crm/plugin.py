"""The plugin module: what the ``disputes`` entry point names."""

from __future__ import annotations

from engine import hookimpl
from engine.plugins.registry import EvidenceSourceRegister
from evidence_sources.example_crm.source import ExampleCrmSource


@hookimpl
def register_evidence_sources(register: EvidenceSourceRegister) -> None:
    register(ExampleCrmSource)
