"""When evidence leaves on its own, and when it waits for a person (``DISPUTES_AUTO_SUBMIT``).

Stripe takes one submission per dispute: what goes out decides the money, so an incomplete
packet waits for review, and a packet the processor already holds is never replaced.
"""

from engine.evidence.submit_policy.held import held_submission
from engine.evidence.submit_policy.modes import AutoSubmit, Hold, submit_decision

__all__ = ["AutoSubmit", "Hold", "held_submission", "submit_decision"]
