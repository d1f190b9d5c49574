"""Text can never go into a file-only field: the types refuse it, at run time as well."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.evidence.model import (
    EvidenceError,
    EvidenceFile,
    EvidencePacket,
    EvidenceRules,
    EvidenceText,
    FileField,
    TextField,
    validate_packet,
)


@pytest.mark.parametrize("field", list(FileField))
def test_text_cannot_be_given_for_a_file_field(field: FileField) -> None:
    with pytest.raises(EvidenceError, match="is not a text evidence field"):
        EvidenceText(field, "a receipt, in words")  # type: ignore[arg-type]


@pytest.mark.parametrize("field", list(TextField))
def test_a_file_cannot_be_given_for_a_text_field(field: TextField) -> None:
    with pytest.raises(EvidenceError, match="is not a file evidence field"):
        EvidenceFile(field, "/tmp/x.pdf", "application/pdf")  # type: ignore[arg-type]


def test_a_plain_string_is_not_a_field() -> None:
    with pytest.raises(EvidenceError):
        EvidenceText("receipt", "text")  # type: ignore[arg-type]
    with pytest.raises(EvidenceError, match="not PDF, JPEG or PNG"):
        EvidenceFile(FileField.RECEIPT, "/tmp/x.html", "text/html")


RULES = EvidenceRules(
    text_fields=frozenset({TextField.UNCATEGORIZED_TEXT, TextField.CUSTOMER_NAME}),
    file_fields=frozenset({FileField.RECEIPT}),
    long_text_limit=100,
    long_text_fields=frozenset({TextField.UNCATEGORIZED_TEXT}),
    short_text_limit=10,
    total_text_limit=105,
    file_size_limit=1_000,
    total_file_size_limit=1_000,
)


def test_validation_names_every_broken_rule() -> None:
    packet = EvidencePacket(
        texts=(
            EvidenceText(TextField.CUSTOMER_NAME, "x" * 11),
            EvidenceText(TextField.SHIPPING_CARRIER, "post"),
            EvidenceText(TextField.UNCATEGORIZED_TEXT, "y" * 100),
        ),
        files=(
            EvidenceFile(FileField.RECEIPT, "/r.pdf", "application/pdf"),
            EvidenceFile(FileField.SERVICE_DOCUMENTATION, "/s.pdf", "application/pdf"),
        ),
    )

    problems = [str(v) for v in validate_packet(packet, RULES, {"/r.pdf": 1_001, "/s.pdf": 5})]

    assert "customer_name: 11 characters, the limit is 10" in problems
    assert "shipping_carrier: not accepted by this provider" in problems
    assert "evidence: 115 characters in all text fields, the limit is 105" in problems
    assert "receipt: 1001 bytes, the limit is 1000" in problems
    assert "service_documentation: not accepted by this provider" in problems


@given(st.text(max_size=120))
def test_a_text_within_its_limit_passes(text: str) -> None:
    packet = EvidencePacket(texts=(EvidenceText(TextField.UNCATEGORIZED_TEXT, text),))
    violations = validate_packet(packet, RULES, {})
    assert (violations == []) == (len(text) <= 100)
