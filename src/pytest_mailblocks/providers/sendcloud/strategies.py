"""Hypothesis strategies for SendCloud's ``mail/send`` (issue 21), exported by
``pytest_mailblocks.strategies`` as ``sendcloud_mail_send_params`` and
``sendcloud_mail_send_cases``.

- :func:`mail_send_params`: form parameters the fake (and SendCloud) take: a sender
  (sometimes with a display name), one to six recipients in ``to`` (some in ``cc`` and
  ``bcc``) or in ``xsmtpapi``, the simulator domain among them, a subject, text or HTML,
  sometimes a label, a reply-to and ``SC-Custom`` headers; without ``apiUser`` and
  ``apiKey``, which the caller adds;
- :func:`mail_send_cases`: :class:`~pytest_mailblocks.strategies.Case` values: valid
  ones (``error`` None: ``result: true`` with one emailId per recipient), or valid
  parameters with exactly one documented problem (``error``: the catalogue row, its
  ``code`` the ``statusCode`` answered).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ...core.errors import ErrorEntry
from ...strategies import Case, emails, simulator_emails
from . import errors as E

__all__ = ["mail_send_cases", "mail_send_params"]

_ADDRESS = st.one_of(emails(idn=False), simulator_emails())
_TEXT = st.text("abcdefghijklmnopqrstuvwxyz ABC0123456789", min_size=1, max_size=20)


@st.composite
def mail_send_params(draw: Any, max_recipients: int = 6) -> dict[str, str]:
    """Parameters SendCloud takes for ``mail/send`` (``apiUser``/``apiKey`` aside)."""
    recipients = draw(st.lists(_ADDRESS, min_size=1, max_size=max_recipients))
    sender = draw(emails(idn=False))
    params = {"from": f"{draw(_TEXT).strip() or 'Shop'} <{sender}>" if draw(st.booleans()) else sender}
    if draw(st.booleans()):
        params["xsmtpapi"] = json.dumps({"to": recipients})
    else:
        kinds = [draw(st.sampled_from(("to", "cc", "bcc"))) for _ in recipients[1:]]
        for kind in ("to", "cc", "bcc"):
            mine = [a for a, k in zip(recipients, ["to", *kinds]) if k == kind]
            if mine:
                params[kind] = ";".join(mine)
    params["subject"] = draw(_TEXT)
    params[draw(st.sampled_from(("plain", "html")))] = draw(_TEXT)
    if draw(st.integers(0, 3)) == 0:
        params["labelId"] = str(draw(st.integers(1, 10**6)))
    if draw(st.integers(0, 3)) == 0:
        params["replyTo"] = draw(emails(idn=False))
    if draw(st.integers(0, 3)) == 0:
        params["headers"] = json.dumps({"SC-Custom-Order": draw(_TEXT)})
    return params


_Problem = Callable[[dict[str, str]], dict[str, str]]
#: (what is changed, the answer), each alone on valid parameters
_PROBLEMS: list[tuple[_Problem, ErrorEntry]] = [
    (lambda p: {**p, "from": ""}, E.SC_SEND_FROM_EMPTY),
    (lambda p: {**p, "from": "shop"}, E.SC_SEND_FROM_INVALID),
    (lambda p: {**p, "respEmailId": "yes"}, E.SC_SEND_RESP_EMAIL_ID_INVALID),
    (lambda p: {**p, "gzipCompress": "1"}, E.SC_SEND_GZIP_INVALID),
    (lambda p: {**p, "useAddressList": "maybe"}, E.SC_SEND_USE_ADDRESS_LIST_INVALID),
    (lambda p: {**p, "useAddressList": "true", "to": "users@maillist.sendcloud.org"}, E.SC_SEND_ADDRESS_LIST_UNKNOWN),
    (lambda p: {**p, "xsmtpapi": "{"}, E.SC_SEND_XSMTPAPI_UNPARSABLE),
    (lambda p: {**p, "xsmtpapi": '{"to": []}'}, E.SC_SEND_XSMTPAPI_TO_EMPTY),
    (lambda p: {**p, "xsmtpapi": '{"sub": {}}'}, E.SC_SEND_XSMTPAPI_NO_TO),
    (lambda p: {k: v for k, v in p.items() if k != "xsmtpapi"} | {"to": "a@example.com;nobody"}, E.SC_SEND_TO_INVALID),
    (lambda p: {k: v for k, v in p.items() if k not in ("xsmtpapi", "to")}, E.SC_SEND_TO_EMPTY),
    (lambda p: {**p, "subject": ""}, E.SC_SEND_SUBJECT_EMPTY),
    (lambda p: {k: v for k, v in p.items() if k not in ("plain", "html")}, E.SC_SEND_CONTENT_EMPTY),
    (lambda p: {**p, "replyTo": "desk"}, E.SC_SEND_REPLY_TO_INVALID),
    (lambda p: {**p, "labelId": "x1"}, E.SC_LABEL_ID_INVALID),
    (lambda p: {**p, "headers": "[1]"}, E.SC_SEND_HEADERS_INVALID),
    (lambda p: {**p, "headers": '{"X-Order": 42}'}, E.SC_SEND_PROCESSING),
    (lambda p: {**p, "sendTags": "a;b;c;d;e;f"}, E.SC_SEND_TAGS_INVALID),
    (lambda p: {**p, "sendRequestId": "r" * 129}, E.SC_SEND_REQUEST_ID_TOO_LONG),
]


def _spoiled(params: dict[str, str], problem: tuple[_Problem, ErrorEntry]) -> Case:
    change, entry = problem
    return Case(change(params), entry, {})


def mail_send_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``mail/send`` (``params``: the form, ``apiUser``/``apiKey`` aside): valid, a
    success; invalid, valid parameters with one problem and the code it gets."""
    if valid:
        return mail_send_params().map(lambda params: Case(params, None, {}))
    return st.builds(_spoiled, mail_send_params(), st.sampled_from(_PROBLEMS))
