"""Hypothesis strategies for NCP's ``POST /api/v1/mails`` (issue 21), exported by
``pytest_mailblocks.strategies`` as ``ncp_mail_send_bodies`` and ``ncp_mail_send_cases``.

- :func:`mail_send_bodies`: createMailRequest bodies the fake (and NCP) take: a sender,
  a title and body, one to six recipients (the simulator domain among them), an
  individual send of ``R`` recipients or a general one with ``C`` and ``B``, sometimes
  a sender name, substitution parameters, an advertising flag;
- :func:`mail_send_cases`: :class:`~pytest_mailblocks.strategies.Case` values: valid
  ones (``error`` None: a 201), or a valid body with exactly one documented problem
  (``error``: the catalogue row, 77102 or 77103).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ...core.errors import ErrorEntry
from ...strategies import Case, emails, simulator_emails
from . import errors as E
from .delivery import FORBIDDEN_SENDER_DOMAINS

__all__ = ["mail_send_bodies", "mail_send_cases"]

_ADDRESS = st.one_of(emails(idn=False), simulator_emails())
_SENDER = emails(idn=False).filter(lambda a: a.rsplit("@", 1)[1].lower() not in FORBIDDEN_SENDER_DOMAINS)
_TEXT = st.text("abcdefghijklmnopqrstuvwxyz ABC0123456789가나다", min_size=1, max_size=20)


@st.composite
def mail_send_bodies(draw: Any, max_recipients: int = 6) -> dict[str, Any]:
    """A body NCP takes (recipients unique, case aside)."""
    addresses = draw(st.lists(_ADDRESS, min_size=1, max_size=max_recipients, unique_by=lambda a: a.lower()))
    individual = draw(st.booleans())
    recipients: list[dict[str, Any]] = []
    for i, address in enumerate(addresses):
        kind = "R" if individual or i == 0 else draw(st.sampled_from("RCB"))
        item: dict[str, Any] = {"address": address, "type": kind}
        if draw(st.integers(0, 3)) == 0:
            item["name"] = draw(_TEXT)
        if draw(st.integers(0, 3)) == 0:
            item["parameters"] = {"name": draw(_TEXT)}
        recipients.append(item)
    body: dict[str, Any] = {
        "senderAddress": draw(_SENDER),
        "title": "Hello ${name}" if draw(st.booleans()) else draw(_TEXT),
        "body": draw(_TEXT),
        "recipients": recipients,
        "individual": individual,
    }
    if draw(st.booleans()):
        body["senderName"] = draw(_TEXT)
    if draw(st.booleans()):
        body["advertising"] = True
    if draw(st.integers(0, 3)) == 0:
        body["parameters"] = {"name": draw(_TEXT)}
    return body


def _problem(mutate: Callable[[dict[str, Any]], Any], entry: ErrorEntry) -> Any:
    def apply(body: dict[str, Any]) -> Case:
        broken = copy.deepcopy(body)
        mutate(broken)
        return Case(broken, entry, {})

    return apply


def _first(body: dict[str, Any], **fields: Any) -> None:
    body["recipients"][0].update(fields)


_PROBLEMS = [
    _problem(lambda b: b.pop("senderAddress"), E.NCP_SEND_SENDER_REQUIRED),
    _problem(lambda b: b.update(senderAddress="shop"), E.NCP_SEND_SENDER_INVALID),
    _problem(lambda b: b.update(senderAddress="shop@naver.com"), E.NCP_SEND_SENDER_DOMAIN),
    _problem(lambda b: b.update(senderName="x" * 70), E.NCP_SEND_SENDER_NAME_TOO_LONG),
    _problem(lambda b: b.pop("title"), E.NCP_SEND_TITLE_REQUIRED),
    _problem(lambda b: b.update(title="x" * 501), E.NCP_SEND_TITLE_TOO_LONG),
    _problem(lambda b: b.pop("body"), E.NCP_SEND_BODY_REQUIRED),
    _problem(lambda b: b.update(referencesHeader="no-brackets"), E.NCP_SEND_REFERENCES_HEADER),
    _problem(lambda b: b.update(reservationUtc=1), E.NCP_SEND_RESERVATION_INVALID),
    _problem(lambda b: b.update(recipients=[]), E.NCP_SEND_RECIPIENTS_REQUIRED),
    _problem(lambda b: _first(b, address="not an address"), E.NCP_SEND_RECIPIENT_INVALID),
    _problem(lambda b: _first(b, name="x" * 70), E.NCP_SEND_RECIPIENT_NAME_TOO_LONG),
    _problem(lambda b: _first(b, type="X"), E.NCP_SEND_RECIPIENT_TYPE),
    _problem(
        lambda b: b.update(individual=True, recipients=[*b["recipients"], {"address": "cc@example.net", "type": "C"}]),
        E.NCP_SEND_CC_INDIVIDUAL,
    ),
    _problem(lambda b: b.update(attachFileIds=["file-1"]), E.NCP_SEND_FILE_NOT_FOUND),
    _problem(lambda b: b.update(recipientGroupFilter={"groups": ["vip"]}), E.NCP_SEND_GROUP_NOT_FOUND),
    _problem(lambda b: b.update(individual="sometimes"), E.NCP_SEND_BODY_INVALID),
]


def mail_send_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``POST /api/v1/mails`` (``params``: the JSON body): valid, a 201; invalid, a
    valid body with one documented problem and the 400 it gets (``NCP_SEND_*``)."""
    if valid:
        return mail_send_bodies().map(lambda body: Case(body, None, {}))
    return st.builds(lambda body, problem: problem(body), mail_send_bodies(), st.sampled_from(_PROBLEMS))
