"""Customers Mail Cloud's Event Webhook (issue 21; ``shared/providers/delivery/cmc.md``
section 4): its settings, how events are batched, and what is posted.

CMC has no settings API: the webhook is set up in the console (endpoint URL, the
event types Deliveries / Bounces / Blocks, the payload version, a time zone for
dates, JSON or not, an optional ``api_key``). The fake takes the same settings from
the handle (``cmc_fake.set_event_webhook(url, ...)``) or the control plane (``POST
/_mailblocks/cmc/event-webhook``), one webhook per account (API group).

What is posted (documented): ``event_type`` (``deliveries``, ``bounces`` or
``blocks``), ``server_composition``, ``event`` (``{"<event_type>": [items]}``) and,
when one is set, ``api_key`` (a shared secret the receiver checks); as one JSON
object with ``Content-Type: application/json`` when the JSON option is on (the
default, as version 2 offers it), else as a form (inferred: the fields
urlencoded, ``event`` as JSON text). Events wait in a batch per server composition
and event type, which is posted when it holds ``max_events`` (default 100) or
``interval`` seconds of the fake clock (default 1) after its first event came,
whichever is first. A post the receiver does not answer with a 2xx is retried on the
fake clock by ``RETRY`` (unknown at CMC: the fake's choice). Posting happens in the
dispatcher thread, never in a request's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ...core.delivery import Entry
from ...core.errors import ControlError
from ...core.webhooks import RetryPolicy, chosen_events, valid_url
from .models import JST, parse_time_zone

if TYPE_CHECKING:
    from ...core.delivery import Delivery
    from .models import CmcState

__all__ = ["EVENT_TYPES", "RETRY", "EventWebhook", "configure", "payload", "route_events"]

#: the console's check boxes: Deliveries, Bounces, Blocks (documented; Blocks is the Pro plan's)
EVENT_TYPES = ("deliveries", "bounces", "blocks")
#: the documented defaults: flushed every notification interval or at the maximum event count
INTERVAL = 1.0
MAX_EVENTS = 100
MAX_INTERVAL = 3600.0
MAX_BATCH = 1000
#: unknown at CMC (delivery/cmc.md: "Retries: unknown"): increasing delays, given up after a day
RETRY = RetryPolicy(delays=(10, 30, 60, 300, 600, 1800, 3600), max_age=86400.0)
FIELDS = ("url", "events", "json", "api_key", "enabled", "interval", "max_events", "timezone", "account")


@dataclass(eq=False)
class EventWebhook:
    """One account's Event Webhook, as the console sets it."""

    url: str
    events: tuple[str, ...] = EVENT_TYPES
    json: bool = True
    api_key: str | None = None
    enabled: bool = True
    interval: float = INTERVAL
    max_events: int = MAX_EVENTS
    timezone: str = "+09:00"
    tz: tzinfo = field(default=JST, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The settings as the handle and the control plane show them (the api_key
        only as whether one is set)."""
        return {
            "url": self.url,
            "events": list(self.events),
            "json": self.json,
            "api_key_set": self.api_key is not None,
            "enabled": self.enabled,
            "interval": self.interval,
            "max_events": self.max_events,
            "timezone": self.timezone,
        }

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in self.events


def _events(value: Any) -> tuple[str, ...]:
    """The event types chosen (None: all), in the console's order."""
    chosen = chosen_events(value, {t: t for t in EVENT_TYPES}, EVENT_TYPES)
    return tuple(t for t in EVENT_TYPES if t in chosen)


def configure(
    state: CmcState,
    url: Any,
    *,
    events: Any = None,
    json: Any = True,
    api_key: Any = None,
    enabled: Any = True,
    interval: Any = INTERVAL,
    max_events: Any = MAX_EVENTS,
    timezone: Any = "+09:00",
    account: Any = None,
) -> EventWebhook:
    """Set the Event Webhook of ``account`` (None: the default account), checked in
    full before anything changes. ``url`` ``http://`` or ``https://`` (the console
    asks for https; a receiver on loopback is plain http)."""
    if not isinstance(url, str) or not valid_url(url):
        raise ControlError(f"url must be an http:// or https:// URL with a host, got {url!r}")
    for name, value in (("json", json), ("enabled", enabled)):
        if not isinstance(value, bool):
            raise ControlError(f"{name} must be true or false")
    if api_key is not None and (not isinstance(api_key, str) or not api_key):
        raise ControlError("api_key must be a non-empty string (or null for none)")
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not math.isfinite(interval):
        raise ControlError(f"interval must be seconds from 0 to {MAX_INTERVAL:.0f}")
    if not 0 <= interval <= MAX_INTERVAL:
        raise ControlError(f"interval must be seconds from 0 to {MAX_INTERVAL:.0f}")
    if isinstance(max_events, bool) or not isinstance(max_events, int) or not 1 <= max_events <= MAX_BATCH:
        raise ControlError(f"max_events must be an integer from 1 to {MAX_BATCH}")
    try:
        tz = parse_time_zone(timezone)
        owner = state.account(account).name
    except ValueError as exc:
        raise ControlError(str(exc)) from None
    hook = EventWebhook(url, _events(events), json, api_key, enabled, float(interval), max_events, timezone.strip(), tz)
    state.event_webhooks[owner] = hook
    return hook


# -- what is posted -------------------------------------------------------------------------------
def payload(hook: EventWebhook, composition: str, event_type: str, items: list[dict[str, Any]]) -> tuple[bytes, str]:
    """The body of one post and its content type."""
    secret = {} if hook.api_key is None else {"api_key": hook.api_key}
    if hook.json:  # the order of the vendor's example: event_type, server_composition, event
        data = {**secret, "event_type": event_type, "server_composition": composition, "event": {event_type: items}}
        return _dumps(data).encode(), "application/json"
    fields = {
        **secret,
        "server_composition": composition,
        "event_type": event_type,
        "event": _dumps({event_type: items}),
    }
    return urlencode(fields).encode(), "application/x-www-form-urlencoded"


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _flusher(
    flush: Callable[[tuple[str, str], int], None], key: tuple[str, str], opened: int
) -> Callable[[float], None]:
    """The timeline task that posts batch ``opened`` of ``key`` (if it still waits)."""
    return lambda at: flush(key, opened)


class _Batch:
    """Events of one server composition and one event type waiting to be posted;
    ``opened`` counts the batches, so a flush scheduled for an earlier one is void."""

    __slots__ = ("entries", "opened")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.opened = 0


def route_events(delivery: Delivery, state: CmcState) -> None:
    """The router of CMC's delivery: each event (its ``tenant`` the server
    composition, its ``type`` the event type) joins the batch of its composition and
    type if the account's webhook wants it; a batch is posted at ``max_events`` or
    ``interval`` seconds after its first event."""
    batches: dict[tuple[str, str], _Batch] = {}

    def flush(key: tuple[str, str], opened: int | None = None) -> None:
        batch = batches.get(key)
        if batch is None or not batch.entries or (opened is not None and opened != batch.opened):
            return
        entries, batch.entries = batch.entries, []
        composition, event_type = key
        comp = state.compositions.get(composition)
        hook = None if comp is None else state.event_webhooks.get(comp.account)
        if hook is None or not hook.wants(event_type):  # turned off meanwhile
            return
        body, content_type = payload(hook, composition, event_type, [e.data for e in entries])
        delivery.post(
            hook.url,
            body,
            headers={"Content-Type": content_type},
            events=len(entries),
            created=min(e.time for e in entries),
        )

    def route(entries: list[Entry]) -> None:
        for entry in entries:
            comp = state.compositions.get(entry.tenant or "")
            hook = None if comp is None else state.event_webhooks.get(comp.account)
            if comp is None or hook is None or not hook.wants(entry.type):
                continue
            key = (comp.name, entry.type)
            batch = batches.get(key)
            if batch is None:
                batch = batches[key] = _Batch()
            batch.entries.append(entry)
            if len(batch.entries) >= hook.max_events:
                flush(key)
            elif len(batch.entries) == 1:
                batch.opened += 1
                opened = batch.opened
                if not delivery.schedule(entry.time + hook.interval, _flusher(flush, key, opened)):
                    flush(key)  # no room to wait: posted now rather than never

    delivery.router = route
