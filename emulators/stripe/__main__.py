"""``python -m emulators.stripe --port 12111 [--webhook-url URL] [--seed-disputes N]``."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from emulators.stripe.server import StripeEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.stripe")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", help="POST signed events here")
    parser.add_argument("--webhook-secret", default="whsec_emulator_secret")
    parser.add_argument("--seed-disputes", type=int, default=0, help="open disputes to create")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of 500/429s")
    args = parser.parse_args(argv)
    emulator = StripeEmulator(
        host=args.host,
        port=args.port,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
    )
    emulator.faults.error_rate = args.error_rate
    emulator.start()
    for _ in range(args.seed_disputes):
        emulator.state.add_dispute()
    print(f"Stripe emulator on {emulator.url} (DISPUTES_STRIPE_API_BASE={emulator.url})")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
