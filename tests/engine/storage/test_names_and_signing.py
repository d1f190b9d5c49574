"""Object names are HMACs (unguessable, stable); file links are signed and expire."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.storage.names import is_object_name, object_name
from engine.storage.signing import file_link_query, sign_file_link, verify_file_link

SECRET = "s" * 48


def test_the_same_document_always_gets_the_same_name() -> None:
    first = object_name(SECRET, "stripe", "dp_1", "receipt", 2, "pdf")
    assert first == object_name(SECRET, "stripe", "dp_1", "receipt", 2, "pdf")
    assert is_object_name(first)
    assert "dp_1" not in first


def test_names_depend_on_the_secret_and_every_part() -> None:
    base = object_name(SECRET, "stripe", "dp_1", "receipt", 2, "pdf")
    assert base != object_name("t" * 48, "stripe", "dp_1", "receipt", 2, "pdf")
    assert base != object_name(SECRET, "paystand", "dp_1", "receipt", 2, "pdf")
    assert base != object_name(SECRET, "stripe", "dp_2", "receipt", 2, "pdf")
    assert base != object_name(SECRET, "stripe", "dp_1", "service_documentation", 2, "pdf")
    assert base != object_name(SECRET, "stripe", "dp_1", "receipt", 3, "pdf")


@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_parts_cannot_be_shifted_into_a_collision(left: str, right: str) -> None:
    # ("a:b", "c") and ("a", "b:c") must not share a name
    joined = object_name(SECRET, "p", left + right, "receipt", 1, "pdf")
    split = object_name(SECRET, "p" + left, right, "receipt", 1, "pdf")
    assert joined != split


def test_names_with_paths_are_not_object_names() -> None:
    assert not is_object_name("../" + "a" * 64 + ".pdf")
    assert not is_object_name("a" * 64 + ".exe")
    assert not is_object_name("A" * 64 + ".pdf")


def test_a_signed_link_verifies_until_it_expires() -> None:
    name = object_name(SECRET, "stripe", "dp_1", "receipt", 1, "pdf")
    query = file_link_query(SECRET, name, 600, now=1_000_000)

    assert verify_file_link(SECRET, name, query["expires"], query["signature"], now=1_000_300)
    assert not verify_file_link(SECRET, name, query["expires"], query["signature"], now=1_000_601)


def test_a_tampered_link_is_refused() -> None:
    name = object_name(SECRET, "stripe", "dp_1", "receipt", 1, "pdf")
    other = object_name(SECRET, "stripe", "dp_2", "receipt", 1, "pdf")
    query = file_link_query(SECRET, name, 600, now=1_000_000)

    assert not verify_file_link(SECRET, other, query["expires"], query["signature"], now=1_000_000)
    later = str(int(query["expires"]) + 3600)
    assert not verify_file_link(SECRET, name, later, query["signature"], now=1_000_000)
    assert not verify_file_link("t" * 48, name, query["expires"], query["signature"], now=1_000_000)
    assert not verify_file_link(SECRET, name, "soon", query["signature"], now=1_000_000)
    assert not verify_file_link(
        SECRET,
        "../etc/passwd",
        query["expires"],
        sign_file_link(SECRET, "../etc/passwd", int(query["expires"])),
        now=1_000_000,
    )
