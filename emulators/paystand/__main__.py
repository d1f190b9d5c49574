"""``python -m emulators.paystand --port N``: run the emulator until interrupted."""

from __future__ import annotations

import argparse
import threading

from emulators.paystand.server import PaystandEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Paystand API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--client-id", default="emulated-client")
    parser.add_argument("--client-secret", default="emulated-secret")
    parser.add_argument("--customer-id", default="emulated-customer")
    parser.add_argument("--token-ttl", type=float, default=14 * 24 * 3600, help="seconds")
    parser.add_argument("--webhook-url", help="where to deliver events")
    args = parser.parse_args()
    emulator = PaystandEmulator(
        client_id=args.client_id,
        client_secret=args.client_secret,
        customer_id=args.customer_id,
        token_ttl=args.token_ttl,
        webhook_url=args.webhook_url,
        host=args.host,
        port=args.port,
    )
    emulator.start()
    print(f"Paystand emulator at {emulator.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
