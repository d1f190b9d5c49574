"""Local emulators of the processors and Telegram, real HTTP servers for tests and demos."""
