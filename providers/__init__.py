"""Payment processor plugins: one package per processor."""
