"""A file link whose signature is not ASCII is a wrong signature (404), never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.runtime import Runtime
from engine.storage.names import object_name
from engine.storage.signing import file_link_query, verify_file_link
from tests.web.conftest import Client


def test_a_non_ascii_signature_on_a_file_link_is_a_404(client: Client, runtime: Runtime) -> None:
    name = object_name(runtime.settings.secret_key, "acme", "dp_1", "receipt", 1, "pdf")
    query = file_link_query(runtime.settings.secret_key, name, 60)
    query["signature"] = "\u00e9" * 64
    assert client.get(f"/files/{name}", params=query).status_code == 404


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(signature=st.text(max_size=80))
def test_no_signature_text_makes_verification_raise(signature: str) -> None:
    name = object_name("k" * 32, "acme", "dp_1", "receipt", 1, "pdf")
    assert verify_file_link("k" * 32, name, 2**40, signature, now=0) is False
