"""``server.cmc`` / ``cmc_fake``: seed, read back and configure the Customers Mail
Cloud fake."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...core.delivery import DeliveryHandle
from ...core.errors import ControlError
from ...core.handle import Handle
from ...generators import Generated
from .models import JST, block_dict, unsubscribe_dict

if TYPE_CHECKING:
    from . import CustomersMailCloud

__all__ = ["CmcHandle"]

Created = int | float | str | datetime | None


class CmcHandle(DeliveryHandle, Generated, Handle):
    """The CMC fake. ``cmc.url`` replaces ``https://api.smtps.jp`` (and the send
    API's ``https://sandbox.smtps.jp``, ``te.smtps.jp``, ``SUBDOMAIN.smtps.jp``); post
    ``api_user``, ``api_key`` and ``server_composition`` with every call.

    Delivery simulation (``POST /api/v2/emails/send``, issue 21): ``cmc.outcome(address,
    kind, ...)``, ``cmc.events(type=..., email=..., status=...)``, ``cmc.sends()``,
    ``cmc.set_event_webhook(url)``, ``cmc.flush_events()`` (see ``docs/providers/cmc.md``).

    Records come back as the API shows them (strings; ``created`` as
    ``yyyy-MM-dd HH:mm:ss`` JST). ``created`` arguments take unix seconds, a
    datetime or a string; a time without an offset is JST.

    >>> cmc.add_block("to1@example.com", status=2, created="2015-12-14 08:46:00")  # doctest: +SKIP
    """

    generated_block = "cmc_block"

    _provider: CustomersMailCloud

    # -- default credentials -----------------------------------------------------------
    @property
    def api_user(self) -> str:
        """The default API user: an API group administrator with both permissions."""
        return self._provider.credentials["api_user"]

    @property
    def api_key(self) -> str:
        return self._provider.credentials["api_key"]

    @property
    def server_composition(self) -> str:
        """The default account's server composition."""
        return self._provider.credentials["server_composition"]

    @property
    def auth(self) -> dict[str, str]:
        """``{"api_user": ..., "api_key": ..., "server_composition": ...}``, to merge into a request."""
        return dict(self._provider.credentials)

    # -- blocks ----------------------------------------------------------------------------
    def add_block(
        self,
        email: str,
        status: int | str = 2,
        occurred: int | str = 1,
        created: Created = None,
        *,
        id: str | None = None,
        server_composition: str | None = None,
        removed: bool = False,
    ) -> dict[str, str]:
        """Block ``email`` (replacing its block; case-insensitive). ``status`` is a
        block status (1..11, 99); ``removed=True`` seeds it as deleted
        (``removed=true`` lists it, it is never blocked again)."""
        fields: dict[str, Any] = {"email": email, "status": status, "occurred": occurred, "removed": removed}
        for k, v in (("created", created), ("id", id), ("server_composition", server_composition)):
            if v is not None:
                fields[k] = v
        p = self._provider
        with p.lock:
            item = p.make_block(fields, "block")
            p.add_block_records([item])
        return block_dict(item[1], JST)

    def add_blocks(self, records: Iterable[Mapping[str, Any] | str], *, server_composition: str | None = None) -> int:
        """Bulk-add blocks (dicts with the fields of :meth:`add_block`, or addresses)."""
        items = []
        p = self._provider
        with p.lock:
            for i, r in enumerate(records):
                fields = {"email": r} if isinstance(r, str) else dict(r)
                if server_composition is not None:
                    fields.setdefault("server_composition", server_composition)
                items.append(p.make_block(fields, f"blocks[{i}]"))
            return p.add_block_records(items)

    def blocks(self, *, server_composition: str | None = None, removed: bool = False) -> list[dict[str, str]]:
        """Blocked addresses, oldest first (``removed=True``: the deleted ones)."""
        with self._provider.lock:
            return self._provider.blocks_of(server_composition, removed)

    def block(self, email: str, *, server_composition: str | None = None) -> dict[str, str] | None:
        """The block of ``email`` (case-insensitive), or None if it is not blocked."""
        with self._provider.lock:
            self._provider.catch_up()
            r = self._provider.composition(server_composition, "block").block(email)
        return None if r is None else block_dict(r, JST)

    def remove_block(self, email: str, *, server_composition: str | None = None) -> bool:
        """Take ``email`` off the block list as ``blocks/cancel`` does."""
        with self._provider.lock:
            return self._provider.composition(server_composition, "block").cancel(email) is not None

    def record_delivery_error(
        self, email: str, status: int | str = 2, *, server_composition: str | None = None
    ) -> dict[str, str] | None:
        """Simulate a delivery error to ``email``: a cancelled (or never blocked)
        address is blocked once the configured number of errors (``block_threshold``,
        default 1) has occurred; a deleted address only counts it (never blocked
        again); a blocked one counts it. Returns the address's block record
        (``occurred`` = errors) or None while it is not blocked."""
        with self._provider.lock:
            record = self._provider.record_delivery_error(email, status, server_composition)
        return None if record is None else block_dict(record, JST)

    # -- unsubscribes ---------------------------------------------------------------------------
    def add_unsubscribe(
        self,
        email: str,
        filter_name: str = "default",
        created: Created = None,
        *,
        server_composition: str | None = None,
        pending: bool = False,
    ) -> dict[str, str]:
        """Put ``email`` on the unsubscribe list through ``filter_name``. With
        ``pending=True`` it joins at the next daily batch, like a recipient's
        unsubscribe (seed 003: the list is updated daily)."""
        fields: dict[str, Any] = {"email": email, "filter_name": filter_name, "pending": pending}
        for k, v in (("created", created), ("server_composition", server_composition)):
            if v is not None:
                fields[k] = v
        p = self._provider
        with p.lock:
            comp, record, is_pending = p.make_unsubscribe(fields, "unsubscribe")
            p.add_unsubscribe_record(comp, record, is_pending)
        return unsubscribe_dict(record, JST)

    def add_unsubscribes(
        self, records: Iterable[Mapping[str, Any] | str], *, server_composition: str | None = None
    ) -> int:
        p = self._provider
        n = 0
        with p.lock:
            made = []
            for i, r in enumerate(records):
                fields = {"email": r} if isinstance(r, str) else dict(r)
                if server_composition is not None:
                    fields.setdefault("server_composition", server_composition)
                made.append(p.make_unsubscribe(fields, f"unsubscribes[{i}]"))
            for item in made:
                p.add_unsubscribe_record(*item)
                n += 1
        return n

    def unsubscribes(self, *, server_composition: str | None = None) -> list[dict[str, str]]:
        """The unsubscribe list as downloads show it, oldest first (after any due batch)."""
        with self._provider.lock:
            return self._provider.unsubscribes_of(server_composition)

    def pending_cancellations(self, *, server_composition: str | None = None) -> list[dict[str, Any]]:
        """Cancellations accepted by ``unsubscribes/cancel`` and not yet applied:
        ``{"email", "filter_name", "requested", "applies_at"}`` (JST)."""
        with self._provider.lock:
            return self._provider.pending_cancellations(server_composition)

    def run_batch(self) -> int:
        """Run the daily batch now: apply every pending change; returns how many."""
        with self._provider.lock:
            return self._provider.state.run_batch()

    # -- delivery: events and the Event Webhook ---------------------------------------------------
    def events(
        self,
        type: str | None = None,
        email: str | None = None,
        *,
        status: str | None = None,
        server_composition: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every event, oldest first, as the Event Webhook posts it (the items of
        ``event.<type>``); ``type`` (``deliveries``, ``bounces``, ``blocks``), ``email``
        (the recipient, case-insensitive), ``status`` (``queued``, ``succeeded``,
        ``failed``, ``deferred``, ``bounced``) and ``server_composition`` select."""
        with self._provider.lock:
            if server_composition is not None:
                self._provider.composition(server_composition, "events")
            outbox = self._delivery().outbox
        found = outbox.filter(type, email, tenant=server_composition)
        return found if status is None else [e for e in found if e.get("status") == status]

    def set_event_webhook(
        self,
        url: str,
        *,
        events: Iterable[str] | None = None,
        json: bool = True,
        api_key: str | None = None,
        enabled: bool = True,
        interval: float = 1.0,
        max_events: int = 100,
        timezone: str = "+09:00",
        account: str | None = None,
    ) -> dict[str, Any]:
        """Set up the account's Event Webhook as the console does: ``events`` to post
        (``deliveries``, ``bounces``, ``blocks``; None: all), ``json`` (the JSON option;
        False: a form), ``api_key`` (sent with every post), the batching (``interval``
        seconds of the fake clock, ``max_events``) and the time zone of ``created``."""
        from .webhooks import configure

        with self._provider.lock:
            hook = configure(
                self._provider.state,
                url,
                events=None if events is None else list(events),
                json=json,
                api_key=api_key,
                enabled=enabled,
                interval=interval,
                max_events=max_events,
                timezone=timezone,
                account=account,
            )
            return hook.to_json()

    def event_webhook(self, *, account: str | None = None) -> dict[str, Any] | None:
        """The account's Event Webhook settings, or None if none is set up."""
        with self._provider.lock:
            try:
                name = self._provider.state.account(account).name
            except ValueError as exc:
                raise ControlError(str(exc)) from None
            hook = self._provider.state.event_webhooks.get(name)
            return None if hook is None else hook.to_json()

    # -- tenants, roles, settings ---------------------------------------------------------------
    def add_account(self, name: str) -> dict[str, Any]:
        """Another API group (contract): its users see only its compositions."""
        with self._provider.lock:
            self._provider.seed({"accounts": [name]}, "account")
        return {"account": name}

    def add_composition(self, name: str, *, account: str | None = None) -> dict[str, str]:
        """A server composition with its own lists (names are unique across the fake)."""
        with self._provider.lock:
            item: dict[str, Any] = {"name": name}
            if account is not None:
                item["account"] = account
            self._provider.seed({"compositions": [item]}, "composition")
            comp = self._provider.state.compositions[name]
        return {"name": comp.name, "account": comp.account}

    def compositions(self, *, account: str | None = None) -> list[str]:
        with self._provider.lock:
            state = self._provider.state
            return [c.name for c in state.compositions.values() if account is None or c.account == account]

    def add_user(
        self,
        api_user: str,
        api_key: str | None = None,
        *,
        role: str = "user",
        reference: bool = True,
        download: bool = True,
        account: str | None = None,
        time_zone: str = "+09:00",
    ) -> dict[str, Any]:
        """An API user (``role="user"``) or API group administrator (``role="admin"``)
        with the data reference and download permissions as given; ``time_zone``
        applies to ``created`` and to start_date/end_date. Returns its record,
        ``api_key`` included (generated when not given)."""
        fields: dict[str, Any] = {
            "api_user": api_user,
            "role": role,
            "reference": reference,
            "download": download,
            "time_zone": time_zone,
        }
        if api_key is not None:
            fields["api_key"] = api_key
        if account is not None:
            fields["account"] = account
        with self._provider.lock:
            self._provider.seed({"users": [fields]}, "user")
            return self._provider.state.users[api_user].to_dict()

    def users(self) -> list[dict[str, Any]]:
        with self._provider.lock:
            return [u.to_dict() for u in self._provider.state.users.values()]

    def set_encryption(self, password: str | None, *, cipher: str = "zipcrypto", account: str | None = None) -> None:
        """Data encryption: downloads become ZIPs protected by ``password``
        (``cipher``: ``"zipcrypto"``, which ``zipfile`` opens, or ``"aes"``, which
        needs pyzipper). ``None`` turns it off."""
        with self._provider.lock:
            self._provider.set_encryption(password, cipher, account)

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Options for what the documents leave open: ``empty_list_status`` (200 or
        204), ``csv_line_end`` (``"\\n"`` or ``"\\r\\n"``), ``batch_time``
        (``"03:00"`` JST), ``block_threshold`` (errors that block, default 1).
        Returns every setting."""
        with self._provider.lock:
            try:
                return self._provider.state.configure(**settings).to_dict()
            except ValueError as exc:
                raise ControlError(str(exc), where="settings") from None

    @property
    def settings(self) -> dict[str, Any]:
        return self._provider.state.settings.to_dict()
