"""Customers Mail Cloud's Hypothesis strategies: records as its handle and seed take them,
one ``*_cases()`` per endpoint (:class:`~pytest_mailblocks.strategies.Case` values), and
for the send path (issue 21) :func:`send_params` / :func:`send_cases` (emails/send) and
:func:`bulk_params` (emails/bulk). ``pytest_mailblocks.strategies`` exports each as
``cmc_<name>``."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from ...core.errors import ErrorEntry
from ...generators.strategies import (
    LOCAL_CHARS,
    Case,
    as_cases,
    date_strings,
    digit_strings,
    emails,
    entry_on,
    local_times,
    merged,
    one_value,
    other_address,
    params_of,
    respelled,
    simulator_emails,
    some_days,
    spoil,
)
from . import errors

__all__ = [
    "blocks",
    "blocks_cancel_cases",
    "blocks_delete_cases",
    "blocks_download_cases",
    "blocks_list_cases",
    "bulk_params",
    "list_params",
    "send_cases",
    "send_params",
    "unsubscribes",
    "unsubscribes_cancel_cases",
    "unsubscribes_download_cases",
]


_FILTERS = ["distribution list A", "distribution list B", "newsletter", "配信リストC"]


def blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Blocks as ``cmc_fake.add_blocks`` and the seed take them (``created`` JST)."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "status": st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99]),
            "occurred": st.integers(1, 20),
            "created": local_times(9),
        }
    )


def unsubscribes() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "filter_name": st.sampled_from(_FILTERS),
            "created": local_times(9),
        }
    )


def _window() -> st.SearchStrategy[dict[str, str]]:
    """start_date / end_date as the lists and downloads take them: either, both in
    order (the same day included), or neither; empty is absent."""
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({"start_date": st.one_of(date_strings(), st.just(""))}),
        st.fixed_dictionaries({"end_date": st.one_of(date_strings(), st.just(""))}),
        st.builds(
            lambda d, n: {"start_date": d.isoformat(), "end_date": (d + timedelta(days=n)).isoformat()},
            some_days(),
            st.integers(0, 400),
        ),
    )


def _common_defects(json_values: bool, *objects: str) -> list[tuple[st.SearchStrategy[dict[str, Any]], ErrorEntry]]:
    """Defects every read of CMC shares: a bad date, start after end, an unknown or
    empty server composition; with ``json_values``, an object where ``objects`` take text."""
    bad_dates = ["2020-13-45", "2021-02-29", "2020/01/01", "yesterday", "20200101", "２０２０-01-01"]
    defects = [
        (one_value("start_date", bad_dates), entry_on(errors.CMC_BAD_DATE, "start_date")),
        (one_value("end_date", bad_dates), entry_on(errors.CMC_BAD_DATE, "end_date")),
        (
            st.builds(
                lambda d, n: {"start_date": (d + timedelta(days=n)).isoformat(), "end_date": d.isoformat()},
                some_days(),
                st.integers(1, 400),
            ),
            errors.CMC_START_AFTER_END,
        ),
        (one_value("server_composition", ["nope", "testcomp"]), errors.CMC_NO_SUCH_COMPOSITION),
        (one_value("server_composition", [""]), entry_on(errors.CMC_REQUIRED, "server_composition")),
    ]
    if json_values:
        defects += [(one_value(name, [{"a": 1}, ["x"]]), entry_on(errors.CMC_INVALID_VALUE, name)) for name in objects]
    return defects


def blocks_list_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``blocks/list`` (``params`` without credentials and composition, to merge over
    ``cmc_fake.auth``): 200 ``{"blocks": [...]}``. Invalid: 400 with 01-003, 01-004,
    01-005, 01-006, 01-007, 01-002, 10-002 or 10-003. ``json_values``: also JSON
    numbers, booleans and objects, for a JSON body; else every value is a string."""
    removed = ["true", "false", "TRUE", "False"] + ([True, False] if json_values else [])
    numbers = (lambda lo, hi: st.one_of(digit_strings(lo, hi), st.integers(lo, hi))) if json_values else digit_strings
    good = st.builds(
        merged,
        _window(),
        st.fixed_dictionaries(
            {},
            optional={
                "email": st.text(LOCAL_CHARS + "@.", max_size=8),
                "removed": st.sampled_from(removed),
                "p": st.one_of(numbers(0, 50), st.just("2147483647")),
                "r": numbers(1, 100),
            },
        ),
    )
    if valid:
        return as_cases(good)
    not_integers = ["ten", "1.5", "+5", " 5", "--1"] + ([5.0, True] if json_values else [])
    return spoil(
        good,
        (one_value("r", ["0", "101", "-1", "2147483648"]), entry_on(errors.CMC_OUT_OF_RANGE, "r")),
        (one_value("r", not_integers), entry_on(errors.CMC_NOT_INTEGER, "r")),
        (one_value("p", ["-1", "2147483648", "99999999999999999999"]), entry_on(errors.CMC_OUT_OF_RANGE, "p")),
        (one_value("p", ["x", "1.5"]), entry_on(errors.CMC_NOT_INTEGER, "p")),
        (one_value("removed", ["yes", "1", "maybe"]), entry_on(errors.CMC_NOT_BOOLEAN, "removed")),
        *_common_defects(json_values, "email", "removed"),
    )


def list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The ``params`` of :func:`blocks_list_cases` as form fields (credentials not
    included)."""
    return params_of(blocks_list_cases(valid=valid, json_values=False))


def blocks_download_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``blocks/download``: 200, a ZIP (``application/octet-stream``); ``p`` and ``r``
    are ignored, whatever they hold. Invalid: as :func:`blocks_list_cases` without
    the paging errors."""
    removed = ["true", "false", "TRUE"] + ([True] if json_values else [])
    good = st.builds(
        merged,
        _window(),
        st.fixed_dictionaries(
            {},
            optional={
                "email": st.text(LOCAL_CHARS + "@.", max_size=8),
                "removed": st.sampled_from(removed),
                "p": st.sampled_from(["0", "-1", "x"]),
                "r": st.sampled_from(["10", "0", "1000"]),
            },
        ),
    )
    if valid:
        return as_cases(good)
    return spoil(
        good,
        (one_value("removed", ["yes", "0"]), entry_on(errors.CMC_NOT_BOOLEAN, "removed")),
        *_common_defects(json_values, "email", "removed"),
    )


def unsubscribes_download_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``unsubscribes/download``: email (partial), start_date/end_date, filter_name
    (exact); 200, a ZIP. Invalid: 400 with 01-003, 01-007, 01-002, 10-002 or 10-003."""
    good = st.builds(
        merged,
        _window(),
        st.fixed_dictionaries(
            {},
            optional={
                "email": st.text(LOCAL_CHARS + "@.", max_size=8),
                "filter_name": st.sampled_from([*_FILTERS, ""]),
            },
        ),
    )
    if valid:
        return as_cases(good)
    return spoil(good, *_common_defects(json_values, "email", "filter_name"))


@st.composite
def _block_target(draw: Any, valid: bool, json_values: bool) -> Case:
    """blocks/delete and blocks/cancel: ``email`` matched exactly after trimming,
    ignoring case; it must be blocked (not deleted)."""
    address = draw(emails())
    spelled = draw(respelled(address, pad=True))
    listed = {"blocks": [address]}
    if valid:
        if draw(st.booleans()):
            listed["blocks"].append(other_address(address))
        return Case({"email": spelled}, None, listed)
    kinds = ["missing", "not blocked", "deleted", "composition"] + (["object"] if json_values else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "missing":
        return Case(draw(st.sampled_from([{}, {"email": ""}])), entry_on(errors.CMC_REQUIRED, "email"), listed)
    if kind == "not blocked":
        seed = draw(st.sampled_from([{}, {"blocks": [other_address(address)]}]))
        return Case({"email": spelled}, errors.CMC_BLOCK_NOT_FOUND, seed)
    if kind == "deleted":  # blocks/delete took it off for good: 12-001 from then on
        return Case({"email": spelled}, errors.CMC_BLOCK_NOT_FOUND, {"blocks": [{"email": address, "removed": True}]})
    if kind == "composition":
        return Case({"email": spelled, "server_composition": "nope"}, errors.CMC_NO_SUCH_COMPOSITION, listed)
    return Case(
        {"email": draw(st.sampled_from([{"address": address}, [address]]))},
        entry_on(errors.CMC_INVALID_VALUE, "email"),
        {},
    )


def blocks_delete_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``blocks/delete``: 200 ``{"message":"success"}`` once ``seed`` blocks the address
    (the request may change its case and pad it). Invalid: 400 01-002 (no email),
    01-007, 10-002; 404 12-001 (not blocked, or deleted already)."""
    return _block_target(valid, json_values)


def blocks_cancel_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``blocks/cancel``: as :func:`blocks_delete_cases`."""
    return _block_target(valid, json_values)


_MAX_CANCEL = 1000  # unsubscribes/cancel takes up to 1000 addresses (seed 003)


def _bulk_addresses(n: int) -> list[str]:
    return [f"user{i}@example.com" for i in range(n)]


@st.composite
def _items(draw: Any, addresses: list[str]) -> list[Any]:
    """The JSON array form: address strings or ``{"name", "address"}`` objects."""
    if len(addresses) > 10:  # many: one kind throughout, no more data drawn per item
        if draw(st.booleans()):
            return list(addresses)
        return [{"name": f"User {i}", "address": a} for i, a in enumerate(addresses)]
    out: list[Any] = []
    for a in addresses:
        kind = draw(st.sampled_from(["string", "object", "object without name"]))
        out.append(
            a
            if kind == "string"
            else {"address": a}
            if kind == "object without name"
            else {"name": "User", "address": a}
        )
    return out


@st.composite
def _json(draw: Any, value: Any, json_values: bool) -> Any:
    """``email`` holding a JSON array or object: the JSON itself (for a JSON body) or
    its text (for a form field)."""
    if json_values and draw(st.booleans()):
        return value
    return json.dumps(value, ensure_ascii=draw(st.booleans()))


def _object(address: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from([{"address": address}, {"name": "User", "address": address}])


@st.composite
def _cancel(draw: Any, valid: bool, json_values: bool) -> Case:
    """unsubscribes/cancel: one of the three forms of ``email`` (cmc.md), the
    addresses listed in ``seed`` (through ``filter_name`` when it is given)."""
    filter_name = draw(st.one_of(st.none(), st.sampled_from(_FILTERS)))
    with_filter = {"filter_name": filter_name} if filter_name else {}
    form = draw(st.sampled_from(["plain", "object", "array"]))
    if form != "array":
        addresses = [draw(emails(idn=False))]
    elif draw(st.integers(0, 4)) == 0:  # near the limit of 1000 (invalid: room for one bad item)
        addresses = _bulk_addresses(draw(st.integers(_MAX_CANCEL - 5, _MAX_CANCEL - (0 if valid else 1))))
    else:
        addresses = draw(st.lists(emails(idn=False), min_size=1, max_size=5, unique_by=str.lower))
    spelled = addresses if len(addresses) > 10 else [draw(respelled(a, pad=True)) for a in addresses]

    def seed_of(listed: list[str]) -> dict[str, Any]:
        rows = [{"email": a, "filter_name": filter_name or _FILTERS[i % len(_FILTERS)]} for i, a in enumerate(listed)]
        return {"unsubscribes": rows} if rows else {}

    def email() -> Any:
        """The addresses in the drawn form."""
        if form == "plain":
            return spelled[0]
        if form == "object":
            return draw(_json(draw(_object(spelled[0])), json_values))
        return draw(_json(draw(_items(spelled)), json_values))

    def case(email: Any, error: ErrorEntry | None, seed: dict[str, Any], **extra: Any) -> Case:
        return Case({"email": email, **with_filter, **extra}, error, seed)

    if valid:
        return case(email(), None, seed_of(addresses))
    kinds = ["missing", "not listed", "wrong filter", "empty list", "empty address", "no address", "duplicate"]
    kinds += ["too many", "malformed", "not a string", "composition"]
    kind = draw(st.sampled_from(kinds))
    if kind == "missing":
        return Case(
            draw(st.sampled_from([{}, {"email": ""}])), entry_on(errors.CMC_REQUIRED, "email"), seed_of(addresses)
        )
    if kind == "composition":
        return case(email(), errors.CMC_NO_SUCH_COMPOSITION, seed_of(addresses), server_composition="nope")
    if kind in ("not listed", "wrong filter"):
        k = draw(st.integers(0, len(addresses) - 1))  # the one address that is not listed
        listed = [a for i, a in enumerate(addresses) if i != k]
        seed = seed_of(listed)
        if kind == "wrong filter":  # listed, but through another filter than the one named
            given = draw(st.sampled_from(_FILTERS))
            other = _FILTERS[(_FILTERS.index(given) + 1) % len(_FILTERS)]
            rows = [{"email": a, "filter_name": given} for a in listed]
            seed = {"unsubscribes": [*rows, {"email": addresses[k], "filter_name": other}]}
            with_filter["filter_name"] = given
        # a plain address is 12-001 (404); in the JSON forms, 15-007 at its position
        return case(
            email(), errors.CMC_UNSUBSCRIBE_NOT_FOUND if form == "plain" else errors.CMC_ADDRESS_NOT_FOUND, seed
        )
    if kind == "empty list":
        return case(draw(_json([], json_values)), errors.CMC_NO_ADDRESSES, {})
    if kind == "too many":
        many = _bulk_addresses(draw(st.integers(_MAX_CANCEL + 1, _MAX_CANCEL + 10)))
        return case(draw(_json(many, json_values)), errors.CMC_TOO_MANY_ADDRESSES, {})
    if kind == "malformed":  # JSON text that does not parse: only a form field can carry it
        return case(
            draw(st.sampled_from(["[", "[{", '{"address": ', '["a@example.com",]'])), errors.CMC_INVALID_JSON, {}
        )
    # one bad item: the object form's only item, or inserted into the array
    bad, error, lowest = _bad_item(draw, kind, form, addresses)
    if form == "object" and kind != "duplicate":
        return case(draw(_json(bad, json_values)), error, {})
    items = draw(_items(spelled))
    items.insert(draw(st.integers(lowest, len(items))), bad)
    return case(draw(_json(items, json_values)), error, seed_of(addresses))


def _bad_item(draw: Any, kind: str, form: str, addresses: list[str]) -> tuple[Any, ErrorEntry, int]:
    """One bad item of ``kind`` for unsubscribes/cancel, the error it gets, and the
    lowest position it may take in an array (a duplicate comes after its first)."""
    empty: list[Any] = [{"address": ""}, {"name": "User", "address": " "}, {"address": None}]
    if kind == "empty address":
        return draw(st.sampled_from(empty if form == "object" else ["", "  ", *empty])), errors.CMC_ADDRESS_EMPTY, 0
    if kind == "no address":
        return draw(st.sampled_from([{"name": "User"}, {}])), errors.CMC_ADDRESS_REQUIRED, 0
    if kind == "not a string":
        objects: list[Any] = [{"address": 5}, {"address": ["a@example.com"]}]
        bad = draw(st.sampled_from(objects if form == "object" else [5, True, ["a@example.com"], *objects]))
        return bad, errors.CMC_INVALID_JSON, 0
    # duplicate: a second spelling of a listed address, after the first one
    j = draw(st.integers(0, len(addresses) - 1))
    return draw(respelled(addresses[j], pad=True)), errors.CMC_DUPLICATE_ADDRESS, j + 1


def unsubscribes_cancel_cases(*, valid: bool = True, json_values: bool = True) -> st.SearchStrategy[Case]:
    """``unsubscribes/cancel``: ``email`` as an address, a ``{"name", "address"}``
    object or an array of both (up to 1000), as JSON text in a form field or (with
    ``json_values``) as JSON in a JSON body; ``filter_name`` sometimes. Valid: 200
    ``{"message":"success"}`` once ``seed`` lists every address (through that filter).
    Invalid (``seed`` lists the other addresses): 404 12-001 (a plain address not
    listed); 400 15-001 .. 15-007, 01-002, 10-002."""
    return _cancel(valid, json_values)


# -- the send path (issue 21) ----------------------------------------------------------------------
_SEND_ADDRESS = st.one_of(emails(idn=False), simulator_emails())
_WORDS = st.text("abcdefghijklmnopqrstuvwxyz ABC0123456789", min_size=1, max_size=20)
_SENDER = json.dumps({"name": "Shop", "address": "shop@example.com"})


def _typed(draw: Any, addresses: list[str]) -> str:
    """Addresses as a form field in one of the documented types: an address (type 1,
    one only), ``{"name", "address"}`` (type 2, one only) or a list of those (type 3)."""
    objects = [{"name": draw(st.sampled_from(["", "User"])), "address": a} for a in addresses]
    if len(addresses) == 1 and draw(st.booleans()):
        return addresses[0] if draw(st.booleans()) else json.dumps(objects[0])
    return json.dumps(objects, ensure_ascii=False)


@st.composite
def send_params(draw: Any, max_recipients: int = 6) -> dict[str, str]:
    """emails/send's form fields (credentials not included): up to ``max_recipients``
    addresses (the simulator domain among them) in to, cc and bcc, each in one of the
    three types; sometimes replyto, headers, charset, html."""
    found = draw(st.lists(_SEND_ADDRESS, min_size=1, max_size=max_recipients, unique_by=str.lower))
    fields: dict[str, list[str]] = {"to": [found[0]]}
    for address in found[1:]:
        fields.setdefault(draw(st.sampled_from(("to", "cc", "bcc"))), []).append(address)
    params = {name: _typed(draw, addresses) for name, addresses in fields.items()}
    params.update({"from": _SENDER, "subject": draw(_WORDS), "text": draw(_WORDS)})
    extras = {
        "html": st.just("<p>x</p>"),
        "charset": st.sampled_from(["UTF-8", "ISO-2022-JP", "utf-8"]),
        "replyto": st.just(json.dumps({"name": "", "address": "help@example.com"})),
        "headers": st.just(json.dumps({"X-Order": "42"})),
    }
    params.update(draw(st.fixed_dictionaries({}, optional=extras)))
    return params


_ELEVEN = json.dumps([f"u{i}@example.com" for i in range(11)])


def send_cases(*, valid: bool = True) -> st.SearchStrategy[Case]:
    """``emails/send`` (``params``: form fields): valid, a 200 ``{"id": ...}``;
    invalid, valid fields with one problem and its 400 (01-002, 01-007, 01-016..01-019,
    11-006, 10-002)."""
    good = send_params()
    if valid:
        return as_cases(good)
    required = [(one_value(name, [None]), entry_on(errors.CMC_REQUIRED, name)) for name in ("to", "from", "subject")]
    return spoil(
        good,
        *required,
        (one_value("text", [None], html=None), entry_on(errors.CMC_REQUIRED, "text")),
        (one_value("to", ["not an address", "[{", "a@b"]), entry_on(errors.CMC_SEND_ADDRESS_INVALID, "to")),
        (one_value("to", [_ELEVEN]), entry_on(errors.CMC_SEND_TOO_MANY_ADDRESSES, "to")),
        (one_value("cc", ["carol@", "[1]"]), entry_on(errors.CMC_SEND_CC_BCC_INVALID, "cc")),
        (one_value("bcc", [_ELEVEN]), entry_on(errors.CMC_SEND_TOO_MANY_ADDRESSES, "bcc")),
        (one_value("from", ["shop@example.com", "[]"]), entry_on(errors.CMC_SEND_ADDRESS_INVALID, "from")),
        (one_value("subject", ["x" * 513]), entry_on(errors.CMC_SEND_TOO_LONG, "subject")),
        (one_value("charset", ["Shift_JIS", "EUC-JP"]), errors.CMC_SEND_BAD_CHARSET),
        (one_value("headers", ["X-Order: 42", "[1, 2]"]), entry_on(errors.CMC_INVALID_VALUE, "headers")),
        (one_value("server_composition", ["nope"]), errors.CMC_NO_SUCH_COMPOSITION),
    )


@st.composite
def bulk_params(draw: Any, max_recipients: int = 20) -> dict[str, str]:
    """emails/bulk's form fields: ``to`` a list of ``{"name", "address", <merge
    properties>}`` (the simulator domain among them), from, subject, text."""
    found = draw(st.lists(_SEND_ADDRESS, min_size=1, max_size=max_recipients, unique_by=str.lower))
    to = [{"name": "", "address": a, "n": str(i)} for i, a in enumerate(found)]
    return {"to": json.dumps(to), "from": _SENDER, "subject": draw(_WORDS), "text": "((#n#))"}
