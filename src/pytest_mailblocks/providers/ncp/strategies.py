"""NAVER Cloud Outbound Mailer's Hypothesis strategies: records as its handle and seed take them,
and one ``*_cases()`` per endpoint (:class:`~pytest_mailblocks.strategies.Case` values);
for ``POST /api/v1/mails`` (issue 21):

- :func:`mail_send_bodies`: createMailRequest bodies the fake (and NCP) take: a sender,
  a title and body, one to six recipients (the simulator domain among them), an
  individual send of ``R`` recipients or a general one with ``C`` and ``B``, sometimes
  a sender name, substitution parameters, an advertising flag;
- :func:`mail_send_cases`: valid ones (``error`` None: a 201), or a valid body with
  exactly one documented problem (``error``: the catalogue row, 77102 or 77103).

``pytest_mailblocks.strategies`` exports each as ``ncp_<name>``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from ...core.errors import ErrorEntry
from ...generators.strategies import (
    Case,
    as_cases,
    broken,
    digit_strings,
    emails,
    merged,
    one_value,
    params_of,
    respelled,
    simulator_emails,
    spoil,
)
from . import errors
from .delivery import FORBIDDEN_SENDER_DOMAINS
from .models import HARD_BOUNCE_CODES

__all__ = [
    "mail_send_bodies",
    "mail_send_cases",
    "send_block_cases",
    "send_block_params",
    "send_blocks",
    "unsubscribers_add_cases",
    "unsubscribers_delete_cases",
    "unsubscribers_list_cases",
]


def send_blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Send blocks as ``ncp_fake.add_block`` and the seed take them."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "requester": st.sampled_from(["SYSTEM", "CUSTOMER", "OTHER_CUSTOMER"]),
            "result_code": st.sampled_from(HARD_BOUNCE_CODES),
            "hours": st.integers(1, 24 * 30),
        }
    )


def _paging(properties: list[str]) -> dict[str, st.SearchStrategy[str]]:
    """size, page and sort as Spring reads them (spaces trimmed, a sign allowed, empty
    is the default; sort ``property(,property)(,asc|desc)(,ignorecase)``)."""
    prop = st.sampled_from(properties)
    sort = st.builds(
        lambda props, direction, ignore: ",".join([*props, *direction, *ignore]),
        st.lists(prop, min_size=1, max_size=2),
        st.sampled_from([[], ["asc"], ["desc"], ["DESC"]]),
        st.sampled_from([[], ["ignorecase"]]),
    )
    return {
        "size": st.one_of(digit_strings(1, 100), st.sampled_from(["", " 5 ", "+5", "2147483647"])),
        "page": st.one_of(digit_strings(0, 10), st.sampled_from(["", "+0"])),
        "sort": st.one_of(sort, st.just("")),
    }


def _paging_defects(bad: ErrorEntry) -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    return [
        (one_value("size", ["0", "-1", "x", "1.5", "2147483648", "--1"]), bad),
        (one_value("page", ["-1", "x", "2147483648"]), bad),
        (one_value("sort", ["nope", "createUtc,up", "CREATEUTC", "sendDate", "createUtc,desc,asc"]), bad),
    ]


_NOT_ADDRESSES = ["", "not-an-address", "a@", "@example.com", "a@例え.jp", "a b@example.com", "x" * 250 + "@a.io"]


def send_block_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``GET /api/v1/send-block``: query parameters; 200, a Spring page. Invalid:
    400 ``NCP_BAD_REQUEST`` (77102)."""
    good = st.fixed_dictionaries(
        {"targetAddress": emails(idn=False)},
        optional=_paging(["createUtc", "historySid"]),
    )
    if valid:
        return as_cases(good)
    bad = errors.NCP_BAD_REQUEST
    return spoil(
        good,
        (st.just({"targetAddress": None}), bad),
        (one_value("targetAddress", _NOT_ADDRESSES), bad),
        *_paging_defects(bad),
    )


def send_block_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The ``params`` of :func:`send_block_cases`."""
    return params_of(send_block_cases(valid=valid))


_KST = timezone(timedelta(hours=9))
_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.{ms}", "%Y-%m-%d %H:%M:%S {ms}"]


def _instant(name: str) -> st.SearchStrategy[dict[str, str]]:
    """``<name>Utc`` (epoch ms), ``<name>DateTime`` (UTC+9, four formats), or both
    (``Utc`` wins)."""

    def text(ms: int, fmt: str) -> str:
        when = datetime.fromtimestamp(ms / 1000, _KST)
        return when.strftime(fmt.replace("{ms}", f"{ms % 1000:03d}"))

    ms = st.integers(1_400_000_000_000, 1_900_000_000_000)
    return st.one_of(
        ms.map(lambda v: {f"{name}Utc": str(v)}),
        st.builds(lambda v, f: {f"{name}DateTime": text(v, f)}, ms, st.sampled_from(_FORMATS)),
        st.builds(
            lambda v, w, f: {f"{name}Utc": str(v), f"{name}DateTime": text(w, f)}, ms, ms, st.sampled_from(_FORMATS)
        ),
    )


def unsubscribers_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``GET /api/v1/unsubscribers``: a start and an end (``startUtc`` /
    ``startDateTime``, ``endUtc`` / ``endDateTime``), ``emailAddress``,
    ``isRegByManager`` (Spring's booleans), size, page, sort; 200, a Spring page.
    Invalid: 400 ``NCP_BAD_REQUEST`` (77102)."""
    good = st.builds(
        merged,
        _instant("start"),
        _instant("end"),
        st.fixed_dictionaries(
            {},
            optional={
                "emailAddress": emails(idn=False),
                "isRegByManager": st.sampled_from(["true", "false", "on", "off", "yes", "no", "1", "0", "TRUE", "Yes"]),
                **_paging(["createUtc", "isRegByManager"]),
            },
        ),
    )
    if valid:
        return as_cases(good)
    bad = errors.NCP_BAD_REQUEST
    bad_times = ["2024-02-30", "2024/01/01", "2024-01-01T00:00", "2024-01-01 00:00:00", "yesterday", "2024-1-1"]
    return spoil(
        good,
        *[(st.just({f"{n}Utc": None, f"{n}DateTime": None}), bad) for n in ("start", "end")],
        *[(one_value(f"{n}DateTime", bad_times, **{f"{n}Utc": None}), bad) for n in ("start", "end")],
        *[(one_value(f"{n}Utc", ["x", "1.5", "1e12", "--1"]), bad) for n in ("start", "end")],
        (one_value("emailAddress", _NOT_ADDRESSES[1:]), bad),
        (one_value("isRegByManager", ["maybe", "2", "y"]), bad),
        *_paging_defects(bad),
    )


@st.composite
def _receivers(draw: Any, valid: bool) -> Case:
    """``{"blockedReceivers": [...]}``; ``seed`` lists some of them (any case), and a
    request may repeat an address."""
    addresses = draw(st.lists(emails(idn=False), min_size=1, max_size=5, unique_by=str.lower))
    listed = addresses[: draw(st.integers(0, len(addresses)))]
    seed = {"unsubscribers": [draw(respelled(a, pad=False)) for a in listed]} if listed else {}
    if valid:
        receivers = list(addresses)
        if draw(st.booleans()):
            receivers.append(draw(respelled(addresses[0], pad=False)))  # a repeat
        body: dict[str, Any] = {"blockedReceivers": receivers}
        if draw(st.booleans()):
            body["note"] = "other keys are ignored"
        return Case(body, None, seed)
    bad = errors.NCP_BAD_REQUEST
    value = draw(
        st.one_of(
            st.just({}),
            st.fixed_dictionaries(
                {
                    "blockedReceivers": st.one_of(
                        st.just([]),
                        st.none(),
                        st.just(addresses[0]),
                        st.sampled_from(_NOT_ADDRESSES).map(lambda a: [*addresses, a]),
                        st.just([*addresses, 5]),
                    )
                }
            ),
            st.just(addresses),  # the list alone, not in an object
        )
    )
    return Case(value, bad, seed)


def unsubscribers_add_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``POST /api/v1/unsubscribers`` (``params``: the JSON body, sent as
    ``application/json``): 201 ``{"count", "requestCount", "ignoreCount"}``, ``count``
    the addresses ``seed`` did not list (once each). Invalid: 400 77102."""
    return _receivers(valid)


def unsubscribers_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``DELETE /api/v1/unsubscribers``: 200, ``count`` the addresses ``seed`` listed.
    Invalid: 400 77102."""
    return _receivers(valid)


# -- mail send (issue 21) ----------------------------------------------------------------------
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


def _first(body: dict[str, Any], **fields: Any) -> None:
    body["recipients"][0].update(fields)


def _cc_in_individual(body: dict[str, Any]) -> None:
    body.update(individual=True, recipients=[*body["recipients"], {"address": "cc@example.net", "type": "C"}])


_PROBLEMS = [
    broken(lambda b: b.pop("senderAddress"), errors.NCP_SEND_SENDER_REQUIRED),
    broken(lambda b: b.update(senderAddress="shop"), errors.NCP_SEND_SENDER_INVALID),
    broken(lambda b: b.update(senderAddress="shop@naver.com"), errors.NCP_SEND_SENDER_DOMAIN),
    broken(lambda b: b.update(senderName="x" * 70), errors.NCP_SEND_SENDER_NAME_TOO_LONG),
    broken(lambda b: b.pop("title"), errors.NCP_SEND_TITLE_REQUIRED),
    broken(lambda b: b.update(title="x" * 501), errors.NCP_SEND_TITLE_TOO_LONG),
    broken(lambda b: b.pop("body"), errors.NCP_SEND_BODY_REQUIRED),
    broken(lambda b: b.update(referencesHeader="no-brackets"), errors.NCP_SEND_REFERENCES_HEADER),
    broken(lambda b: b.update(reservationUtc=1), errors.NCP_SEND_RESERVATION_INVALID),
    broken(lambda b: b.update(recipients=[]), errors.NCP_SEND_RECIPIENTS_REQUIRED),
    broken(lambda b: _first(b, address="not an address"), errors.NCP_SEND_RECIPIENT_INVALID),
    broken(lambda b: _first(b, name="x" * 70), errors.NCP_SEND_RECIPIENT_NAME_TOO_LONG),
    broken(lambda b: _first(b, type="X"), errors.NCP_SEND_RECIPIENT_TYPE),
    broken(_cc_in_individual, errors.NCP_SEND_CC_INDIVIDUAL),
    broken(lambda b: b.update(attachFileIds=["file-1"]), errors.NCP_SEND_FILE_NOT_FOUND),
    broken(lambda b: b.update(recipientGroupFilter={"groups": ["vip"]}), errors.NCP_SEND_GROUP_NOT_FOUND),
    broken(lambda b: b.update(individual="sometimes"), errors.NCP_SEND_BODY_INVALID),
]


def mail_send_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``POST /api/v1/mails`` (``params``: the JSON body): valid, a 201; invalid, a
    valid body with one documented problem and the 400 it gets (``NCP_SEND_*``)."""
    if valid:
        return mail_send_bodies().map(lambda body: Case(body, None, {}))
    return st.builds(lambda body, problem: problem(body), mail_send_bodies(), st.sampled_from(_PROBLEMS))
