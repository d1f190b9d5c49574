"""Benchmarks: ``python -m bench.<name>`` (see the README section "Performance")."""
