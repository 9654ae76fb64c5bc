"""A provider whose package has no ``state`` room: Acme's class under another key and
path, registered by ``tests/test_fifth_provider.py``. It is served as any provider;
a snapshot leaves its state out (listed under ``without_state``) and an import of
the whole fake empties it."""

from __future__ import annotations

from tests.fifth import Acme


class Bare(Acme):
    key = "bare"
    title = "Bare Mail (no state room)"
    prefixes = ("/bare/",)
