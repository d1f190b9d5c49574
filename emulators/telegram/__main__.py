"""``python -m emulators.telegram --token T --chat C``: run the emulator, print each message."""

from __future__ import annotations

import argparse
import time

from emulators.telegram.server import TelegramEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Telegram Bot API emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--token", default="1:local", help="the bot token it accepts")
    parser.add_argument("--chat", default="42", help="the chat id it accepts")
    args = parser.parse_args()
    with TelegramEmulator(
        tokens={args.token}, chats={args.chat}, host=args.host, port=args.port
    ) as telegram:
        print(f"Telegram emulator at {telegram.url} (token {args.token}, chat {args.chat})")
        printed = 0
        try:
            while True:
                messages = telegram.messages
                for message in messages[printed:]:
                    print(f"--- to chat {message.chat_id}\n{message.text}", flush=True)
                printed = len(messages)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
