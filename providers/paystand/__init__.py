"""Paystand: fetch-back verified webhooks, sync, and manual evidence hand-over."""
