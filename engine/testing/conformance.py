"""The provider conformance suite: the contract of :class:`~engine.plugins.provider.DisputeProvider`
as tests every provider plugin runs — the built-in Stripe and Paystand plugins do
(``tests/providers/*/test_conformance.py``), and so should yours.

Subclass :class:`ProviderConformance` in your plugin's tests and give it two fixtures::

    class TestMyPayConformance(ProviderConformance):
        @pytest.fixture
        def provider(self, make_settings) -> DisputeProvider:
            # configured against your processor's sandbox or a local emulator
            return MyPayProvider.from_settings(make_settings(mypay_api_key="…"))

        @pytest.fixture
        def dispute_id(self, provider) -> str:
            # a dispute the processor knows (create one in the sandbox or the emulator)
            return "dp_…"

Each test states one promise the engine relies on: a forged or malformed webhook is rejected
(never raised, never stored), an unknown dispute raises ``DisputeUnknown``, a backfill is
stable (re-reading an unchanged dispute is a duplicate, not a change), the neutral submission
rules in the base class are kept (``super().submission_blocker``), and what a capability flag
denies raises ``NotImplementedError``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from engine.disputes.model import Described, DisputeEvent, Status
from engine.errors import DisputeUnknown, NotConfigured
from engine.evidence.model import EvidencePacket, FileField, TextField
from engine.plugins.manager import Plugins
from engine.plugins.provider import (
    Accepted,
    Capabilities,
    DisputeProvider,
    Ignored,
    Rejected,
    SubmissionRequest,
    UnreadableDispute,
    WebhookRequest,
)
from engine.settings import load_settings
from engine.testing import make_dispute_state

PROVIDER_ID = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
MALFORMED_BODIES = (b"", b"{", b"\xff\xfe", b"[]", b"null", b'{"id": 1}', b'{"type": null}')


def _request(body: bytes, path_params: dict[str, str] | None = None) -> WebhookRequest:
    return WebhookRequest(
        body=body,
        headers={"content-type": "application/json"},
        path_params=path_params or {"token": "forged-" + "x" * 40},
        received_at=datetime.now(UTC),
    )


class ProviderConformance:
    """The contract tests; override the ``provider`` and ``dispute_id`` fixtures."""

    @pytest.fixture
    def provider(self) -> DisputeProvider:
        raise NotImplementedError("override the provider fixture")

    @pytest.fixture
    def dispute_id(self, provider: DisputeProvider) -> str:
        raise NotImplementedError("override the dispute_id fixture: a dispute the processor knows")

    def test_it_names_itself_and_declares_its_capabilities(self, provider: DisputeProvider) -> None:
        assert PROVIDER_ID.match(provider.id), f"{provider.id!r}: lower case, used in URLs"
        assert provider.display_name.strip()
        assert isinstance(provider.capabilities, Capabilities)

    def test_it_loads_through_the_plugin_manager(self, provider: DisputeProvider) -> None:
        assert Plugins.load().providers.get(provider.id) is type(provider)

    def test_without_settings_it_says_which_to_set(
        self, provider: DisputeProvider, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        provider_class = type(provider)
        settings = load_settings({"DISPUTES_DATA_DIR": str(tmp_path_factory.mktemp("empty"))})
        with pytest.raises(NotConfigured, match="DISPUTES_"):
            provider_class.from_settings(settings)

    def test_a_forged_webhook_is_rejected_and_leaves_only_a_log_line(
        self, provider: DisputeProvider
    ) -> None:
        body = b'{"id": "evt_forged", "type": "charge.dispute.created", "object": "event"}'
        verdict = provider.handle_webhook(_request(body))
        assert isinstance(verdict, Rejected), verdict
        assert verdict.status_code in {400, 401, 403, 404}
        assert not verdict.store

    @pytest.mark.parametrize("body", MALFORMED_BODIES)
    def test_a_malformed_webhook_is_never_accepted_and_never_raises(
        self, provider: DisputeProvider, body: bytes
    ) -> None:
        verdict = provider.handle_webhook(_request(body))
        assert isinstance(verdict, Rejected | Ignored)
        assert not isinstance(verdict, Accepted)

    def test_a_known_dispute_reads_back_as_an_event_about_it(
        self, provider: DisputeProvider, dispute_id: str
    ) -> None:
        event = provider.fetch_dispute(dispute_id, None)
        assert isinstance(event, DisputeEvent)
        assert (event.provider, event.dispute_id) == (provider.id, dispute_id)
        assert isinstance(event, Described)
        # Reading it again unchanged is the same event: the book stores it once.
        assert provider.fetch_dispute(dispute_id, None).event_id == event.event_id

    def test_an_unknown_dispute_raises_dispute_unknown(self, provider: DisputeProvider) -> None:
        with pytest.raises(DisputeUnknown):
            provider.fetch_dispute("dp_conformance_never_created", None)

    def test_a_backfill_lists_the_dispute_with_stable_event_ids(
        self, provider: DisputeProvider, dispute_id: str
    ) -> None:
        if not provider.capabilities.supports_sync:
            pytest.skip(f"{provider.display_name} cannot list its disputes")
        first = list(provider.iter_disputes())
        assert all(isinstance(item, DisputeEvent | UnreadableDispute) for item in first)
        ids = {item.dispute_id: item for item in first if isinstance(item, DisputeEvent)}
        assert dispute_id in ids
        again = {
            item.dispute_id: item.event_id
            for item in provider.iter_disputes()
            if isinstance(item, DisputeEvent)
        }
        assert again[dispute_id] == ids[dispute_id].event_id
        # The sweep's listing of new disputes finds one opened in the last hour too.
        since = datetime.now(UTC) - timedelta(hours=1)
        recent = {
            item.dispute_id
            for item in provider.iter_disputes_since(since)
            if isinstance(item, DisputeEvent)
        }
        assert dispute_id in recent

    def test_the_neutral_submission_rules_hold(self, provider: DisputeProvider) -> None:
        now = datetime.now(UTC)
        closed = make_dispute_state(provider=provider.id, status=Status.WON)
        assert provider.submission_blocker(closed, now=now) is not None
        late = make_dispute_state(provider=provider.id, respond_by=now - timedelta(minutes=1))
        assert provider.submission_blocker(late, now=now) is not None
        at_deadline = make_dispute_state(provider=provider.id, respond_by=now)
        assert provider.submission_blocker(at_deadline, now=now) is not None

    def test_evidence_rules_name_only_neutral_fields(self, provider: DisputeProvider) -> None:
        rules = provider.evidence_rules
        assert rules.text_fields <= frozenset(TextField)
        assert rules.file_fields <= frozenset(FileField)

    def test_evidence_goes_through_the_api_exactly_when_the_capability_says(
        self, provider: DisputeProvider
    ) -> None:
        state = make_dispute_state(provider=provider.id)
        overridden = type(provider).submit_evidence is not DisputeProvider.submit_evidence
        assert overridden == provider.capabilities.supports_evidence_api
        if not provider.capabilities.supports_evidence_api:
            request = SubmissionRequest(
                dispute=state, packet=EvidencePacket(), evidence_version=1, idempotency_key="k"
            )
            with pytest.raises(NotImplementedError, match="no evidence API"):
                provider.submit_evidence(request)
            assert provider.submission_blocker(state, now=datetime.now(UTC)) is not None

    def test_accepting_goes_through_the_api_exactly_when_the_capability_says(
        self, provider: DisputeProvider
    ) -> None:
        overridden = type(provider).accept_dispute is not DisputeProvider.accept_dispute
        assert overridden == provider.capabilities.supports_accept
        if not provider.capabilities.supports_accept:
            with pytest.raises(NotImplementedError):
                provider.accept_dispute(make_dispute_state(provider=provider.id), "accept:k")
