"""What the app serves besides the providers, by path prefix: the control plane and
the web inspector. Both are clients of core, mounted by the app from here (a
``"module:Class"`` built with the app when a request first reaches it), so core
never imports them. Every mounted request is journaled under ``_mailblocks``."""

from __future__ import annotations

__all__ = ["MOUNTS"]

MOUNTS: dict[str, str] = {
    "/_mailblocks/": "pytest_mailblocks.control:ControlPlane",
    "/_mailblocks/ui/": "pytest_mailblocks.ui.inspector:Inspector",
}
