"""Local, stateful emulators of the services the engine talks to, for tests and demos."""
