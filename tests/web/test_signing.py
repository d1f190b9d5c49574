"""Signed tokens and the key-stripping redirect hold for every input (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from web.auth import Auth, url_without_key
from web.signing import Signer

SECRET = "s" * 40
signer = Signer(SECRET)
texts = st.text(min_size=0, max_size=200)


@given(value=texts, purpose=st.sampled_from(["session", "evidence-file", "csrf"]))
def test_a_signed_value_reads_back_only_for_its_own_purpose(value: str, purpose: str) -> None:
    token = signer.sign(purpose, value, 60)
    assert signer.unsign(purpose, token) == value
    assert signer.unsign(purpose + "x", token) is None
    assert Signer("t" * 40).unsign(purpose, token) is None


@given(value=texts, position=st.integers(min_value=0), replacement=st.characters())
def test_any_change_to_a_token_is_refused(value: str, position: int, replacement: str) -> None:
    token = signer.sign("p", value, 60)
    index = position % len(token)
    if token[index] == replacement:
        return
    tampered = token[:index] + replacement + token[index + 1 :]
    assert signer.unsign("p", tampered) is None


@given(value=texts, age=st.integers(min_value=61, max_value=10**8))
def test_an_expired_token_is_refused(value: str, age: int) -> None:
    token = signer.sign("p", value, 60, now=1_000_000.0)
    assert signer.unsign("p", token, now=1_000_000.0 + age) is None


@given(
    query=st.lists(
        st.tuples(st.sampled_from(["key", "status", "cursor", "KEY"]), texts), max_size=6
    )
)
def test_the_redirect_after_the_key_exchange_never_carries_the_key(
    query: list[tuple[str, str]],
) -> None:
    from urllib.parse import parse_qsl, urlsplit

    target = url_without_key("/disputes", query)
    kept = parse_qsl(urlsplit(target).query, keep_blank_values=True)
    assert "key" not in {name for name, _ in kept}
    assert kept == [(n, v) for n, v in query if n != "key"]
    assert target.startswith("/disputes")


@given(candidate=texts)
def test_only_the_key_itself_matches(candidate: str) -> None:
    auth = Auth(SECRET, "the-dashboard-key-123")
    assert auth.key_matches(candidate) == (candidate == "the-dashboard-key-123")
    assert Auth(SECRET, None).key_matches(candidate) is False


@given(token=texts)
def test_any_csrf_token_but_the_sessions_own_is_refused(token: str) -> None:
    auth = Auth(SECRET, "the-dashboard-key-123")
    assert auth.csrf_ok("session-1", token) == (token == auth.csrf_token("session-1"))
