"""Provider-neutral core of the dispute engine.

A plugin needs nothing but ``from engine import hookimpl``.
"""

import pluggy

PROJECT_NAME = "disputes"
"""pluggy project name and the entry-point group third-party plugins register under."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["PROJECT_NAME", "hookimpl"]
