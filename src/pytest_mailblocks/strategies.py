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
    "emails",
    "sendgrid_blocks",
    "sendgrid_bulk_delete_bodies",
    "sendgrid_list_params",
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
        local = (local * 8)[:64]
    if draw(st.integers(0, 4)) == 0:
        local = "".join(c.upper() if draw(st.booleans()) else c for c in local)
    labels = draw(st.lists(_IDN_LABEL if idn and draw(st.integers(0, 5)) == 0 else _LABEL, min_size=1, max_size=3))
    domain = ".".join(labels) + "." + draw(_TLD)
    if draw(st.integers(0, 9)) == 0:
        domain = domain.upper()
    return f"{local[:64]}@{domain}"


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
