"""Running sources: order, isolation and what gets recorded."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from engine.evidence.model import EvidenceText, TextField
from engine.evidence.pipeline.collect import build_sources, collect
from engine.plugins.sources import Contribution, EvidenceContext, EvidenceSource
from engine.settings import Settings
from engine.testing import MakeSettings, make_dispute_state


class _Simple(EvidenceSource):
    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceSource | None:
        return cls()

    def contribute(self, context: EvidenceContext) -> Contribution:
        return Contribution()


class OtherProviderFacts(_Simple):
    name = "otherpay_facts"
    provider: ClassVar[str | None] = "otherpay"

    def contribute(self, context: EvidenceContext) -> Contribution:
        raise AssertionError("must not run for a testpay dispute")


class WrongType(_Simple):
    name = "wrong_type"

    def contribute(self, context: EvidenceContext) -> Contribution:
        return {"facts": {}}  # type: ignore[return-value]


class First(_Simple):
    name = "first"

    def contribute(self, context: EvidenceContext) -> Contribution:
        return Contribution(
            texts=(EvidenceText(TextField.PRODUCT_DESCRIPTION, "from first"),),
            facts={"product": "first"},
        )


class Second(_Simple):
    name = "second"

    def contribute(self, context: EvidenceContext) -> Contribution:
        return Contribution(
            texts=(EvidenceText(TextField.PRODUCT_DESCRIPTION, "from second"),),
            facts={"product": "second", "plan": "Pro"},
        )


class Slow(_Simple):
    name = "slow"
    timeout_seconds = 0.3

    def contribute(self, context: EvidenceContext) -> Contribution:
        time.sleep(3)
        return Contribution()


class Unbuildable(_Simple):
    name = "unbuildable"

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceSource | None:
        raise ValueError("missing [evidence_sources.unbuildable] token")


def test_sources_are_isolated_and_recorded(tmp_path: Path, make_settings: MakeSettings) -> None:
    classes: dict[str, type[EvidenceSource]] = {
        cls.name: cls for cls in (OtherProviderFacts, WrongType, First, Second, Slow, Unbuildable)
    }
    sources, reports = build_sources(classes, make_settings())
    started = time.monotonic()

    collected = collect(sources, make_dispute_state(), tmp_path)

    assert time.monotonic() - started < 2  # sources run side by side; the slow one is abandoned
    assert reports["unbuildable"].state == "failed"
    assert "missing [evidence_sources.unbuildable] token" in (reports["unbuildable"].error or "")
    assert "otherpay_facts" not in collected.reports
    assert collected.reports["wrong_type"].state == "failed"
    assert "returned dict" in (collected.reports["wrong_type"].error or "")
    assert collected.reports["slow"].state == "timeout"
    # the first word stands (sources run in name order), and the clash is recorded
    assert [item.text for item in collected.texts] == ["from first"]
    assert collected.facts == {"product": "first", "plan": "Pro"}
    assert collected.conflicts == ["second: product_description was already given"]
    # every source had its own scratch directory
    assert (tmp_path / "source-first").is_dir()
