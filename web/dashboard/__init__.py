"""The server-rendered dashboard under ``/disputes``."""
