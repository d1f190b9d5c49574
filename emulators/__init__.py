"""Local emulators of the processors and Telegram, real HTTP servers for tests and demos."""

from __future__ import annotations

import importlib.util
import sys

# Run as ``python -m emulators.<name>`` with an interpreter that lacks the project's
# dependencies, the first third-party import failed with a bare ModuleNotFoundError (issue 13).
# While ``-m`` locates the module, and so imports this package, ``sys.argv[0]`` is "-m"
# (documented for the -m switch): only then is a missing dependency turned into one line.
_THIRD_PARTY = ("httpx",)
if sys.argv[:1] == ["-m"]:
    _missing = [name for name in _THIRD_PARTY if importlib.util.find_spec(name) is None]
    if _missing:
        print(
            f"emulators: this Python ({sys.executable}) lacks {', '.join(_missing)}; run the "
            "emulator with the project's virtualenv, e.g. .venv/bin/python -m emulators.paystand "
            "(scripts/bootstrap.sh creates it)",
            file=sys.stderr,
        )
        raise SystemExit(2)
