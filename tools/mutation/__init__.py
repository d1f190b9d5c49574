"""A small mutation tester for the engine's money-critical modules (see the README's
"Mutation testing" section). Operators live in :mod:`.operators`, the run in :mod:`.runner`."""
