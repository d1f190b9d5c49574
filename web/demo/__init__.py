"""``disputes demo``: the engine and the emulated Stripe, Paystand and Telegram, seeded."""
