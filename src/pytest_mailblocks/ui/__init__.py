"""The web inspector (issue 11): state, journal, clock and faults in a browser,
served by the same app under ``/_mailblocks/ui/``. See ``docs/inspector.md``."""

from __future__ import annotations

from .inspector import Inspector

__all__ = ["Inspector"]
