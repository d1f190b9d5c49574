"""Registers the built-in evidence sources through the same hook third-party ones use."""

from __future__ import annotations

from engine import hookimpl
from engine.plugins.registry import EvidenceSourceRegister
from evidence_sources.app_sql.source import AppSqlSource
from evidence_sources.policies import PoliciesSource


@hookimpl(trylast=True)
def register_evidence_sources(register: EvidenceSourceRegister) -> None:
    register(AppSqlSource)
    register(PoliciesSource)
