"""How the inspector shows a provider: the :class:`View` a provider's ``views`` room
gives (its tenants, lists, filter words, forms and extra sections), found through
the registry.

Presentation only. Rows come from the provider's ``control_blocks`` (the control
plane's function, paged through the list's index), additions go through the
provider's ``seed`` (the control plane's ``POST .../blocks``) and deletions through
the handle's remove verbs, so no rule of any provider is copied into a view. A
provider without a view of its own gets :class:`View`: its block list, read only.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, ClassVar

from ..core.errors import ControlError

__all__ = [
    "UTC_FORMAT",
    "VIEWS",
    "Client",
    "Field",
    "Search",
    "Section",
    "Snippet",
    "Table",
    "Tenant",
    "View",
    "day",
    "day_window",
    "given",
    "instant",
    "number",
    "py",
    "sh",
    "utc",
    "view_for",
    "window_search",
]

#: how a time is typed in the inspector's time fields, always UTC (a browser's own
#: pickers show the local format, mm/dd/yyyy or dd/mm/yyyy, and a local clock)
UTC_FORMAT = "YYYY-MM-DD HH:MM:SS"
_UTC_TEXT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ Tt]([0-9]{2}:[0-9]{2}(?::[0-9]{2})?))? *(?:Z|z|UTC|utc)?")


@dataclass(frozen=True)
class Field:
    """One input of an add form."""

    name: str
    label: str
    #: text, search, email, number, select; ``utc`` (a time typed as UTC_FORMAT, handed
    #: to ``seed_data`` as ISO 8601 UTC: ``2024-05-01T09:30:00Z``), ``date``
    #: (YYYY-MM-DD), ``instant`` (unix seconds, or a time as UTC_FORMAT)
    kind: str = "text"
    options: tuple[str, ...] = ()
    placeholder: str = ""
    required: bool = False


@dataclass(frozen=True)
class Search:
    """A list's search box: the filter parameters of the provider's own list API, by
    the provider's names (``fields``), and what they mean (``note``)."""

    fields: tuple[Field, ...]
    note: str = ""


def window_search(
    address: Field, bounds: tuple[str, str], kind: str, note: str, labels: tuple[str, str] = ("", "")
) -> Search:
    """A search by an address and a window: ``bounds`` are the two fields' names (the
    provider's parameters), of ``kind`` (``instant``, ``date``, ``utc``), labelled by
    their names unless ``labels`` says otherwise."""
    fields = tuple(Field(name, label or name, kind) for name, label in zip(bounds, labels))
    return Search((address, *fields), note)


def day_window(values: dict[str, str], bounds: tuple[str, str], zone: tzinfo) -> dict[str, str]:
    """``control_blocks``' ``start`` and ``end`` for whole days typed in the fields named
    ``bounds`` (both days included, in ``zone``)."""
    first, last = bounds
    q = {"start": str(day(values[first], zone, first))} if values.get(first) else {}
    if values.get(last):
        q["end"] = str(day(values[last], zone, last, after=True))
    return q


@dataclass(frozen=True)
class Tenant:
    """A place blocks live in: an account, a server composition, a region, an API user."""

    value: str  # the control_blocks query value ("" for the default)
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A table of an extra section; ``empty``: the text shown instead when it has no
    rows (None: the table is shown empty)."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    title: str = ""
    note: str = ""
    empty: str | None = None


@dataclass(frozen=True)
class Section:
    """A panel below a provider's list: tables, and a button that runs one of the
    provider's control actions (``(label, action)``; the action must be in
    :attr:`View.actions`)."""

    title: str
    note: str
    tables: tuple[Table, ...]
    button: tuple[str, str] | None = None


@dataclass(frozen=True)
class Client:
    """Where a client reaches this fake and with what: what :meth:`View.snippets` is
    given. ``base``: the address the browser used (``http://127.0.0.1:8025``), which a
    client uses instead of the provider's host; ``credentials``: the provider's, as
    configured (else the fake's defaults); ``clock``: ``Clock.describe()``."""

    base: str
    credentials: dict[str, str]
    clock: dict[str, Any]

    def shell_ms(self) -> str:
        """The fake's now in epoch milliseconds as a POSIX shell expression (for a
        signed timestamp the fake checks against its own clock): the wall clock, moved
        by the fake's offset, or the frozen instant itself."""
        if self.clock["mode"] == "frozen":
            return str(int(self.clock["unix"] * 1000))
        offset = int(self.clock["offset_seconds"])
        return f"$(( $(date +%s) {offset:+d} ))000" if offset else "$(date +%s)000"

    def python_ms(self) -> str:
        """The same as a Python expression (``time`` imported)."""
        if self.clock["mode"] == "frozen":
            return str(int(self.clock["unix"] * 1000))
        offset = int(self.clock["offset_seconds"])
        return f"int((time.time() {offset:+d}) * 1000)" if offset else "int(time.time() * 1000)"


@dataclass(frozen=True)
class Snippet:
    """A client call to copy: ``label`` (``curl``, ``Python (requests)`` ...),
    ``language`` (``sh``, ``python``) and the code."""

    label: str
    language: str
    code: str


def sh(value: str) -> str:
    """A value quoted for a POSIX shell."""
    return shlex.quote(value)


def py(value: str) -> str:
    """A value as a Python string literal, in double quotes."""
    return json.dumps(value, ensure_ascii=False)


class View:
    """The generic view: one list, no tenants, no forms."""

    key = ""
    tenant_param = ""
    tenant_word = ""
    lists: tuple[str, ...] = ("blocks",)
    email_word = "address"
    time_word = "time"
    #: how the rows show times
    times_shown = ""
    #: columns holding unix seconds ("s") or epoch milliseconds ("ms")
    time_columns: ClassVar[dict[str, str]] = {}

    def tenants(self, info: dict[str, Any]) -> list[Tenant]:
        return []

    def extras(self, info: dict[str, Any], provider: Any) -> list[tuple[str, str]]:
        """(label, value) lines for the overview card."""
        return []

    def snippets(self, client: Client) -> list[Snippet]:
        """Calls to copy that list the provider's blocks from this fake: curl, and its
        official SDK where it has one, else Python ``requests`` (:func:`sh` and
        :func:`py` quote values)."""
        return []

    def query(self, tenant: str, list_name: str) -> dict[str, str]:
        """The control_blocks query selecting a tenant's list."""
        q = {"list": list_name} if len(self.lists) > 1 else {}
        if self.tenant_param and tenant:
            q[self.tenant_param] = tenant
        return q

    def columns(self, list_name: str) -> tuple[str, ...]:
        return ()

    def search(self, list_name: str) -> Search:
        """The list's search box: its list API's own filter parameters, as the provider
        names them (the generic one: an address and a UTC window)."""
        address = Field("email", self.email_word, "search")
        note = f"{self.time_word} in [from, to), UTC"
        return window_search(address, ("start", "end"), "utc", note, (f"{self.time_word} from", "to"))

    def search_query(self, list_name: str, values: dict[str, str]) -> dict[str, str]:
        """The ``control_blocks`` paging keys (``email``, ``start``, ``end``: unix seconds,
        ``start <= t < end``) that the search box's non-blank ``values`` mean."""
        q = {"email": values["email"]} if values.get("email") else {}
        for name in ("start", "end"):
            if values.get(name):
                q[name] = str(instant(values[name], name))
        return q

    def search_call(self, list_name: str, tenant: str, values: dict[str, str]) -> str:
        """The provider's own list request that filters the same way (shown under the
        box, ``""`` for none)."""
        return ""

    def add_fields(self, list_name: str, info: dict[str, Any]) -> list[Field]:
        return []

    def seed_data(self, list_name: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
        raise ControlError(f"the inspector cannot add to {self.key or 'this provider'}'s lists")

    def row_key(self, list_name: str, row: dict[str, Any]) -> dict[str, str] | None:
        """Hidden fields that identify a row for its delete button (None: no delete)."""
        return None

    def delete(self, handle: Any, list_name: str, tenant: str, key: dict[str, str]) -> bool:
        raise ControlError(f"the inspector cannot delete from {self.key or 'this provider'}'s lists")

    def refusal(self, entry: dict[str, Any]) -> str | None:
        """The provider's message when an answer with a success status is a refusal by
        its own envelope (a journal entry as ``JournalEntry.to_dict()`` gives it), else
        None. Without one, an answer the provider's catalogue rendered (it carries an
        error code) is still shown as refused, with its code."""
        return None

    #: control actions a section's button may run (``POST .../providers/<key>/<action>``)
    actions: tuple[str, ...] = ()

    def sections(self, provider: Any, tenant: str, info: dict[str, Any]) -> list[Section]:
        """Extra panels below the list (under the app's lock)."""
        return []


def given(form: dict[str, str], *names: str) -> dict[str, Any]:
    """The named form values that are not blank, stripped."""
    return {n: form[n].strip() for n in names if form.get(n, "").strip()}


def utc(value: str, name: str = "time") -> str:
    """A time typed in a UTC field as ISO 8601 UTC (``2024-05-01T09:30:00Z``): ``YYYY-MM-DD``,
    then optionally `` HH:MM`` or `` HH:MM:SS`` and ``UTC`` or ``Z``.

    :raises ControlError: naming the field and the format."""
    text = value.strip()
    m = _UTC_TEXT.fullmatch(text)
    clock = (m.group(2) or "00:00") if m else ""
    iso = f"{m.group(1)}T{clock}{':00' if len(clock) == 5 else ''}" if m else ""
    try:
        datetime.fromisoformat(iso)
    except ValueError:
        raise ControlError(
            f"{name}: {text!r} is not a UTC time; write {UTC_FORMAT} (the seconds or the time may be left out)"
        ) from None
    return iso + "Z"


def instant(value: str, name: str = "time") -> int:
    """Unix seconds typed as a number, or a UTC time (see :func:`utc`), as unix seconds."""
    text = value.strip()
    if text.isdigit() and text.isascii():
        return int(text)
    return int(datetime.fromisoformat(utc(text, name)[:-1] + "+00:00").timestamp())


def day(value: str, zone: tzinfo, name: str = "date", after: bool = False) -> int:
    """The unix seconds at which a day typed as YYYY-MM-DD starts in ``zone`` (or, with
    ``after``, the next day starts: the end of a range that includes the day)."""
    text = value.strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        when = date.fromisoformat(text)
        start = datetime(when.year, when.month, when.day, tzinfo=zone) + timedelta(days=1 if after else 0)
        return int(start.timestamp())
    except (ValueError, OverflowError):
        raise ControlError(f"{name}: {text!r} is not a date; write YYYY-MM-DD") from None


def number(value: str) -> int | str:
    """Whole numbers as int (the seed validates the rest and names the field)."""
    return int(value) if value.strip().isdigit() else value


#: the view of each provider, by key (one without a view of its own is shown by :class:`View`)
VIEWS: dict[str, View] = {}
_looked_up: set[str] = set()


def view_for(key: str) -> View:
    """The view of provider ``key``: ``VIEW`` of its ``views`` room, found through the
    registry (when this module is imported, or first asked for if registered later)."""
    if key not in _looked_up:
        from ..providers import REGISTRY, room

        _looked_up.add(key)
        views = room(key, "views") if key in REGISTRY else None
        if views is not None:
            VIEWS[key] = views.VIEW
    return VIEWS.get(key) or View()


def _look_up_all() -> None:
    from ..providers import REGISTRY

    for key in list(REGISTRY):
        view_for(key)


_look_up_all()
