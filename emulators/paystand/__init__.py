"""A stateful Paystand API emulator: OAuth tokens, disputes, event verification, webhooks and
injected faults. ``python -m emulators.paystand --port N`` runs it on its own."""

from emulators.paystand.server import PaystandEmulator
from emulators.paystand.state import OBJECT_VOCABULARY, WEBHOOK_VOCABULARY, PaystandState

__all__ = ["OBJECT_VOCABULARY", "WEBHOOK_VOCABULARY", "PaystandEmulator", "PaystandState"]
