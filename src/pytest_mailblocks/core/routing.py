"""Path routing, one style everywhere: a werkzeug ``Map``.

- the app's mount table (:class:`MountTable`): which provider, or which app mounted
  from outside core (the control plane, the inspector), answers a path, by prefix;
- a provider's rules: its operation and path arguments (``Provider.match``);
- the control plane's and the inspector's own rules (in their packages).

Matching is read-only; a :class:`MatchCache` per app remembers recent answers, so a
suite's repeated requests skip werkzeug's matcher.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, Map, MapAdapter, PathConverter, Rule

__all__ = ["AnyPath", "MatchCache", "MatchOnlyRule", "MountTable", "Rest", "compile_rules"]


def _no_url_building(*args: Any, **kwargs: Any) -> tuple[str, str]:
    raise NotImplementedError("the fakes match routes; they never build URLs")


class MatchOnlyRule(Rule):
    """A werkzeug rule that skips compiling URL builders (two generated functions
    per rule: most of a Map's construction), since the fakes never build URLs."""

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        return _no_url_building


class AnyPath(PathConverter):
    """``<path:...>`` matching every character, line breaks too: werkzeug's own stops
    at a ``\\n`` (its ``.`` does), so ``/v3/suppression/blocks/a%0Ab@x.com`` fell
    outside the route (a 404) where every other absent address answers (issue 19)."""

    regex = "[^/](?s:.)*?"


class Rest(BaseConverter):
    """``<rest:...>``: whatever follows a prefix, empty, slashes and line breaks included."""

    regex = "(?s:.)*"
    part_isolating = False


def compile_rules(rules: Iterable[Rule]) -> Map:
    """A match-only Map of ``rules``: no slash redirects, no merged slashes."""
    return Map(
        [MatchOnlyRule(r.rule, **r.get_empty_kwargs()) for r in rules],
        strict_slashes=False,
        merge_slashes=False,
        redirect_defaults=False,
        converters={"path": AnyPath, "rest": Rest},
    )


class MatchCache(dict[Any, Any]):
    """Recent matches, by what was matched; emptied when it holds ``size``."""

    def __init__(self, size: int = 512) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: Any, value: Any) -> Any:
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


class MountTable:
    """Which target answers a path: ``targets`` maps a target's name to its path
    prefixes (segment boundaries, e.g. ``"/v3/"``: ``/v3``, ``/v3/`` and everything
    under it). The most specific prefix wins (``/api/v1/`` before ``/api/``).

    The Map is compiled when a path is first matched, once per process for a given
    table (it is immutable), so making an app costs nothing here."""

    def __init__(self, targets: Mapping[str, Iterable[str]]) -> None:
        self.prefixes: dict[str, str] = {p: name for name, prefixes in targets.items() for p in prefixes}
        self._adapter: MapAdapter | None = None
        self._cache = MatchCache()

    def target(self, path: str) -> str | None:
        """The name of the target answering ``path``, or None."""
        hit = self._cache.get(path, "")
        if hit != "":
            return hit
        if self._adapter is None:
            self._adapter = _mount_map(tuple(self.prefixes.items())).bind("fake")
        try:
            name: str | None = self._adapter.match(path)[0]
        except NotFound:
            name = None
        return self._cache.keep(path, name)


@lru_cache(maxsize=16)
def _mount_map(prefixes: tuple[tuple[str, str], ...]) -> Map:
    rules = []
    for prefix, name in prefixes:
        base = prefix.rstrip("/")
        rules += [Rule(base, endpoint=name), Rule(base + "/<rest:rest>", endpoint=name)]
    return compile_rules(rules)
