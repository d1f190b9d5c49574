"""Local emulators of the outside services the engine talks to, for tests and demos."""
