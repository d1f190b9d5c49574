"""The only module that imports ``stripe``: a narrow client for what the engine needs.

Everything leaves this module as plain dictionaries and engine errors, so the rest of the
package neither sees stripe-python's objects nor its exceptions. Retries are the SDK's own
(``max_network_retries``: connection errors, 409, 5xx, and whatever ``Stripe-Should-Retry``
allows, with exponential backoff); what still fails is reported as
:class:`ProviderUnavailable` (worth retrying later) or :class:`ProviderRejected` (not).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import stripe
from stripe.params import DisputeUpdateParamsEvidence

from engine.errors import DisputeUnknown, ProviderError, ProviderRejected, ProviderUnavailable

STRIPE_EVIDENCE_FIELDS = frozenset(DisputeUpdateParamsEvidence.__annotations__)
"""Evidence keys stripe-python knows, read from its own typed params."""

T = TypeVar("T")


class StripeApi:
    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        max_network_retries: int = 3,
        timeout_seconds: float = 30.0,
    ) -> None:
        base_addresses: dict[str, str] = {}
        if api_base is not None:
            # Files go to the files host, not the API host: point both at the override.
            base_addresses = {"api": api_base, "files": api_base}
        self._http = stripe.RequestsClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            api_key,
            max_network_retries=max_network_retries,
            base_addresses=base_addresses,  # type: ignore[arg-type]
            http_client=self._http,
        )

    def close(self) -> None:
        self._http.close()  # type: ignore[no-untyped-call]  # untyped in stripe-python

    # -- disputes --------------------------------------------------------------------------

    def list_disputes(
        self,
        *,
        limit: int,
        starting_after: str | None = None,
        account: str | None = None,
        created_gte: int | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """One page of disputes, newest first; ``created_gte`` (Unix seconds) keeps those
        opened at or after it (``created[gte]``)."""
        params: Any = {"limit": limit}
        if starting_after is not None:
            params["starting_after"] = starting_after
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        page = _call(
            lambda: self._client.v1.disputes.list(params=params, options=_options(account)),
            account,
        )
        return [item.to_dict() for item in page.data], bool(page.has_more)

    def retrieve_dispute(self, dispute_id: str, account: str | None) -> dict[str, Any]:
        return _call(
            lambda: self._client.v1.disputes.retrieve(dispute_id, options=_options(account)),
            account,
        ).to_dict()

    def update_dispute(
        self,
        dispute_id: str,
        *,
        evidence: dict[str, Any],
        submit: bool,
        account: str | None,
        idempotency_key: str,
    ) -> dict[str, Any]:
        params: Any = {"evidence": evidence, "submit": submit}
        return _call(
            lambda: self._client.v1.disputes.update(
                dispute_id, params=params, options=_options(account, idempotency_key)
            ),
            account,
        ).to_dict()

    def close_dispute(
        self, dispute_id: str, *, account: str | None, idempotency_key: str
    ) -> dict[str, Any]:
        return _call(
            lambda: self._client.v1.disputes.close(
                dispute_id, options=_options(account, idempotency_key)
            ),
            account,
        ).to_dict()

    # -- Connect -------------------------------------------------------------------------------

    def list_accounts(
        self, *, limit: int, starting_after: str | None = None
    ) -> tuple[list[str], bool]:
        """One page of the platform's connected account ids, and whether more follow."""
        params: Any = {"limit": limit}
        if starting_after is not None:
            params["starting_after"] = starting_after
        page = _call(lambda: self._client.v1.accounts.list(params=params))
        return [str(item.id) for item in page.data], bool(page.has_more)

    # -- files -----------------------------------------------------------------------------

    def upload_evidence_file(
        self, path: str, *, purpose: str, account: str | None, idempotency_key: str
    ) -> str:
        """Upload one document under its base name only. stripe-python would send the file
        object's ``name`` — the full local path — which leaks the server's directories and
        changes between a first attempt and its retry (a new scratch directory), and a retry
        with different parameters under the same idempotency key is refused."""
        local = Path(path)
        try:
            data = local.read_bytes()
        except OSError as error:
            raise ProviderRejected(f"cannot read {local.name}: {error.strerror}") from error
        document = io.BytesIO(data)
        document.name = local.name

        def upload() -> Any:
            document.seek(0)
            return self._client.v1.files.create(
                params={"purpose": purpose, "file": document},
                options=_options(account, idempotency_key),
            )

        uploaded = _call(upload, account)
        return str(uploaded.id)

    # -- charges (provider facts) ----------------------------------------------------------

    def retrieve_charge(self, charge_id: str, account: str | None) -> dict[str, Any]:
        return _call(
            lambda: self._client.v1.charges.retrieve(charge_id, options=_options(account)),
            account,
        ).to_dict()

    def retrieve_customer(self, customer_id: str, account: str | None) -> dict[str, Any]:
        return _call(
            lambda: self._client.v1.customers.retrieve(customer_id, options=_options(account)),
            account,
        ).to_dict()

    def retrieve_review(self, review_id: str, account: str | None) -> dict[str, Any]:
        return _call(
            lambda: self._client.v1.reviews.retrieve(review_id, options=_options(account)),
            account,
        ).to_dict()

    def iter_customer_charges(
        self, customer: str, account: str | None, *, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        starting_after: str | None = None
        while True:
            params: dict[str, Any] = {"customer": customer, "limit": page_size}
            if starting_after is not None:
                params["starting_after"] = starting_after
            page = _call(
                lambda params=params: self._client.v1.charges.list(  # type: ignore[misc]
                    params=params, options=_options(account)
                ),
                account,
            )
            for item in page.data:
                yield item.to_dict()
            if not page.has_more or not page.data:
                return
            starting_after = page.data[-1].id


def _options(account: str | None, idempotency_key: str | None = None) -> Any:
    options: dict[str, str] = {}
    if account:
        options["stripe_account"] = account
    if idempotency_key is not None:
        options["idempotency_key"] = idempotency_key
    return options


def _call(call: Callable[[], T], account: str | None = None) -> T:
    """Run one SDK call (retries included) and translate what still fails. ``account`` is the
    connected account the call was made for, so a 403 blames the account, not the key."""
    try:
        return call()
    except stripe.APIConnectionError as error:
        raise ProviderUnavailable(f"Stripe is unavailable: {_connection_problem(error)}") from error
    except stripe.RateLimitError as error:
        raise ProviderUnavailable(f"Stripe is unavailable: {_message(error)}") from error
    except stripe.APIError as error:
        raise ProviderUnavailable(f"Stripe failed: {_message(error)}") from error
    except stripe.IdempotencyError as error:
        if error.http_status == 409:  # the same request is still running at Stripe
            raise ProviderUnavailable(f"Stripe is busy: {_message(error)}") from error
        raise ProviderRejected(_message(error), code="idempotency_error") from error
    except stripe.InvalidRequestError as error:
        if error.http_status == 404 and error.code == "resource_missing":
            raise DisputeUnknown(_message(error)) from error
        detail = f" ({error.code})" if error.code else ""
        raise ProviderRejected(
            f"Stripe refused: {_message(error)}{detail}", code=error.code
        ) from error
    except stripe.PermissionError as error:
        if account:
            # The key works for the platform: for one account, a 403 means it disconnected the
            # platform, or the key lacks a permission there. Blaming the key would mislead.
            raise ProviderRejected(
                f"Stripe refused access to connected account {account}: {_message(error)}",
                code=error.code,
            ) from error
        raise ProviderRejected(
            f"Stripe refused the API key (DISPUTES_STRIPE_API_KEY): {_message(error)}"
        ) from error
    except stripe.AuthenticationError as error:
        raise ProviderRejected(
            f"Stripe refused the API key (DISPUTES_STRIPE_API_KEY): {_message(error)}"
        ) from error
    except stripe.StripeError as error:
        if error.http_status is not None and error.http_status >= 500:
            raise ProviderUnavailable(f"Stripe failed: {_message(error)}") from error
        raise ProviderError(f"Stripe error: {_message(error)}") from error


def _message(error: stripe.StripeError) -> str:
    return str(error.user_message or error._message or error)


_HOST = re.compile(r"host='([^']+)', port=(\d+)")
_CAUSE = re.compile(r"\[Errno -?\d+\] ([^'\"()]+)|(Read timed out|timed out)")


def _connection_problem(error: stripe.APIConnectionError) -> str:
    """stripe-python's text for a network failure is eight lines of advice ("let us know at
    support@stripe.com") around urllib3's repr; a person needs where and why, in one line."""
    text = str(error._message or error)
    host = _HOST.search(text)
    cause = _CAUSE.search(text)
    where = f" to {host.group(1)}:{host.group(2)}" if host else ""
    why = (cause.group(1) or cause.group(2)).strip() if cause else "network error"
    return f"no connection{where} ({why})"
