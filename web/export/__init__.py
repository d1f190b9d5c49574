"""Exports of the dashboard's data."""
