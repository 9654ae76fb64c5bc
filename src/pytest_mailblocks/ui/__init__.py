"""The web inspector (issue 11): state, journal, clock and faults in a browser,
served by the same app under ``/_mailblocks/ui/`` (mounted from ``mounts.py``). See
``docs/inspector.md``. A provider's page is drawn by the view in its ``views`` room,
built on :mod:`.views`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .inspector import Inspector

__all__ = ["Inspector"]


def __getattr__(name: str) -> Any:
    # imported on first use: a provider's views room imports .views, not the inspector
    if name == "Inspector":
        from .inspector import Inspector

        return Inspector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
