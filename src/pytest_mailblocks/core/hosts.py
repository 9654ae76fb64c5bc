"""Who may talk to the fake: the ``Host`` it answers and the browser pages it serves.

A web page can reach a server on the developer's machine in two ways, and both are
refused before a request reaches a provider or the control plane:

- **DNS rebinding**: a page on ``evil.example`` whose name is later pointed at
  127.0.0.1 talks to the fake as if it were its own origin, so it can read answers
  (the inspector's CSRF token included). Its requests carry ``Host: evil.example``.
  The fake answers only a ``Host`` that is a loopback name or address
  (``localhost``, ``*.localhost``, 127.0.0.0/8, ``::1``, any port, a trailing dot
  ignored), the address it is bound to (bound to ``0.0.0.0`` or ``::``: any IP
  address, since a rebinding page always comes with a name), or a name given with
  ``--allow-host``. A request without ``Host`` (HTTP/1.0) counts as loopback; no
  browser sends one.
- **Cross-site requests**: a page on another site posting a form to the fake (no
  CORS preflight needed), or loading a provider URL as an image. Browsers mark these
  with ``Origin`` and ``Sec-Fetch-Site``; real SDKs, curl, requests and httpx send
  neither. A provider request is refused when its ``Origin`` is neither the fake's
  own origin nor a name given with ``--allow-host`` (any port), or when it has no
  ``Origin`` and ``Sec-Fetch-Site`` says ``cross-site`` or ``same-site``. The control
  plane applies the same rule to requests that change state; its reads stay open to
  links from elsewhere (no CORS header, so another page cannot read the answer).

In-process clients (the httpx transport, the requests adapter) never touch a socket,
so no page can reach them: their ``Host`` is whatever base URL the test gave and is
not checked (``Origin`` still is).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .errors import ControlError

__all__ = ["INPROCESS_KEY", "HostGuard", "Refusal", "check_allow_host", "is_host_name"]

#: environ key set by the in-process transports (no socket, so no page can send it)
INPROCESS_KEY = "mailblocks.inprocess"
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})
_BAD_CHARS = frozenset(" \t\r\n/\\?#@,;\"'<>")


class Refusal(NamedTuple):
    """Why a request is refused: ``kind`` is ``"host"`` or ``"cross_site"``; ``value``
    is what the client sent (the Host, the Origin or the Sec-Fetch-Site)."""

    kind: str
    value: str

    @property
    def message(self) -> str:
        """The control plane's and the inspector's wording."""
        if self.kind == "host":
            return (
                f"Host {self.value} is not allowed: the fake answers only loopback names, the address it is "
                "bound to and names given with --allow-host"
            )
        return (
            f"cross-site request refused ({self.value}): browser pages may call the fake only from its own "
            "origin or from a name given with --allow-host"
        )


def _hostname(authority: str) -> str | None:
    """The host of ``host[:port]`` (IPv6 in brackets), lower-cased, without a
    trailing dot; None when malformed."""
    authority = authority.strip().lower()
    if not authority or any(c in _BAD_CHARS for c in authority):
        return None
    if authority.startswith("["):
        end = authority.find("]")
        rest = authority[end + 1 :]
        if end < 0 or (rest and not _port(rest)) or _address(authority[1:end]) is None:
            return None
        return authority[1:end]
    host, sep, port = authority.partition(":")
    if sep and not _port(sep + port):
        return None
    host = host[:-1] if host.endswith(".") else host
    return host or None


def _port(tail: str) -> bool:
    """``:`` and one to five digits."""
    digits = tail[1:]
    return tail[:1] == ":" and 0 < len(digits) <= 5 and digits.isascii() and digits.isdigit()


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """``localhost``, a name under ``.localhost``, 127.0.0.0/8 or ``::1`` (also
    IPv4-mapped)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    ip = _address(host)
    if ip is None:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


def is_host_name(host: str) -> bool:
    """A DNS name (dot-separated labels of letters, digits, ``-`` and ``_``, up to 253
    characters, a trailing dot allowed) or an IP address (IPv6 with or without brackets)."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if _address(bare) is not None:
        return True
    name = bare.lower().removesuffix(".")
    return 0 < len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.split("."))


def check_allow_host(name: str) -> str:
    """A ``--allow-host`` value, normalized: a host name or an IP address (IPv6 with
    or without brackets), no port, no wildcard; ControlError otherwise."""
    given = name.strip() if isinstance(name, str) else ""
    if "*" in given:
        raise ControlError(
            f"--allow-host takes no wildcard (got {name!r}): a page on any site whose name points at this machine "
            "could then drive the fake (DNS rebinding); give each name clients use, e.g. --allow-host mailblocks "
            "--allow-host ci.internal"
        )
    bare = given[1:-1] if given.startswith("[") and given.endswith("]") else given
    if _address(bare) is not None and ":" in bare:
        return bare.lower()
    host = _hostname(given)
    if host is None or ":" in given or not is_host_name(host):
        raise ControlError(
            f"--allow-host takes a host name or an IP address without a port (e.g. mailblocks); got {name!r}"
        )
    return host


class HostGuard:
    """The names one app answers; see the module docstring.

    :param allow: names given with ``--allow-host`` (also accepted as ``Origin``).
    """

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.names: frozenset[str] = frozenset(check_allow_host(n) for n in allow)
        self.bound: set[str] = set()
        self.any_address = False
        self._answered: dict[str, bool] = {}  # Host header -> answered (a client sends few)

    def bind(self, host: str) -> None:
        """Also answer the address a server serving this app is bound to."""
        name = host.strip().strip("[]").lower()
        if name in _WILDCARDS:
            self.any_address = True
        else:
            self.bound.add(name[:-1] if name.endswith(".") else name)
        self._answered = {}

    def answers(self, host: str) -> bool:
        """Whether ``host`` (a bare name or address) may be the request's Host."""
        if is_loopback(host) or host in self.names or host in self.bound:
            return True
        return self.any_address and _address(host) is not None

    def refusal(self, environ: Mapping[str, Any], *, check_origin: bool = True) -> Refusal | None:
        """Why this request must be refused, or None."""
        raw_host = environ.get("HTTP_HOST", "")
        if raw_host and not environ.get(INPROCESS_KEY):
            answered = self._answered.get(raw_host)
            if answered is None:
                host = _hostname(raw_host)
                answered = host is not None and self.answers(host)
                if len(self._answered) >= 256:
                    self._answered = {}
                if len(raw_host) <= 270:  # a DNS name and a port: no client grows this past 70 KB
                    self._answered[raw_host] = answered
            if not answered:
                return Refusal("host", raw_host)
        if not check_origin:
            return None
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None:
            return None if self._own_or_allowed(origin, raw_host) else Refusal("cross_site", f"Origin {origin}")
        site = environ.get("HTTP_SEC_FETCH_SITE", "").strip().lower()
        if site in ("cross-site", "same-site"):
            return Refusal("cross_site", f"Sec-Fetch-Site: {site}")
        return None

    def _own_or_allowed(self, origin: str, raw_host: str) -> bool:
        scheme, sep, authority = origin.strip().partition("://")
        if not sep or scheme.lower() not in ("http", "https") or "/" in authority:
            return False  # "null" (a sandboxed frame, a file), or not an origin at all
        if raw_host and authority.lower() == raw_host.strip().lower():
            return True  # the fake's own pages (the inspector)
        host = _hostname(authority)
        return host is not None and host in self.names
