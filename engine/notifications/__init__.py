"""Built-in notification channels (Telegram first) and the neutral message texts they share."""
