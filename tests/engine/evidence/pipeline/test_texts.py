"""Text fields are fitted to the provider's rules before validation, for any input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.evidence.model import (
    EvidencePacket,
    EvidenceRules,
    EvidenceText,
    TextField,
    validate_packet,
)
from engine.evidence.pipeline.texts import plan_texts
from engine.plugins.sources import Section

LONG = frozenset(
    {
        TextField.UNCATEGORIZED_TEXT,
        TextField.ACCESS_ACTIVITY_LOG,
        TextField.PRODUCT_DESCRIPTION,
        TextField.REFUND_POLICY_DISCLOSURE,
    }
)


def rules(long_limit: int, short_limit: int, total: int) -> EvidenceRules:
    return EvidenceRules(
        text_fields=frozenset(TextField) - {TextField.SHIPPING_CARRIER},
        file_fields=frozenset(),
        long_text_limit=long_limit,
        long_text_fields=LONG,
        short_text_limit=short_limit,
        total_text_limit=total,
    )


@given(
    given_texts=st.dictionaries(
        st.sampled_from(list(TextField)), st.text(max_size=400), max_size=8
    ),
    facts=st.dictionaries(
        st.sampled_from(["customer_name", "customer_email", "product", "billing_address"]),
        st.text(min_size=1, max_size=300),
    ),
    rows=st.integers(min_value=0, max_value=40),
    long_limit=st.integers(min_value=1, max_value=500),
    short_limit=st.integers(min_value=1, max_value=100),
    total=st.integers(min_value=0, max_value=1_500),
)
def test_planned_texts_always_validate(
    given_texts: dict[TextField, str],
    facts: dict[str, str],
    rows: int,
    long_limit: int,
    short_limit: int,
    total: int,
) -> None:
    sections = [
        Section(
            title="Activity", rows=(("when", "ip"), *((f"t{i}", "1.2.3.4") for i in range(rows)))
        )
    ]
    rule = rules(long_limit, short_limit, total)

    plan = plan_texts(
        [EvidenceText(f, t) for f, t in given_texts.items()],
        facts,
        sections,
        {TextField.UNCATEGORIZED_TEXT: "summary"},
        rule,
    )

    assert validate_packet(EvidencePacket(texts=tuple(plan.texts)), rule, {}) == []


def test_sources_win_over_facts_and_unaccepted_fields_are_reported() -> None:
    plan = plan_texts(
        [
            EvidenceText(TextField.CUSTOMER_NAME, "From a source"),
            EvidenceText(TextField.SHIPPING_CARRIER, "Post"),
        ],
        {"customer_name": "From facts", "product": "Design Pro"},
        [Section(title="Login activity", rows=(("when", "ip"), ("2026-01-01", "203.0.113.7")))],
        {TextField.UNCATEGORIZED_TEXT: "cover note"},
        rules(20_000, 5_000, 150_000),
    )

    texts = {item.field: item.text for item in plan.texts}
    assert texts[TextField.CUSTOMER_NAME] == "From a source"
    assert texts[TextField.PRODUCT_DESCRIPTION] == "Design Pro"
    assert (
        texts[TextField.ACCESS_ACTIVITY_LOG] == "Login activity\nwhen: 2026-01-01; ip: 203.0.113.7"
    )
    assert texts[TextField.UNCATEGORIZED_TEXT] == "cover note"
    assert plan.dropped == ["shipping_carrier"]


def test_an_over_long_field_is_cut_with_a_marker() -> None:
    plan = plan_texts(
        [EvidenceText(TextField.UNCATEGORIZED_TEXT, "z" * 50)], {}, [], {}, rules(20, 10, 1000)
    )
    (item,) = plan.texts
    assert len(item.text) == 20
    assert item.text.endswith("[…]")
    assert plan.cut == ["uncategorized_text"]


def test_the_sellers_product_description_fills_in_only_where_nothing_better_was_given() -> None:
    rule = rules(20_000, 5_000, 150_000)
    seller = "Acme (acme.example): logo design subscriptions"

    plan = plan_texts([], {}, [], {}, rule, seller_product=seller)
    assert [(t.field, t.text) for t in plan.texts] == [(TextField.PRODUCT_DESCRIPTION, seller)]
    from_facts = plan_texts([], {"product": "Design Pro (yearly)"}, [], {}, rule, seller)
    assert [t.text for t in from_facts.texts] == ["Design Pro (yearly)"]
    assert plan_texts([], {}, [], {}, rule, seller_product="  ").texts == []
