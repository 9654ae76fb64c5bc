"""Hypothesis strategies for SendGrid's ``POST /v3/mail/send`` (issue 21), exported by
``pytest_mailblocks.strategies`` as ``sendgrid_mail_send_bodies`` and
``sendgrid_mail_send_cases``.

- :func:`mail_send_bodies`: bodies the fake (and SendGrid) take: a sender, one to
  three personalizations of unique recipients (to, cc, bcc; the simulator domain
  among them), a subject, text and HTML content, sometimes categories and custom
  arguments;
- :func:`mail_send_cases`: :class:`~pytest_mailblocks.strategies.Case` values: valid
  ones (``error`` None: a 202), or a valid body with exactly one documented problem
  (``error``: the catalogue row, its ``field`` the one the answer names).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ...core.errors import ErrorEntry
from ...strategies import Case, _on, emails, simulator_emails
from . import errors as E

__all__ = ["mail_send_bodies", "mail_send_cases"]

_ADDRESS = st.one_of(emails(idn=False), simulator_emails())
_TEXT = st.text("abcdefghijklmnopqrstuvwxyz ABC0123456789", min_size=1, max_size=20)


@st.composite
def mail_send_bodies(draw: Any, max_recipients: int = 6) -> dict[str, Any]:
    """A body SendGrid takes (recipients unique across the whole send, case aside)."""
    addresses = draw(st.lists(_ADDRESS, min_size=1, max_size=max_recipients, unique_by=lambda a: a.lower()))
    groups = draw(st.integers(1, min(3, len(addresses))))
    personalizations = []
    for i in range(groups):
        mine = addresses[i::groups]
        p: dict[str, Any] = {"to": [{"email": mine[0]}]}
        for address in mine[1:]:
            p.setdefault(draw(st.sampled_from(("to", "cc", "bcc"))), []).append({"email": address})
        if draw(st.booleans()):
            p["subject"] = draw(_TEXT)
        if draw(st.integers(0, 3)) == 0:
            p["custom_args"] = {"n": str(i)}
        personalizations.append(p)
    body: dict[str, Any] = {
        "personalizations": personalizations,
        "from": {"email": draw(emails(idn=False)), "name": draw(_TEXT)},
        "subject": draw(_TEXT),
        "content": [{"type": "text/plain", "value": draw(_TEXT)}, {"type": "text/html", "value": "<p>x</p>"}],
    }
    if draw(st.booleans()):
        body["categories"] = draw(st.lists(_TEXT, max_size=3, unique=True))
    if draw(st.booleans()):
        body["custom_args"] = {"order": draw(_TEXT)}
    return body


def _problem(mutate: Callable[[dict[str, Any]], Any], entry: ErrorEntry, field: str | None) -> Any:
    def apply(body: dict[str, Any]) -> Case:
        broken = copy.deepcopy(body)
        mutate(broken)
        return Case(broken, entry if field is None else _on(entry, field), {})

    return apply


def _first_to(body: dict[str, Any], value: Any) -> None:
    body["personalizations"][0]["to"][0]["email"] = value


_PROBLEMS = [
    _problem(lambda b: b.pop("from"), E.SG_SEND_FROM_REQUIRED, "from.email"),
    _problem(lambda b: b.update({"from": {"email": "nobody"}}), E.SG_SEND_INVALID_ADDRESS, "from.email"),
    _problem(lambda b: b.update({"personalizations": []}), E.SG_SEND_PERSONALIZATIONS_REQUIRED, "personalizations"),
    _problem(lambda b: b["personalizations"][0].pop("to"), E.SG_SEND_TO_REQUIRED, "personalizations.0.to"),
    _problem(lambda b: _first_to(b, "not an address"), E.SG_SEND_INVALID_ADDRESS, "personalizations.0.to.0.email"),
    _problem(lambda b: _first_to(b, ""), E.SG_SEND_EMAIL_REQUIRED, "personalizations.0.to.0.email"),
    _problem(
        lambda b: b["personalizations"][0].update({"bcc": [dict(b["personalizations"][0]["to"][0])], "cc": []}),
        E.SG_SEND_DUPLICATE_IN_PERSONALIZATION,
        "personalizations.0",
    ),
    _problem(lambda b: b.update({"subject": ""}), E.SG_SEND_SUBJECT_EMPTY, "subject"),
    _problem(
        lambda b: (b.pop("subject"), [p.pop("subject", None) for p in b["personalizations"]]),
        E.SG_SEND_SUBJECT_REQUIRED,
        "subject",
    ),
    _problem(lambda b: b.pop("content"), E.SG_SEND_CONTENT_REQUIRED, "content"),
    _problem(lambda b: b["content"].reverse(), E.SG_SEND_CONTENT_ORDER, "content"),
    _problem(
        lambda b: b.update({"mail_settings": {"sandbox_mode": {"enable": "true"}}}),
        E.SG_SEND_SETTING_BOOLEAN,
        "mail_settings.sandbox_mode.enable",
    ),
    _problem(
        lambda b: b.update({"categories": [f"c{i}" for i in range(11)]}), E.SG_SEND_CATEGORIES_LIMIT, "categories"
    ),
    _problem(lambda b: b.update({"send_at": "soon"}), E.SG_SEND_SEND_AT_INTEGER, "send_at"),
    _problem(lambda b: b.update({"custom_args": {"n": 1}}), E.SG_SEND_CUSTOM_ARGS_STRINGS, "custom_args"),
]


def mail_send_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``POST /v3/mail/send`` (``params``: the JSON body): valid, a 202; invalid, a valid
    body with one problem and the 400 it gets (``SG_SEND_*``: ``message``, ``field``)."""
    if valid:
        return mail_send_bodies().map(lambda body: Case(body, None, {}))
    return st.builds(lambda body, problem: problem(body), mail_send_bodies(), st.sampled_from(_PROBLEMS))
