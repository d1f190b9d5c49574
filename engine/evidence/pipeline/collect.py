"""Running every evidence source for one dispute: each in its own thread, under its own timeout.

A source that raises or overruns is recorded and the others go on — a broken CRM plugin must not
cost the merchant the dispute. Provider sources (``EvidenceSource.provider``) run first; their
facts are handed to the others as ``provider_facts``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.disputes.model import DisputeState
from engine.evidence.model import EvidenceText
from engine.evidence.visa_ce3.model import Eligibility, PaymentRecord
from engine.plugins.sources import (
    Attachment,
    Contribution,
    EvidenceContext,
    EvidenceSource,
    Section,
)
from engine.settings import Settings

log = logging.getLogger("disputes.evidence")

MAX_ERROR_CHARS = 500


@dataclass
class SourceReport:
    """What one source did, as recorded on the evidence version."""

    state: str
    """``ok``, ``failed`` (raised), ``timeout`` or ``off`` (its settings leave it off)."""
    seconds: float = 0.0
    error: str | None = None
    contribution: Contribution | None = None

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"state": self.state, "seconds": round(self.seconds, 3)}
        if self.error:
            record["error"] = self.error
        if self.contribution is not None:
            contribution = self.contribution
            record["texts"] = [item.field.value for item in contribution.texts]
            record["facts"] = sorted(contribution.facts)
            record["sections"] = [section.title for section in contribution.sections]
            if contribution.payments:
                record["payments"] = len(contribution.payments)
            record["attachments"] = [
                {"name": item.name, "mime": item.mime, "provenance": item.provenance}
                for item in contribution.attachments
            ]
        return record


@dataclass
class Collected:
    """Every contribution, merged in run order (provider sources first)."""

    reports: dict[str, SourceReport] = field(default_factory=dict)
    texts: list[EvidenceText] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    origins: list[tuple[str, int]] = field(default_factory=list)
    """For each attachment: the source that gave it and its index in that source's record."""
    conflicts: list[str] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    visa_ce3: Eligibility | None = None

    def merge(self, name: str, contribution: Contribution) -> None:
        seen = {item.field for item in self.texts}
        for item in contribution.texts:
            if item.field in seen:
                self.conflicts.append(f"{name}: {item.field.value} was already given")
                continue
            self.texts.append(item)
            seen.add(item.field)
        for key, value in contribution.facts.items():
            # The first word on a fact stands: provider facts run first and are authoritative.
            self.facts.setdefault(key, value)
        self.sections.extend(contribution.sections)
        self.attachments.extend(contribution.attachments)
        self.origins.extend((name, index) for index in range(len(contribution.attachments)))
        self.payments.extend(contribution.payments)
        if self.visa_ce3 is None:
            self.visa_ce3 = contribution.visa_ce3


def build_sources(
    classes: dict[str, type[EvidenceSource]], settings: Settings
) -> tuple[list[EvidenceSource], dict[str, SourceReport]]:
    """Construct every installed source; a constructor that raises counts as a failed source."""
    built: list[EvidenceSource] = []
    reports: dict[str, SourceReport] = {}
    for name, source_class in sorted(classes.items()):
        try:
            source = source_class.from_settings(settings)
        except Exception as error:  # noqa: BLE001 - a plugin's bug is recorded, not fatal
            reports[name] = SourceReport("failed", error=_describe(error))
            log.warning("evidence source %s cannot start: %s", name, error)
            continue
        if source is None:
            reports[name] = SourceReport("off")
        else:
            built.append(source)
    return built, reports


def collect(sources: Sequence[EvidenceSource], dispute: DisputeState, work_dir: Path) -> Collected:
    collected = Collected()
    own = [s for s in sources if s.provider == dispute.provider]
    others = [s for s in sources if s.provider is None]
    for phase in (own, others):
        context_facts = dict(collected.facts)
        results = _run_concurrently(phase, dispute, context_facts, work_dir)
        for source in phase:
            report = results[source.name]
            collected.reports[source.name] = report
            if report.contribution is not None:
                collected.merge(source.name, report.contribution)
    return collected


def _run_concurrently(
    sources: Sequence[EvidenceSource],
    dispute: DisputeState,
    provider_facts: dict[str, str],
    work_dir: Path,
) -> dict[str, SourceReport]:
    runs: list[tuple[EvidenceSource, _Run]] = []
    for source in sources:
        scratch = work_dir / f"source-{source.name}"
        scratch.mkdir(parents=True, exist_ok=True)
        context = EvidenceContext(
            dispute=dispute, provider_facts=dict(provider_facts), work_dir=str(scratch)
        )
        run = _Run(source, context)
        run.thread.start()
        runs.append((source, run))
    reports = {}
    for source, run in runs:
        remaining = max(0.0, run.started + source.timeout_seconds - time.monotonic())
        run.done.wait(remaining)
        reports[source.name] = run.report(source.timeout_seconds)
    return reports


class _Run:
    """One source in a daemon thread: a source stuck past its timeout is abandoned, and being a
    daemon it cannot keep the process from exiting."""

    def __init__(self, source: EvidenceSource, context: EvidenceContext) -> None:
        self.source = source
        self.context = context
        self.done = threading.Event()
        self.started = time.monotonic()
        self.finished = 0.0
        self.contribution: Contribution | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, name=f"evidence-source-{source.name}", daemon=True
        )

    def _run(self) -> None:
        try:
            contribution = self.source.contribute(self.context)
            if not isinstance(contribution, Contribution):
                raise TypeError(f"contribute() returned {type(contribution).__name__}")
            self.contribution = contribution
        except BaseException as error:  # noqa: BLE001 - recorded; the other sources go on
            self.error = error
        finally:
            self.finished = time.monotonic()
            self.done.set()

    def report(self, timeout: float) -> SourceReport:
        if not self.done.is_set():
            log.warning("evidence source %s timed out after %ss", self.source.name, timeout)
            return SourceReport("timeout", seconds=timeout, error=f"no answer within {timeout}s")
        seconds = self.finished - self.started
        if self.error is not None:
            log.warning("evidence source %s failed: %s", self.source.name, self.error)
            return SourceReport("failed", seconds=seconds, error=_describe(self.error))
        return SourceReport("ok", seconds=seconds, contribution=self.contribution)


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text[:MAX_ERROR_CHARS]
