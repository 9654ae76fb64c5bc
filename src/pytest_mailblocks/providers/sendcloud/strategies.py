"""SendCloud's Hypothesis strategies: records as its handle and seed take them,
and one ``*_cases()`` per endpoint (:class:`~pytest_mailblocks.strategies.Case` values).
``pytest_mailblocks.strategies`` exports each as ``sendcloud_<name>``.

The send path (issue 21): :func:`mail_send_params`, form parameters ``mail/send``
takes (``apiUser``/``apiKey`` aside, which the caller adds), the simulator domain
among the recipients; :func:`mail_send_cases`, valid ones (one emailId per
recipient) or valid parameters with exactly one documented problem."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from ...core.errors import ErrorEntry
from ...generators.strategies import (
    LABEL,
    TLD,
    Case,
    as_cases,
    date_strings,
    digit_strings,
    emails,
    local_times,
    merged,
    one_value,
    params_of,
    simulator_emails,
    some_days,
    spoil,
)
from . import errors

__all__ = [
    "block_add_cases",
    "block_delete_cases",
    "block_list_cases",
    "blocks",
    "bounce_count_cases",
    "bounce_delete_cases",
    "bounce_list_cases",
    "bounces",
    "complaints",
    "list_params",
    "mail_send_cases",
    "mail_send_params",
    "unsubscribe_add_cases",
    "unsubscribe_delete_cases",
    "unsubscribe_list_cases",
    "unsubscribes",
]


def _future_dates() -> st.SearchStrategy[str]:
    """``yyyy-MM-dd`` twenty years after a drawn day (rows that have not expired yet)."""
    return date_strings().map(lambda d: str(int(d[:4]) + 20) + d[4:] if not d.endswith("02-29") else "2040-01-01")


def blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Block rows as ``sendcloud_fake.add_blocks`` and the seed take them (UTC+8)."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "api_user_block": st.sampled_from(["all", "batch"]),
            "expire_time": _future_dates(),
            "create_time": local_times(8),
        }
    )


def bounces() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"email": emails(idn=False), "reason": st.text(max_size=60), "bounce_time": local_times(8)}
    )


def complaints() -> st.SearchStrategy[dict[str, Any]]:
    """Complaint rows as ``sendcloud_fake.add_complaint`` and the seed take them (UTC+8;
    a row goes 180 days after ``complaint_time`` unless ``expire_time``: here a later one)."""
    return st.fixed_dictionaries(
        {"email": emails(idn=False), "complaint_time": local_times(8), "expire_time": _future_dates()}
    )


def unsubscribes() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"email": emails(idn=False), "label_id": st.integers(0, 10), "unsubscribe_time": local_times(8)}
    )


_INT_MAX = "2147483647"
_NOT_ADDRESSES = ["not-an-address", "a@", "a@b", "例@例え.jp", "a b@example.com"]


def _window() -> st.SearchStrategy[dict[str, str]]:
    """``days`` (>= 1, not limited; wins over the dates, even over a range the dates
    alone could not give), or ``startDate``/``endDate`` at most 3 months apart (an
    end before the start is an empty result); an empty ``days`` is absent."""
    days = st.one_of(digit_strings(1, 400), st.just(_INT_MAX))
    return st.one_of(
        days.map(lambda d: {"days": d}),
        st.builds(
            lambda d, n, blank: {"startDate": d.isoformat(), "endDate": (d + timedelta(days=n)).isoformat(), **blank},
            some_days(),
            st.integers(-30, 89),  # 3 calendar months are 89 days at the least
            st.sampled_from([{}, {"days": ""}]),
        ),
        st.builds(
            lambda n, d: {"days": n, "startDate": d.isoformat(), "endDate": (d + timedelta(days=400)).isoformat()},
            days,
            some_days(),
        ),
    )


def _paging() -> dict[str, st.SearchStrategy[str]]:
    return {
        "start": st.one_of(digit_strings(0, 200), st.just(_INT_MAX)),
        "limit": digit_strings(0, 100),
    }


def _paging_defects() -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    return [
        (one_value("start", ["", " "]), errors.SC_START_EMPTY),
        (one_value("start", ["-1", "x", "+1", "1.5", "2147483648"]), errors.SC_START_INVALID),
        (one_value("limit", ["", " "]), errors.SC_LIMIT_EMPTY),
        (one_value("limit", ["101", "-1", "x", "1e2"]), errors.SC_LIMIT_INVALID),
    ]


def _window_defects(**also: Any) -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    """Each defect also applies ``also`` (``email=None``: drop the address that would
    make the window unneeded)."""
    no_window = {"days": None, "startDate": None, "endDate": None}
    return [
        (one_value("days", ["0", "-1", "x", "+1", "1.5", "2147483648"], **also), errors.SC_DAYS_INVALID),
        (st.just({**no_window, **also}), errors.SC_START_DATE_INVALID),
        (
            st.builds(
                lambda s, d: {**no_window, **also, "startDate": s, "endDate": d.isoformat()},
                st.sampled_from(["2020-13-45", "2020/01/01", "20200101", "2021-02-29"]),
                some_days(),
            ),
            errors.SC_START_DATE_INVALID,
        ),
        (
            st.builds(
                lambda d, e: {**no_window, **also, "startDate": d.isoformat(), "endDate": e},
                some_days(),
                st.sampled_from(["", "2020-13-45", "2020-1-1", "tomorrow"]),
            ),
            errors.SC_END_DATE_INVALID,
        ),
        (
            st.builds(
                lambda d, n: {
                    **no_window,
                    **also,
                    "startDate": d.isoformat(),
                    "endDate": (d + timedelta(days=n)).isoformat(),
                },
                some_days(),
                st.integers(93, 400),  # 3 calendar months are 92 days at the most
            ),
            errors.SC_RANGE_TOO_LONG,
        ),
    ]


def _domains() -> st.SearchStrategy[str]:
    return st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(LABEL, min_size=1, max_size=2), TLD)


def block_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/block/list`` (``params`` without credentials): 200 with ``dataList``
    and ``count``. Invalid: ``statusCode`` 40001 .. 40008, 40012 or 40018 (HTTP 200,
    ``result: false``)."""
    good = st.builds(
        merged,
        _window(),
        st.fixed_dictionaries(
            {},
            optional={
                **_paging(),
                "email": emails(idn=False),
                "domainName": _domains(),
                "apiUserBlock": st.sampled_from(["all", "batch"]),
            },
        ),
    )
    if valid:
        return as_cases(good)
    return spoil(
        good,
        *_paging_defects(),
        *_window_defects(),
        (one_value("email", _NOT_ADDRESSES), errors.SC_EMAIL_INVALID),
    )


def list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The ``params`` of :func:`block_list_cases`."""
    return params_of(block_list_cases(valid=valid))


def _target() -> st.SearchStrategy[dict[str, str]]:
    """``email`` and/or ``domainName`` (one is required), ``apiUserBlock`` (empty: all)."""
    return st.builds(
        merged,
        st.one_of(
            st.fixed_dictionaries({"email": emails(idn=False)}),
            st.fixed_dictionaries({"domainName": _domains()}),
            st.fixed_dictionaries({"email": emails(idn=False), "domainName": _domains()}),
        ),
        st.fixed_dictionaries({}, optional={"apiUserBlock": st.sampled_from(["all", "batch", ""])}),
    )


def _target_defects() -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    return [
        (
            st.sampled_from([{"email": None, "domainName": None}, {"email": "", "domainName": " "}]),
            errors.SC_DOMAIN_OR_EMAIL_REQUIRED,
        ),
        (one_value("email", _NOT_ADDRESSES), errors.SC_EMAIL_INVALID),
    ]


def block_add_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/block/add``: ``expireTime`` (``yyyy-MM-dd``, past dates too) and the
    target; 200, one ``dataList`` row per address and per domain. Invalid: 40012,
    40019, 40020, 40021."""
    good = st.builds(merged, _target(), st.fixed_dictionaries({"expireTime": date_strings()}))
    if valid:
        return as_cases(good)
    return spoil(
        good,
        (one_value("expireTime", [None, "", " "]), errors.SC_EXPIRE_TIME_EMPTY),
        (
            one_value("expireTime", ["2024-02-30", "2024/01/01", "2024-1-1", "20240101", "2024-01-01 00:00:00"]),
            errors.SC_EXPIRE_TIME_INVALID,
        ),
        *_target_defects(),
    )


def _rows(params: dict[str, str]) -> list[dict[str, Any]]:
    """The block rows the target of ``params`` names, as the seed takes them."""
    api_user_block = params.get("apiUserBlock") or "all"
    rows = []
    if params.get("email"):
        rows.append({"email": params["email"], "api_user_block": api_user_block})
    if params.get("domainName"):
        rows.append({"domain": params["domainName"], "api_user_block": api_user_block})
    return rows


def block_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/block/delete``: the target; 200 ``{"count": n}``, ``n`` the rows of
    ``seed`` (all of them, or none). Invalid: 40012, 40021."""
    if valid:
        return st.builds(
            lambda p, listed: Case(p, None, {"blocks": _rows(p)} if listed else {}), _target(), st.booleans()
        )
    return spoil(_target(), *_target_defects())


def _email_or_window(paging: bool) -> st.SearchStrategy[dict[str, str]]:
    """The sibling lists' selection: a window, or ``email`` (then the window is
    not needed, and ignored when given)."""
    return st.builds(
        merged,
        st.one_of(
            _window(),
            st.fixed_dictionaries({"email": emails(idn=False)}),
            st.builds(merged, st.fixed_dictionaries({"email": emails(idn=False)}), _window()),
        ),
        st.fixed_dictionaries({}, optional=_paging()) if paging else st.just({}),
    )


def _sibling(paging: bool, valid: bool, extra: dict[str, Any] | None = None) -> st.SearchStrategy[Case]:
    good = _email_or_window(paging)
    if extra:
        good = st.builds(merged, good, st.fixed_dictionaries({}, optional=extra))
    if valid:
        return as_cases(good)
    return spoil(
        good,
        *(_paging_defects() if paging else []),
        *_window_defects(email=None),
        (one_value("email", _NOT_ADDRESSES), errors.SC_EMAIL_INVALID),
    )


def bounce_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/bounce/list``: a window or ``email``, start, limit; 200 with
    ``dataList`` and ``count``. Invalid: 40001 .. 40008, 40012, 40018."""
    return _sibling(True, valid)


def bounce_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/bounce/delete``: a window or ``email``; 200 ``{"count": n}``. Invalid:
    40006, 40007, 40008, 40012, 40018."""
    return _sibling(False, valid)


def bounce_count_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/bounce/count``: a window (required); 200 ``{"count": n}``. Invalid:
    40006, 40007, 40008, 40018."""
    if valid:
        return as_cases(_window())
    return spoil(_window(), *_window_defects())


def _semicolons(items: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``a;b;c``, optionally in brackets."""
    return st.builds(
        lambda xs, wrap: ("[{}]" if wrap else "{}").format(";".join(xs)),
        st.lists(items, min_size=1, max_size=3),
        st.booleans(),
    )


def unsubscribe_list_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/unsubscribe/list``: a window or ``email``, start, limit, ``labelIdList``
    and ``apiUserList`` (``a;b``, bracketed or not); 200 with ``dataList`` and
    ``count``. Invalid: 40001 .. 40010, 40012, 40015, 40016, 40018."""
    extra = {
        "labelIdList": _semicolons(digit_strings(0, 20)),
        "apiUserList": _semicolons(st.sampled_from(["mailblocks_default", "shop", "batch"])),
    }
    if valid:
        return _sibling(True, True, extra)
    good = st.builds(merged, _email_or_window(True), st.fixed_dictionaries({}, optional=extra))
    return st.one_of(
        _sibling(True, False, extra),
        spoil(
            good,
            (one_value("labelIdList", ["", "[]", " "]), errors.SC_LABEL_ID_LIST_EMPTY),
            (one_value("labelIdList", ["a", "1;b", "1;;2", "-1", "2147483648"]), errors.SC_LABEL_ID_INVALID),
            (one_value("apiUserList", ["", "[]"]), errors.SC_API_USER_LIST_EMPTY),
            (one_value("apiUserList", ["a;;b", ";shop", "[shop;]"]), errors.SC_API_USER_LIST_INVALID),
        ),
    )


def unsubscribe_add_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/unsubscribe/add``: ``email``; ``result: true`` with ``statusCode`` 40401
    and ``info.data`` the row. Invalid: 40011 (no email), 40012."""
    if valid:
        return as_cases(st.fixed_dictionaries({"email": emails(idn=False)}))
    return st.one_of(
        as_cases(st.sampled_from([{}, {"email": ""}, {"email": "  "}]), errors.SC_EMAIL_EMPTY),
        as_cases(one_value("email", _NOT_ADDRESSES), errors.SC_EMAIL_INVALID),
    )


def unsubscribe_delete_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``/api/unsubscribe/delete``: a window or ``email``; 200 ``{"count": n}``.
    Invalid: 40006, 40007, 40008, 40012, 40018."""
    return _sibling(False, valid)


# -- mail send (issue 21) ----------------------------------------------------------------------
_ADDRESS = st.one_of(emails(idn=False), simulator_emails())
_TEXT = st.text("abcdefghijklmnopqrstuvwxyz ABC0123456789", min_size=1, max_size=20)


@st.composite
def mail_send_params(draw: Any, max_recipients: int = 6) -> dict[str, str]:
    """Parameters SendCloud takes for ``mail/send`` (``apiUser``/``apiKey`` aside): a
    sender (sometimes with a display name), one to six recipients in ``to`` (some in
    ``cc`` and ``bcc``) or in ``xsmtpapi``, a subject, text or HTML, sometimes a label,
    a reply-to and ``SC-Custom`` headers."""
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


#: (the changes, a None removing the parameter; the answer), each alone on valid parameters
_SEND_PROBLEMS: list[tuple[dict[str, str | None], ErrorEntry]] = [
    ({"from": ""}, errors.SC_SEND_FROM_EMPTY),
    ({"from": "shop"}, errors.SC_SEND_FROM_INVALID),
    ({"respEmailId": "yes"}, errors.SC_SEND_RESP_EMAIL_ID_INVALID),
    ({"gzipCompress": "1"}, errors.SC_SEND_GZIP_INVALID),
    ({"useAddressList": "maybe"}, errors.SC_SEND_USE_ADDRESS_LIST_INVALID),
    ({"useAddressList": "true", "to": "users@maillist.sendcloud.org"}, errors.SC_SEND_ADDRESS_LIST_UNKNOWN),
    ({"xsmtpapi": "{"}, errors.SC_SEND_XSMTPAPI_UNPARSABLE),
    ({"xsmtpapi": '{"to": []}'}, errors.SC_SEND_XSMTPAPI_TO_EMPTY),
    ({"xsmtpapi": '{"sub": {}}'}, errors.SC_SEND_XSMTPAPI_NO_TO),
    ({"xsmtpapi": None, "to": "a@example.com;nobody"}, errors.SC_SEND_TO_INVALID),
    ({"xsmtpapi": None, "to": None}, errors.SC_SEND_TO_EMPTY),
    ({"subject": ""}, errors.SC_SEND_SUBJECT_EMPTY),
    ({"plain": None, "html": None}, errors.SC_SEND_CONTENT_EMPTY),
    ({"replyTo": "desk"}, errors.SC_SEND_REPLY_TO_INVALID),
    ({"labelId": "x1"}, errors.SC_LABEL_ID_INVALID),
    ({"headers": "[1]"}, errors.SC_SEND_HEADERS_INVALID),
    ({"headers": '{"X-Order": 42}'}, errors.SC_SEND_PROCESSING),
    ({"sendTags": "a;b;c;d;e;f"}, errors.SC_SEND_TAGS_INVALID),
    ({"sendRequestId": "r" * 129}, errors.SC_SEND_REQUEST_ID_TOO_LONG),
]


def mail_send_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``mail/send`` (``params``: the form, ``apiUser``/``apiKey`` aside): valid, a
    success; invalid, valid parameters with one problem and the code it gets."""
    if valid:
        return as_cases(mail_send_params())
    return spoil(mail_send_params(), *((st.just(changes), entry) for changes, entry in _SEND_PROBLEMS))
