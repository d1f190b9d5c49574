"""The evidence argues the dispute's own reason, in the field that reason's reviewer reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.disputes.model import Reason
from engine.evidence.model import (
    EvidencePacket,
    EvidenceRules,
    EvidenceText,
    FileField,
    TextField,
    validate_packet,
)
from engine.evidence.packet import facts as known
from engine.evidence.pipeline import Outcome, respond
from engine.evidence.pipeline.argument import compose_argument
from engine.evidence.pipeline.texts import plan_texts
from engine.plugins.sources import Section
from engine.testing import make_dispute_state
from engine.work.queue import WorkReason
from tests.engine.evidence.pipeline.conftest import RuntimeFactory
from tests.engine.evidence.pipeline.test_respond import seed
from tests.engine.evidence.pipeline.testpay import STRIPE_LIKE_RULES, ProcessorServer

EVERYTHING = EvidenceRules(text_fields=frozenset(TextField), file_fields=frozenset(FileField))
"""Paystand's rules: every field, no limits."""

FACTS = {
    known.CUSTOMER_NAME: "Jane Customer",
    known.CUSTOMER_EMAIL: "jane@example.com",
    known.BILLING_ADDRESS: "1 Main St\nSpringfield",
    known.CUSTOMER_PURCHASE_IP: "203.0.113.7",
    known.PRODUCT: "Design Pro",
    known.PURCHASED_AT: "2026-01-01 10:00",
    known.AMOUNT_CHARGED: "USD 49.00",
    known.TOTAL_AMOUNT_PAID: "USD 49.00",
}
ACTIVITY = Section(
    title="Login activity",
    rows=(
        ("when", "what"),
        ("2026-01-02T09:00:00", "login"),
        ("2025-12-31", "signup"),
        ("2026-03-01 18:30", "design"),
    ),
)
REFUND_POLICY = "Refunds within 14 days of purchase, before any design is generated."
CANCELLATION_POLICY = "Cancel any time before the next renewal; the current period is not refunded."
POLICIES = (
    EvidenceText(TextField.REFUND_POLICY_DISCLOSURE, REFUND_POLICY),
    EvidenceText(TextField.CANCELLATION_POLICY_DISCLOSURE, CANCELLATION_POLICY),
)


def argue(
    reason: str,
    facts: dict[str, str] | None = None,
    sections: tuple[Section, ...] = (ACTIVITY,),
    images: int = 3,
    given: tuple[EvidenceText, ...] = POLICIES,
    rules: EvidenceRules = STRIPE_LIKE_RULES,
    **dispute: object,
) -> dict[TextField, str]:
    """What the packet's text fields say, as the pipeline builds them."""
    state = make_dispute_state(reason=reason, **dispute)
    facts = dict(FACTS if facts is None else facts)
    argument = compose_argument(state, facts, sections, images, given, rules, documents=1)
    plan = plan_texts(given, facts, sections, argument, rules)
    return {item.field: item.text for item in plan.texts}


IDENTITY = (
    "The purchase was made under the customer's name Jane Customer, email address "
    "jane@example.com and billing address 1 Main St Springfield, from IP address 203.0.113.7."
)
USE = "The customer's activity log records 3 entries, from 2025-12-31 to 2026-03-01 18:30."
AFTER_PURCHASE = "2 of them are on or after the purchase."
DESIGNS = (
    "The customer generated 3 designs with the service; they are shown in the attached "
    "service documentation."
)


@pytest.mark.parametrize(
    ("reason", "field", "sentences"),
    [
        (Reason.FRAUDULENT, TextField.UNCATEGORIZED_TEXT, [IDENTITY, USE, AFTER_PURCHASE, DESIGNS]),
        (Reason.UNRECOGNIZED, TextField.UNCATEGORIZED_TEXT, [IDENTITY, USE, DESIGNS]),
        (
            Reason.PRODUCT_NOT_RECEIVED,
            TextField.UNCATEGORIZED_TEXT,
            ["The customer first used the service on 2025-12-31.", USE, DESIGNS],
        ),
        (
            Reason.PRODUCT_UNACCEPTABLE,
            TextField.REFUND_REFUSAL_EXPLANATION,
            [
                "disputed as a product that was unacceptable.",
                f"The merchant's refund policy reads: “{REFUND_POLICY}”.",
                "Under this policy, and because the customer received and used the service, "
                "no refund is owed.",
                USE,
                DESIGNS,
            ],
        ),
        (
            Reason.CREDIT_NOT_PROCESSED,
            TextField.REFUND_REFUSAL_EXPLANATION,
            [f"“{REFUND_POLICY}”", "no refund or credit is owed.", AFTER_PURCHASE],
        ),
        (
            Reason.SUBSCRIPTION_CANCELED,
            TextField.CANCELLATION_REBUTTAL,
            [f"The cancellation policy reads: “{CANCELLATION_POLICY}”.", USE, AFTER_PURCHASE],
        ),
        (
            Reason.DUPLICATE,
            TextField.DUPLICATE_CHARGE_EXPLANATION,
            ["disputed as a duplicate charge.", "The customer bought Design Pro on 2026-01-01"],
        ),
        (
            Reason.GENERAL,
            TextField.UNCATEGORIZED_TEXT,
            ["The customer bought Design Pro on 2026-01-01 10:00.", USE, DESIGNS],
        ),
    ],
)
def test_each_reason_is_argued_in_the_field_its_reviewer_reads(
    reason: Reason, field: TextField, sentences: list[str]
) -> None:
    # given a dispute with that reason, full facts, an activity log, designs and policies
    # when the packet's texts are planned
    texts = argue(reason)

    # then the reason's field carries the argument
    for sentence in sentences:
        assert sentence in texts[field], sentence
    # and the cover note opens with the dispute and still names the attachments and total paid
    cover = texts[TextField.UNCATEGORIZED_TEXT]
    assert cover.startswith("This evidence answers dispute dp_test_1 about payment ch_test_1")
    assert "The attached receipt records the purchase" in cover
    assert "1 document from the merchant's records" in cover
    assert "Total amount the customer paid: USD 49.00." in cover
    if field is not TextField.UNCATEGORIZED_TEXT:
        assert f"The {field.value.replace('_', ' ')} sets out the merchant's answer." in cover
    # and the activity log is attached as before
    assert texts[TextField.ACCESS_ACTIVITY_LOG].startswith("Login activity\n")


def test_product_not_received_dates_the_service_from_first_use_or_the_fact() -> None:
    from_activity = argue(Reason.PRODUCT_NOT_RECEIVED)
    from_fact = argue(Reason.PRODUCT_NOT_RECEIVED, {**FACTS, known.SERVICE_DATE: "2026-01-01"})

    assert from_activity[TextField.SERVICE_DATE] == "2025-12-31"
    assert from_fact[TextField.SERVICE_DATE] == "2026-01-01"
    assert (
        "The service was provided to the customer on 2026-01-01."
        in from_fact[TextField.UNCATEGORIZED_TEXT]
    )


def test_refund_and_cancellation_policies_reach_their_disclosure_fields() -> None:
    # given the policies only as sections of the service documentation (no source text)
    sections = (
        ACTIVITY,
        Section(title="Refund policy", paragraphs=(REFUND_POLICY, "Published at https://x.io")),
        Section(title="Cancellation policy", paragraphs=(CANCELLATION_POLICY,)),
    )

    refund = argue(Reason.PRODUCT_UNACCEPTABLE, sections=sections, given=())
    cancel = argue(Reason.SUBSCRIPTION_CANCELED, sections=sections, given=())

    assert refund[TextField.REFUND_POLICY_DISCLOSURE].startswith(REFUND_POLICY)
    assert REFUND_POLICY in refund[TextField.REFUND_REFUSAL_EXPLANATION]
    assert refund[TextField.PRODUCT_DESCRIPTION] == (
        "Design Pro (purchased 2026-01-01 10:00, for USD 49.00)."
    )
    assert cancel[TextField.CANCELLATION_POLICY_DISCLOSURE] == CANCELLATION_POLICY
    assert CANCELLATION_POLICY in cancel[TextField.CANCELLATION_REBUTTAL]


def test_a_fraud_claim_notes_use_after_the_dispute_was_opened() -> None:
    opened = datetime(2026, 2, 1, tzinfo=UTC)

    texts = argue(Reason.FRAUDULENT, created_at=opened)

    assert (
        "The customer was still using the service on 2026-03-01 18:30, after this dispute was "
        "opened on 2026-02-01." in texts[TextField.UNCATEGORIZED_TEXT]
    )


@pytest.mark.parametrize("reason", [*Reason, "bank_says_so"])
def test_a_missing_fact_drops_its_sentence(reason: str) -> None:
    # given a dispute with no payment id and no customer, and no facts, activity or designs
    texts = argue(
        reason,
        facts={},
        sections=(),
        images=0,
        given=(),
        payment_id=None,
        customer_name=None,
        customer_email=None,
    )

    # then only what the dispute itself says remains: no placeholders, no gaps
    for text in texts.values():
        assert "None" not in text
        assert "  " not in text
        assert all(line.strip() for line in text.splitlines())
        for missing in ("IP address", "activity log", "designs", "policy", "Total amount"):
            assert missing not in text
    assert texts[TextField.UNCATEGORIZED_TEXT].startswith(
        "This evidence answers dispute dp_test_1 about the payment of USD 798.29"
    )
    assert TextField.SERVICE_DATE not in texts
    assert TextField.PRODUCT_DESCRIPTION not in texts


@pytest.mark.parametrize("reason", [Reason.FRAUDULENT, Reason.UNRECOGNIZED])
def test_a_fraud_claim_cites_the_card_checks_and_3d_secure_only_when_reported(
    reason: Reason,
) -> None:
    checks = "address line 1: pass; postal code: pass; CVC: pass"
    verified = {
        **FACTS,
        known.CARD_CHECKS: checks,
        known.THREE_D_SECURE: "authenticated (version 2.2.0)",
    }

    texts = argue(reason, facts=verified)[TextField.UNCATEGORIZED_TEXT]

    assert f"At purchase the card issuer checked the card details given: {checks}." in texts
    assert "3-D Secure result at purchase: authenticated (version 2.2.0)." in texts
    # Without them, nothing is said about either.
    bare = argue(reason)[TextField.UNCATEGORIZED_TEXT]
    assert "card issuer" not in bare
    assert "3-D Secure" not in bare


def test_identity_names_only_what_is_known() -> None:
    texts = argue(Reason.FRAUDULENT, facts={known.CUSTOMER_PURCHASE_IP: "198.51.100.2"})

    assert (
        "The purchase was made from IP address 198.51.100.2."
        in (texts[TextField.UNCATEGORIZED_TEXT])
    )


def test_a_duplicate_is_called_separate_only_where_the_facts_differ() -> None:
    other = {known.DUPLICATE_CHARGE_ID: "ch_other", known.DUPLICATE_CHARGE_DATE: "2026-01-05"}
    same_amount = {**other, known.DUPLICATE_CHARGE_AMOUNT: "usd 49.00"}

    differing = argue(Reason.DUPLICATE, {**FACTS, **same_amount})
    unknown = argue(Reason.DUPLICATE, {**FACTS, known.DUPLICATE_CHARGE_ID: "ch_other"})
    nothing = argue(Reason.DUPLICATE)

    explanation = differing[TextField.DUPLICATE_CHARGE_EXPLANATION]
    assert (
        "This charge and the other charge ch_other are separate purchases: different dates "
        "(2026-01-01 10:00 and 2026-01-05)." in explanation
    )
    assert "amounts" not in explanation
    assert differing[TextField.DUPLICATE_CHARGE_ID] == "ch_other"
    assert "separate" not in unknown[TextField.DUPLICATE_CHARGE_EXPLANATION]
    assert "The other charge is ch_other." in unknown[TextField.DUPLICATE_CHARGE_EXPLANATION]
    assert "other charge" not in nothing[TextField.DUPLICATE_CHARGE_EXPLANATION]


@pytest.mark.parametrize(
    "field",
    [
        TextField.CANCELLATION_REBUTTAL,
        TextField.UNCATEGORIZED_TEXT,
        TextField.CANCELLATION_POLICY_DISCLOSURE,
    ],
)
def test_a_text_a_source_gave_wins_over_the_generated_one(field: TextField) -> None:
    texts = argue(
        Reason.SUBSCRIPTION_CANCELED, given=(EvidenceText(field, "The merchant's own words."),)
    )

    assert texts[field] == "The merchant's own words."


def test_a_provider_without_the_reasons_field_gets_the_rebuttal_in_uncategorized_text() -> None:
    # given a provider that takes no cancellation rebuttal
    rules = EvidenceRules(
        text_fields=frozenset(TextField) - {TextField.CANCELLATION_REBUTTAL},
        file_fields=frozenset(FileField),
    )

    texts = argue(Reason.SUBSCRIPTION_CANCELED, rules=rules)

    assert TextField.CANCELLATION_REBUTTAL not in texts
    cover = texts[TextField.UNCATEGORIZED_TEXT]
    assert f"The cancellation policy reads: “{CANCELLATION_POLICY}”." in cover
    assert AFTER_PURCHASE in cover
    assert "sets out the merchant's answer" not in cover
    assert "The attached receipt records the purchase" in cover


def test_the_documents_are_mentioned_only_when_the_provider_takes_them() -> None:
    rules = EvidenceRules(text_fields=frozenset(TextField), file_fields=frozenset())

    cover = argue(Reason.FRAUDULENT, rules=rules)[TextField.UNCATEGORIZED_TEXT]

    assert "attached" not in cover
    assert "The customer generated 3 designs with the service; they are kept with" in cover


def test_paystand_takes_every_field_so_every_reason_fills_its_own() -> None:
    for reason, field in [
        (Reason.CREDIT_NOT_PROCESSED, TextField.REFUND_REFUSAL_EXPLANATION),
        (Reason.SUBSCRIPTION_CANCELED, TextField.CANCELLATION_REBUTTAL),
        (Reason.DUPLICATE, TextField.DUPLICATE_CHARGE_EXPLANATION),
    ]:
        assert field in argue(reason, rules=EVERYTHING)


# Everything the sources and the processor might hand over, including hostile text.
_text = st.text(max_size=60).filter(lambda text: "None" not in text)
_huge = st.builds(lambda text, n: text * n, _text, st.integers(1, 2_000)).filter(
    lambda text: "None" not in text
)
_value = st.one_of(_text, _huge, st.sampled_from(["<script>alert(1)</script>", "\n\n", " "]))
_fact_names = st.sampled_from(
    [
        *sorted(known.KNOWN),
        known.DUPLICATE_CHARGE_ID,
        known.DUPLICATE_CHARGE_AMOUNT,
        known.DUPLICATE_CHARGE_DATE,
        known.DUPLICATE_CHARGE_PRODUCT,
        "anything_else",
    ]
)
_cell = st.one_of(_value, st.sampled_from(["2026-01-02", "2026-01-02T10:00:00+02:00", "x" * 40]))
_section = st.builds(
    lambda title, rows, paragraphs: Section(
        title=title, rows=tuple(tuple(row) for row in rows), paragraphs=tuple(paragraphs)
    ),
    st.sampled_from(["Activity", "Refund policy", "Cancellation policy", "Notes", ""]),
    st.lists(st.lists(_cell, max_size=4), max_size=6),
    st.lists(_value, max_size=3),
)
_limits = st.one_of(st.none(), st.integers(min_value=1, max_value=3_000))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    reason=st.one_of(st.sampled_from(list(Reason)), _text),
    facts=st.dictionaries(_fact_names, _value, max_size=10),
    sections=st.lists(_section, max_size=4),
    images=st.integers(min_value=0, max_value=500),
    given_texts=st.dictionaries(st.sampled_from(list(TextField)), _value, max_size=4),
    fields=st.sets(st.sampled_from(list(TextField))),
    files=st.sets(st.sampled_from(list(FileField))),
    long_limit=_limits,
    short_limit=_limits,
    total=_limits,
    payment_id=st.one_of(st.none(), _text),
)
def test_any_dispute_gets_texts_the_provider_takes_within_its_limits(
    reason: str,
    facts: dict[str, str],
    sections: list[Section],
    images: int,
    given_texts: dict[TextField, str],
    fields: set[TextField],
    files: set[FileField],
    long_limit: int | None,
    short_limit: int | None,
    total: int | None,
    payment_id: str | None,
) -> None:
    rules = EvidenceRules(
        text_fields=frozenset(fields),
        file_fields=frozenset(files),
        long_text_limit=long_limit,
        long_text_fields=frozenset(list(TextField)[::2]),
        short_text_limit=short_limit,
        total_text_limit=total,
    )
    contributed = [EvidenceText(field, text) for field, text in given_texts.items()]
    state = make_dispute_state(reason=reason, payment_id=payment_id)

    argument = compose_argument(state, facts, sections, images, contributed, rules)
    plan = plan_texts(contributed, facts, sections, argument, rules)

    assert set(argument) <= fields
    assert validate_packet(EvidencePacket(texts=tuple(plan.texts)), rules, {}) == []
    for text in argument.values():
        assert "None" not in text
        assert text.strip()


def test_a_refund_dispute_reaches_the_processor_with_its_refusal_explanation(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    # given a TestPay dispute for a product the customer found unacceptable, and the designs
    # (no refund policy, so in the default ``complete`` mode it would be held: this test is about
    # what reaches the processor, so the policy submits whatever is built)
    runtime = make_runtime(auto_submit="true")
    dispute_pk = seed(
        runtime, reason="product_unacceptable", provider_reason="product_unacceptable"
    )

    # when the worker responds
    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    # then the processor got the argument in the refund refusal explanation
    assert outcome.state == Outcome.SUBMITTED
    fields = processor.submissions[0]["fields"]
    explanation = fields["refund_refusal_explanation"]
    assert "disputed as a product that was unacceptable." in explanation
    assert "The customer bought Design Pro." in explanation
    assert "The customer's activity log records 1 entry, on 2026-01-02." in explanation
    assert "Because the customer received and used the service, no refund is owed." in explanation
    assert "The refund refusal explanation sets out" in fields["uncategorized_text"]
    assert "USD 1,234.56" in fields["uncategorized_text"]
