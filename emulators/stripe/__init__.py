"""A local Stripe: stateful, strict, signed webhooks and fault injection (see ``server``)."""

from emulators.stripe.server import RecordedRequest, StripeEmulator
from emulators.stripe.state import PLATFORM_ACCOUNT, StripeState
from emulators.stripe.webhooks import sign

__all__ = ["PLATFORM_ACCOUNT", "RecordedRequest", "StripeEmulator", "StripeState", "sign"]
