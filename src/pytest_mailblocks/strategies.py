"""Hypothesis strategies: addresses with their edge cases, records per provider,
and request parameters per endpoint, valid and invalid.

Built from Hypothesis primitives, so failing examples shrink. With the pytest
fixtures, reset the fake inside the test body: every ``@given`` example reuses the
function-scoped fixture, which is why Hypothesis asks you to acknowledge it::

    from hypothesis import HealthCheck, given, settings, strategies as st
    from pytest_mailblocks import strategies as mb

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(blocks=st.lists(mb.sendgrid_blocks(), max_size=20))
    def test_sync(sendgrid_fake, blocks):
        sendgrid_fake.reset()
        sendgrid_fake.add_blocks(blocks)
        ...
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = [
    "cmc_blocks",
    "cmc_list_params",
    "cmc_unsubscribes",
    "emails",
    "ncp_send_block_params",
    "ncp_send_blocks",
    "sendcloud_blocks",
    "sendcloud_bounces",
    "sendcloud_list_params",
    "sendcloud_unsubscribes",
    "sendgrid_blocks",
    "sendgrid_bulk_delete_bodies",
    "sendgrid_list_params",
    "sendgrid_records",
    "smtp_statuses",
    "unix_times",
]

_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_LABEL = st.text(_LOCAL_CHARS, min_size=1, max_size=12)
_IDN_LABEL = st.sampled_from(["例え", "münchen", "παράδειγμα", "пример", "테스트", "测试", "bücher"])
_TLD = st.sampled_from(["com", "net", "org", "jp", "co.jp", "kr", "cn", "de", "io", "example"])


@st.composite
def emails(draw: Any, *, idn: bool = True) -> str:
    """Addresses with the edge cases real lists hold: plus tags, dots, uppercase,
    long local parts (up to 64), subdomains and internationalized domains."""
    atoms = draw(st.lists(_LABEL, min_size=1, max_size=4))
    local = ".".join(atoms)
    if draw(st.booleans()):
        local += "+" + draw(_LABEL)
    if draw(st.integers(0, 9)) == 0:
        local = ((local + ".") * 8)[:64].rstrip(".")  # a long local part, still well formed
    if draw(st.integers(0, 4)) == 0:
        local = "".join(c.upper() if draw(st.booleans()) else c for c in local)
    labels = draw(st.lists(_IDN_LABEL if idn and draw(st.integers(0, 5)) == 0 else _LABEL, min_size=1, max_size=3))
    domain = ".".join(labels) + "." + draw(_TLD)
    if draw(st.integers(0, 9)) == 0:
        domain = domain.upper()
    return f"{local}@{domain}"


def unix_times(start: int = 1_400_000_000, end: int = 1_900_000_000) -> st.SearchStrategy[int]:
    return st.integers(start, end)


smtp_statuses = st.sampled_from(["5.1.1", "5.1.2", "5.2.2", "4.2.2", "5.7.1", "4.4.1", "4.0.0", "4.7.0", ""])


def sendgrid_blocks(times: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Block records as ``sendgrid_fake.add_blocks`` and the seed format take them."""
    return st.fixed_dictionaries(
        {
            "email": emails(),
            "created": times if times is not None else unix_times(),
            "reason": st.text(max_size=60),
            "status": smtp_statuses,
        }
    )


def sendgrid_records(list_name: str, times: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Records of any SendGrid list (``blocks``, ``bounces``, ``spam_reports``,
    ``invalid_emails``, ``unsubscribes``), each with its own fields."""
    created = times if times is not None else unix_times()
    fields: dict[str, st.SearchStrategy[Any]] = {"email": emails(), "created": created}
    if list_name in ("blocks", "bounces"):
        fields.update(reason=st.text(max_size=60), status=smtp_statuses)
    elif list_name == "spam_reports":
        fields["ip"] = st.ip_addresses(v=4).map(str)
    elif list_name == "invalid_emails":
        fields["reason"] = st.sampled_from(["Mail domain mentioned in email address is unknown", "Known bad domain"])
    elif list_name != "unsubscribes":
        raise ValueError(f"unknown SendGrid list {list_name!r}")
    return st.fixed_dictionaries(fields)


def sendgrid_list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """Query parameters of ``GET /v3/suppression/<list>``: valid ones, or ones
    where at least one value breaks a documented rule."""
    if valid:
        return st.fixed_dictionaries(
            {},
            optional={
                "limit": st.integers(1, 500).map(str),
                "offset": st.integers(0, 10_000).map(str),
                "start_time": unix_times().map(str),
                "end_time": unix_times().map(str),
                "email": st.text(_LOCAL_CHARS + "@.%", max_size=10),
            },
        )
    bad = st.one_of(
        st.fixed_dictionaries({"limit": st.sampled_from(["0", "501", "-1", "ten", "1.5"])}),
        st.fixed_dictionaries({"offset": st.sampled_from(["-1", "x", "1e2"])}),
        st.fixed_dictionaries({"start_time": st.sampled_from(["yesterday", "-5", "1.0"])}),
        st.fixed_dictionaries({"end_time": st.sampled_from(["now", "-1"])}),
    )
    return bad


def sendgrid_bulk_delete_bodies(*, valid: bool = True) -> st.SearchStrategy[Any]:
    """Bodies of ``DELETE /v3/suppression/<list>``."""
    if valid:
        return st.one_of(
            st.just({"delete_all": True}),
            st.fixed_dictionaries({"emails": st.lists(emails(idn=False), max_size=5)}),
        )
    return st.one_of(
        st.fixed_dictionaries({"delete_all": st.booleans(), "emails": st.lists(emails(idn=False), max_size=2)}),
        st.just({}),
        st.just({"delete_all": False}),
        st.fixed_dictionaries({"emails": st.one_of(st.text(max_size=5), st.lists(st.integers(), min_size=1))}),
        st.fixed_dictionaries({"delete_all": st.sampled_from(["true", 1, None])}),
        st.lists(st.integers(), max_size=2),
    )


# -- Customers Mail Cloud -----------------------------------------------------------------------
def _local_times(offset_hours: int) -> st.SearchStrategy[str]:
    from datetime import datetime, timedelta, timezone

    tz = timezone(timedelta(hours=offset_hours))
    return unix_times(1_400_000_000, 1_700_000_000).map(
        lambda t: datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S")
    )


def _dates() -> st.SearchStrategy[str]:
    from datetime import date, timedelta

    return st.integers(0, 3650).map(lambda d: (date(2015, 1, 1) + timedelta(days=d)).isoformat())


def cmc_blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Blocks as ``cmc_fake.add_blocks`` and the seed take them (``created`` JST)."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "status": st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99]),
            "occurred": st.integers(1, 20),
            "created": _local_times(9),
        }
    )


def cmc_unsubscribes() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "filter_name": st.sampled_from(["distribution list A", "distribution list B", "newsletter", "配信リストC"]),
            "created": _local_times(9),
        }
    )


def cmc_list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """The optional parameters of ``blocks/list`` (credentials not included)."""
    if valid:
        return st.fixed_dictionaries(
            {},
            optional={
                "email": st.text(_LOCAL_CHARS + "@.", max_size=8),
                "removed": st.sampled_from(["true", "false"]),
                "p": st.integers(0, 50).map(str),
                "r": st.integers(1, 100).map(str),
                "start_date": _dates(),
            },
        )
    return st.one_of(
        st.fixed_dictionaries({"r": st.sampled_from(["0", "101", "-1", "ten"])}),
        st.fixed_dictionaries({"p": st.sampled_from(["-1", "x", "1.5"])}),
        st.fixed_dictionaries({"start_date": st.sampled_from(["2020-13-45", "2020/01/01", "yesterday"])}),
        st.fixed_dictionaries({"start_date": st.just("2024-01-02"), "end_date": st.just("2024-01-01")}),
    )


# -- NAVER Cloud Outbound Mailer -------------------------------------------------------------------
def _ncp_hard_bounce_codes() -> tuple[str, ...]:
    from .providers.ncp.models import HARD_BOUNCE_CODES

    return HARD_BOUNCE_CODES


def ncp_send_blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Send blocks as ``ncp_fake.add_block`` and the seed take them."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "requester": st.sampled_from(["SYSTEM", "CUSTOMER", "OTHER_CUSTOMER"]),
            "result_code": st.sampled_from(_ncp_hard_bounce_codes()),
            "hours": st.integers(1, 24 * 30),
        }
    )


def ncp_send_block_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """Query parameters of ``GET /api/v1/send-block``."""
    if valid:
        return st.fixed_dictionaries(
            {"targetAddress": emails(idn=False)},
            optional={
                "size": st.integers(1, 100).map(str),
                "page": st.integers(0, 10).map(str),
                "sort": st.sampled_from(["createUtc", "createUtc,asc", "createUtc,desc"]),
            },
        )
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({"targetAddress": st.sampled_from(["", "not-an-address", "a@"])}),
        st.fixed_dictionaries({"targetAddress": emails(idn=False), "size": st.sampled_from(["0", "-1", "x"])}),
        st.fixed_dictionaries({"targetAddress": emails(idn=False), "page": st.sampled_from(["-1", "x"])}),
        st.fixed_dictionaries({"targetAddress": emails(idn=False), "sort": st.sampled_from(["nope", "createUtc,up"])}),
    )


# -- SendCloud ----------------------------------------------------------------------------------------
def sendcloud_blocks() -> st.SearchStrategy[dict[str, Any]]:
    """Block rows as ``sendcloud_fake.add_blocks`` and the seed take them (UTC+8)."""
    return st.fixed_dictionaries(
        {
            "email": emails(idn=False),
            "api_user_block": st.sampled_from(["all", "batch"]),
            "expire_time": _dates().map(
                lambda d: str(int(d[:4]) + 20) + d[4:] if not d.endswith("02-29") else "2040-01-01"
            ),
            "create_time": _local_times(8),
        }
    )


def sendcloud_bounces() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"email": emails(idn=False), "reason": st.text(max_size=60), "bounce_time": _local_times(8)}
    )


def sendcloud_unsubscribes() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"email": emails(idn=False), "label_id": st.integers(0, 10), "unsubscribe_time": _local_times(8)}
    )


def sendcloud_list_params(*, valid: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """Parameters of ``/api/block/list`` (credentials not included)."""
    if valid:
        return st.fixed_dictionaries(
            {"days": st.integers(1, 90).map(str)},
            optional={
                "start": st.integers(0, 100).map(str),
                "limit": st.integers(0, 100).map(str),
                "email": emails(idn=False),
                "apiUserBlock": st.sampled_from(["all", "batch"]),
            },
        )
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({"days": st.sampled_from(["0", "-1", "x"])}),
        st.fixed_dictionaries({"days": st.just("1"), "limit": st.sampled_from(["101", "-1", "x"])}),
        st.fixed_dictionaries({"days": st.just("1"), "start": st.sampled_from(["-1", "x"])}),
        st.fixed_dictionaries({"startDate": st.just("2020-13-45"), "endDate": st.just("2020-01-01")}),
        st.fixed_dictionaries({"startDate": st.just("2020-01-01"), "endDate": st.just("2020-12-31")}),
    )
