"""Local, stateful stand-ins for the processors and services the engine talks to.

Each emulator is a real HTTP server on loopback, strict where the real API is strict, so tests
and demos exercise the real SDKs and the real network path without touching the internet.
"""
