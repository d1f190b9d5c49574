"""Payment processor plugins shipped with the engine."""
