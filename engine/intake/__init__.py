"""Checks on webhook input that every provider applies before reading a body."""
