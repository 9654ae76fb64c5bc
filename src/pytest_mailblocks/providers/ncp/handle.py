"""``server.ncp``: seed, read back and configure the NAVER Cloud Outbound Mailer fake."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...core.delivery import DeliveryHandle
from ...core.handle import Handle
from ...generators import Generated
from .models import PROJECT_FLAGS, signature

if TYPE_CHECKING:
    from . import Ncp
    from .status import MailStore

__all__ = ["NcpHandle"]

#: "use the default" for arguments where None is a meaningful value
DEFAULT: Any = type("Default", (), {"__repr__": lambda self: "DEFAULT"})()
Instant = int | float | str | datetime | None


class NcpHandle(DeliveryHandle, Generated, Handle):
    """The NCP fake. ``ncp.url`` replaces ``https://mail.apigw.ntruss.com``; requests are
    signed with ``ncp.access_key`` / ``ncp.secret_key`` (project ``"default"``).

    >>> ncp.add_block("test01@ncp-mail.com", requester="OTHER_CUSTOMER")  # doctest: +SKIP

    Delivery simulation (``POST /api/v1/mails``, issue 21): ``ncp.outcome(address, kind,
    ...)``, ``ncp.events(type=..., email=...)``, ``ncp.sends()``, ``ncp.mail_requests()``,
    ``ncp.request_status(request_id)``, ``ncp.mail(mail_id)`` (see ``docs/providers/ncp.md``).
    """

    generated_block = "ncp_send_block"

    _provider: Ncp

    # -- credentials ------------------------------------------------------------------
    @property
    def access_key(self) -> str:
        return self._provider.credentials["access_key"]

    @property
    def secret_key(self) -> str:
        return self._provider.credentials["secret_key"]

    @property
    def project(self) -> str:
        """The default key's project."""
        return self._provider.state.DEFAULT_PROJECT

    def signed_headers(
        self,
        method: str,
        target: str,
        *,
        access_key: str | None = None,
        timestamp: int | str | None = None,
    ) -> dict[str, str]:
        """The three gateway headers for ``method`` and ``target`` (path and query exactly
        as they will be sent), signed with ``access_key``'s secret at the fake's now."""
        with self._provider.lock:
            key = self._provider.state.keys.get(access_key or self.access_key)
            if key is None:
                raise ValueError(f"unknown access key {access_key!r}")
            secret = key.secret_key
            ts = str(self._provider.now_ms() if timestamp is None else timestamp)
        return {
            "x-ncp-apigw-timestamp": ts,
            "x-ncp-iam-access-key": key.access_key,
            "x-ncp-apigw-signature-v2": signature(secret, method.upper(), target, ts, key.access_key),
        }

    # -- keys and projects ------------------------------------------------------------
    def add_access_key(
        self,
        access_key: str | None = None,
        secret_key: str | None = None,
        *,
        project: str | None = None,
        permitted: bool = True,
        forbidden: bool = False,
    ) -> dict[str, Any]:
        """Create an access key in ``project`` (default: a new project of its own) and
        return it. ``permitted=False``: the gateway answers 401/210; ``forbidden=True``:
        403/230."""
        return self._provider.add_access_key(
            {
                "access_key": access_key,
                "secret_key": secret_key,
                "project": project,
                "permitted": permitted,
                "forbidden": forbidden,
            },
            "access_key",
        )

    def revoke_access_key(self, access_key: str) -> bool:
        with self._provider.lock:
            return self._provider.state.keys.pop(access_key, None) is not None

    def access_keys(self) -> list[dict[str, Any]]:
        with self._provider.lock:
            return [k.to_dict() for k in self._provider.state.keys.values()]

    def projects(self) -> list[dict[str, Any]]:
        with self._provider.lock:
            return [p.to_dict() for p in self._provider.state.projects.values()]

    def set_account(self, project: str | None = None, **flags: bool) -> dict[str, Any]:
        """Set account flags of ``project`` (default: the default key's); each makes
        every mailer call fail with one documented code: ``login_error`` (77101),
        ``subscribed=False`` (77202), ``permission_denied`` (77201),
        ``default_project=False`` (77301), ``resource_missing`` (77103),
        ``external_system_error`` (77302), ``internal_error`` (77303)."""
        return self._provider.configure_project({"name": project or self.project, **flags}, "set_account")

    def set_subscribed(self, subscribed: bool = True, project: str | None = None) -> None:
        """``False``: the account has not applied for the mail service (403/77202)."""
        self.set_account(project, subscribed=subscribed)

    def set_block_duration(self, hours: float, project: str | None = None) -> None:
        """The project's block time for blocks added from now on (168 h by default;
        existing blocks keep theirs, as the console documents)."""
        self._provider.configure_project({"name": project or self.project, "block_hours": hours}, "block_duration")

    def set_quota(self, limit: int | None, period: str = "day", *, access_key: str | None = None) -> None:
        """Gateway quota: ``limit`` calls per calendar ``period`` (minute, hour, day,
        month; KST) for each key (or only ``access_key``); over it: 429/400. ``None``
        turns it off."""
        self._provider.configure_quota({"limit": limit, "period": period, "access_key": access_key}, "quota")

    def set_strict_signing(self, strict: bool = True) -> None:
        """``True``: accept only a signature over the target exactly as sent (no
        ``path?`` for a request without a query). Default off; see the docs."""
        with self._provider.lock:
            self._provider.state.lenient_empty_query = not strict

    # -- send blocks ------------------------------------------------------------------
    def add_block(
        self,
        email: str,
        *,
        requester: str = "SYSTEM",
        result_code: str | None = DEFAULT,
        result_message: str | None = DEFAULT,
        created: Instant = None,
        hours: float | None = None,
        project: str | None = None,
        region: str = "KR",
    ) -> dict[str, Any]:
        """Block ``email`` service-wide: a Create history entry and an expiry
        ``created + hours`` (default: ``project``'s block time, 168 h). ``requester``:
        ``SYSTEM`` (default), ``CUSTOMER`` (caused by ``project``), ``OTHER_CUSTOMER``
        or ``ADMIN``. ``result_code`` defaults to ``RECIPIENT_ADDRESS_ERROR`` with an
        SMTP message (none for ``ADMIN``)."""
        fields: dict[str, Any] = {"email": email, "requester": requester, "region": region}
        for name, value in (
            ("result_code", result_code),
            ("result_message", result_message),
            ("created", created),
            ("hours", hours),
            ("project", project),
        ):
            if value is not DEFAULT and (value is not None or name in ("result_code", "result_message")):
                fields[name] = value
        return self._provider.add_block(fields, "add_block")

    def remove_block(
        self,
        email: str,
        *,
        requester: str = "CUSTOMER",
        project: str | None = None,
        at: Instant = None,
        region: str = "KR",
    ) -> bool:
        """Unblock ``email`` for every project (a Delete entry by ``requester``, at
        ``at`` or now); False if it is not blocked."""
        fields: dict[str, Any] = {"email": email, "requester": requester, "region": region}
        if project is not None:
            fields["project"] = project
        if at is not None:
            fields["at"] = at
        return self._provider.remove_block(fields, "remove_block")

    def blocks(self, region: str = "KR") -> list[dict[str, Any]]:
        """Addresses blocked now (expired blocks are gone), soonest expiry first."""
        return self._provider.control_blocks({"region": region})

    def block(self, email: str, region: str = "KR") -> dict[str, Any] | None:
        found = self._provider.control_blocks({"region": region, "email": email})
        return found[0] if found else None

    def history(
        self, email: str, *, project: str | None = None, region: str = "KR", lang: str = "en"
    ) -> list[dict[str, Any]]:
        """The address's history as getSendBlockList shows it to ``project``, oldest first."""
        return self._provider.history(email, project=project, region=region, lang=lang)

    # -- unsubscribers ----------------------------------------------------------------
    def add_unsubscriber(
        self,
        email: str,
        *,
        by_manager: bool = True,
        created: Instant = None,
        project: str | None = None,
        region: str = "KR",
    ) -> dict[str, Any]:
        """Put ``email`` on ``project``'s unsubscribe list (``by_manager=False``: the
        recipient used the unsubscribe link)."""
        fields: dict[str, Any] = {"email": email, "by_manager": by_manager, "region": region}
        if created is not None:
            fields["created"] = created
        if project is not None:
            fields["project"] = project
        return self._provider.add_unsubscriber(fields, "add_unsubscriber")

    def remove_unsubscriber(self, email: str, *, project: str | None = None, region: str = "KR") -> bool:
        with self._provider.lock:
            return self._provider.state.project(project).unsubscriber_list(self._provider.region(region)).remove(email)

    def unsubscribers(self, *, project: str | None = None, region: str = "KR") -> list[dict[str, Any]]:
        """The project's unsubscribe list, oldest first."""
        return self._provider.unsubscriber_records(project, region)

    @staticmethod
    def account_flags() -> list[str]:
        """The names ``set_account`` takes."""
        return list(PROJECT_FLAGS)

    # -- sends (issue 21) ---------------------------------------------------------------
    def mail_requests(self, project: str | None = None) -> list[dict[str, Any]]:
        """The send requests kept (of ``project``), oldest first: ``project``, ``region``,
        ``held`` (waiting for ``confirm``) and the request's status as
        getMailRequestStatus shows it."""
        return self._provider.mail_requests(project)

    def request_status(self, request_id: str, *, lang: str = "en") -> dict[str, Any] | None:
        """getMailRequestStatus's body for ``request_id`` (any project), or None."""
        return self._provider.request_status(request_id, lang)

    def mail(self, mail_id: str, *, lang: str = "en") -> dict[str, Any] | None:
        """getMail's body for ``mail_id`` (any project), or None."""
        return self._provider.mail_detail(mail_id, lang)

    def mail_ids(self, request_id: str) -> list[str]:
        """The mails a request made, in order (one per recipient for an individual send)."""
        return self._provider.mail_ids(request_id)

    def confirm(self, request_id: str) -> bool:
        """Send a request made with ``confirmAndSend: true`` (the console's confirmation):
        now, or at its reservation. False if no such request waits."""
        return self._provider.confirm(request_id)

    @property
    def mail_store(self) -> MailStore:
        """The requests kept for the status APIs, bounded: ``mail_store.maxlen`` (10,000
        requests) and ``mail_store.max_bytes`` (64 MiB, estimated), settable; the oldest
        go first and are then not found (77103)."""
        return self._provider.mail_store()
