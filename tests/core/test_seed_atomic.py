"""A refused seed changes nothing (issue 19, section 5): across providers and within
one, for a malformed record and for a state-rule refusal (an address already listed,
a name taken, an unknown tenant), through every way in: the control plane's seed
routes and seeding actions, ``Fake.seed``, the handles' ``seed``, the marker and the
``--seed`` file. Also: a control-plane body over the cap is a 413, and ``HEAD`` on a
control-plane read answers as ``GET`` does, without a body."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from functools import cached_property
from typing import Any

import pytest
import requests
from sortedcontainers import SortedList

from pytest_mailblocks import FakeServer
from pytest_mailblocks.core.errors import ControlError
from pytest_mailblocks.core.store import OrderedStore

pytest_plugins = ["pytester"]

CP = "/_mailblocks"

#: a state to start from, with something in every list a seed below touches
BASE = {
    "sendgrid": {
        "subusers": ["shop"],
        "api_keys": [{"key": "SG.readonly", "scopes": ["suppression.blocks.read"]}],
        "blocks": ["old@example.com", {"email": "sub@example.com", "subuser": "shop"}],
        "bounces": ["bounced@example.com"],
    },
    "cmc": {
        "accounts": ["acme"],
        "compositions": [{"name": "acme-mail", "account": "acme"}],
        "users": [{"api_user": "acme-user", "account": "acme"}],
        "blocks": ["old@example.com", {"email": "gone@example.com", "removed": True}],
        "unsubscribes": ["unsub@example.com", {"email": "later@example.com", "pending": True}],
    },
    "ncp": {
        "projects": [{"name": "shop", "block_hours": 24}],
        "access_keys": [{"access_key": "SHOPKEY0000000000001", "secret_key": "s", "project": "shop"}],
        "blocks": ["old@example.com", {"email": "expired@example.com", "created": "2024-04-01T00:00:00Z"}],
        "unsubscribers": ["unsub@example.com"],
    },
    "sendcloud": {
        "api_users": [{"api_user": "shop", "api_key": "k"}],
        "blocks": ["old@example.com", "qq.com"],
        "bounces": ["bounced@example.com"],
        "unsubscribes": ["unsub@example.com"],
    },
}

#: per provider: a valid part, then seeds whose last item is refused, by shape and by a state rule
VALID = {
    "sendgrid": {"subusers": ["new"], "blocks": ["a@example.com", {"email": "b@example.com", "subuser": "new"}]},
    "cmc": {"compositions": ["new-comp"],
            "blocks": ["a@example.com", {"email": "b@x.io", "server_composition": "new-comp"}]},
    "ncp": {"projects": ["new"], "blocks": ["a@example.com", "b@example.com"], "unsubscribers": ["a@example.com"]},
    "sendcloud": {"api_users": ["new"], "blocks": ["a@example.com", {"email": "b@x.io", "api_user": "new"}]},
}  # fmt: skip
REFUSED = {
    "sendgrid": [
        ({**VALID["sendgrid"], "bounces": ["c@example.com", {"email": 1}]}, "sendgrid.bounces[1]: email is required"),
        ({**VALID["sendgrid"], "spam_reports": [{"email": "c@x.io", "ip": 5}]}, "spam_reports[0]: ip must be a string"),
        ({**VALID["sendgrid"], "subusers": ["new", "shop"]}, "sendgrid.subusers[1]: subuser 'shop' already exists"),
        ({**VALID["sendgrid"], "api_keys": [{"key": "SG.k"}, {"subuser": "ghost"}]}, "unknown subuser 'ghost'"),
        ({**VALID["sendgrid"], "invalid_emails": [{"email": "c@x.io", "subuser": "ghost"}]}, "unknown subuser 'ghost'"),
        ({**VALID["sendgrid"], "rate_limit": 0}, "sendgrid.rate_limit: rate_limit must be a positive integer"),
    ],
    "cmc": [
        ({**VALID["cmc"], "unsubscribes": ["c@x.io", {"email": ""}]}, "cmc.unsubscribes[1].email: email is required"),
        ({**VALID["cmc"], "settings": {"empty_list_status": 500}}, "cmc.settings: empty_list_status must be 200"),
        ({**VALID["cmc"], "accounts": ["acme"]}, "cmc.accounts[0]: account 'acme' already exists"),
        ({**VALID["cmc"], "users": [{"api_user": "u2"}, {"api_user": "acme-user"}]}, "api_user 'acme-user' already"),
        ({**VALID["cmc"], "encryption": [{"password": "p"}, {"password": "q", "account": "ghost"}]}, "unknown account"),
        ({**VALID["cmc"], "unsubscribes": ["c@x.io", {"email": "d@x.io", "server_composition": "ghost"}]},
         "cmc.unsubscribes[1].server_composition: unknown server composition 'ghost'"),
    ],
    "ncp": [
        ({**VALID["ncp"], "unsubscribers": ["c@x.io", {"email": "not an address"}]}, "unsubscribers[1]: email must"),
        ({**VALID["ncp"], "blocks": ["a@example.com", "old@example.com"]}, "ncp.blocks[1]: old@example.com is blocked"),
        ({**VALID["ncp"], "blocks": ["a@example.com", "A@example.com"]}, "ncp.blocks[1]: A@example.com is blocked"),
        ({**VALID["ncp"], "unsubscribers": ["c@x.io", "unsub@example.com"]}, "unsub@example.com is on the unsubscribe"),
        ({**VALID["ncp"], "unsubscribers": ["c@x.io", "c@x.io"]}, "ncp.unsubscribers[1]: c@x.io is on the unsubscribe"),
        ({**VALID["ncp"], "access_keys": [{"access_key": "SHOPKEY0000000000001"}]}, "exists already"),
        ({**VALID["ncp"], "quota": {"limit": 5, "access_key": "ghost"}}, "ncp.quota: unknown access key 'ghost'"),
        ({**VALID["ncp"], "blocks": [{"email": "a@x.io", "created": "2024-05-01T00:00:00Z", "removed_at":
          "2024-04-01T00:00:00Z"}]}, "the removal time is before the block was created"),
    ],
    "sendcloud": [
        ({**VALID["sendcloud"], "unsubscribes": ["c@x.io", {"email": "c@x.io", "label_id": -1}]}, "label_id must"),
        ({**VALID["sendcloud"], "count_mode": "all"}, "sendcloud.count_mode: count_mode must be one of"),
        ({**VALID["sendcloud"], "api_users": ["new", "shop"]}, "sendcloud.api_users[1]: api_user 'shop' already"),
        ({**VALID["sendcloud"], "bounces": ["c@x.io", {"email": "d@x.io", "api_user": "ghost"}]},
         "sendcloud.bounces[1]: unknown api_user 'ghost'"),
    ],
}  # fmt: skip
CASES = [(key, seed, message) for key, cases in REFUSED.items() for seed, message in cases]
IDS = [f"{key}-{i}" for key, cases in REFUSED.items() for i in range(len(cases))]


def dump(obj: Any) -> Any:
    """Everything a provider state holds, as comparable plain data: every record, every
    tenant, every counter (a seed that changes nothing moves no id or sequence either)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, tuple):
        return tuple(dump(x) for x in obj)
    if isinstance(obj, dict):
        return [(dump(k), dump(v)) for k, v in obj.items()]
    if isinstance(obj, (set, frozenset)):
        return sorted(repr(dump(x)) for x in obj)
    if callable(obj):
        return None  # the clock's time function, a store's key function
    if isinstance(obj, itertools.count):
        return repr(obj)
    if isinstance(obj, (list, SortedList, OrderedStore)):  # records in order; not a layout history made
        return [dump(x) for x in obj]
    if hasattr(obj, "__dict__"):  # not the caches of cached_property
        fields = {k: v for k, v in vars(obj).items() if not isinstance(getattr(type(obj), k, None), cached_property)}
        return (type(obj).__name__, dump(fields))
    return repr(obj)  # tzinfo ...


def states(fake: Any) -> dict[str, Any]:
    return {key: dump(provider.state) for key, provider in fake.app.providers.items()}


@pytest.fixture
def seeded(mailblocks: Any) -> Any:
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    mailblocks.seed(BASE)
    return mailblocks


# -- within one provider ---------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "seed", "message"), CASES, ids=IDS)
def test_a_refused_seed_changes_nothing_through_the_control_plane(seeded, key, seed, message):
    before = states(seeded)
    for path, body in ((CP + "/seed", {key: seed}), (f"{CP}/{key}/blocks", seed)):
        r = requests.post(seeded.url + path, json=body, timeout=10)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"] == "bad_request" and message in r.json()["message"], r.text
        assert states(seeded) == before, path
    # and the same seed is applied whole once the refused part is taken out
    valid = requests.post(seeded.url + CP + "/seed", json={key: VALID[key]}, timeout=10)
    assert valid.status_code == 200 and states(seeded) != before


@pytest.mark.parametrize(("key", "seed", "message"), CASES, ids=IDS)
def test_a_refused_seed_changes_nothing_from_python(seeded, key, seed, message):
    before = states(seeded)
    with pytest.raises(ControlError) as exc:
        seeded.handle(key).seed(seed)
    assert message in str(exc.value)
    assert states(seeded) == before
    with pytest.raises(ControlError):
        seeded.seed({key: seed})
    assert states(seeded) == before


def test_state_rules_within_one_seed_see_the_earlier_records(mailblocks):
    """What the seed adds first counts for what follows (a subuser, then its blocks)."""
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    counts = mailblocks.seed({key: VALID[key] for key in VALID})
    assert counts == {"sendgrid": 2, "cmc": 3, "ncp": 3, "sendcloud": 2}
    assert [b["email"] for b in mailblocks.sendgrid.blocks(subuser="new")] == ["b@example.com"]
    assert [b["email"] for b in mailblocks.cmc.blocks(server_composition="new-comp")] == ["b@x.io"]


# -- across providers ----------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["valid first", "refused first"])
@pytest.mark.parametrize(("key", "seed", "message"), [CASES[0], CASES[8], CASES[14], CASES[22]], ids=str)
def test_a_seed_refused_for_one_provider_changes_no_other(seeded, key, seed, message, order):
    others = {k: v for k, v in VALID.items() if k != key}
    body = {**others, key: seed} if order == "valid first" else {key: seed, **others}
    before = states(seeded)
    r = requests.post(seeded.url + CP + "/seed", json=body, timeout=10)
    assert r.status_code == 400 and r.json()["message"].startswith(f"{key}.") and message in r.json()["message"]
    assert states(seeded) == before


def test_the_issue_probe_sendgrid_rows_do_not_outlive_an_ncp_refusal(mailblocks):
    """The probe: a valid SendGrid part and an invalid NCP part; 400, and the SendGrid
    rows stayed."""
    body = {"sendgrid": {"blocks": [{"email": "kept@example.com"}]}, "ncp": {"blocks": [{"email": "nope"}]}}
    r = requests.post(mailblocks.url + CP + "/seed", json=body, timeout=10)
    assert r.status_code == 400
    assert r.json() == {
        "error": "bad_request",
        "message": "ncp.blocks[0]: email must be an address like user@example.com, got 'nope'",
    }
    assert mailblocks.sendgrid.blocks() == []


# -- seeding control actions -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/sendgrid/subusers", {"username": "shop"}, "subuser 'shop' already exists"),
        ("/sendgrid/api-keys", {"key": "SG.x", "subuser": "ghost"}, "unknown subuser 'ghost'"),
        ("/cmc/unsubscribes", ["c@x.io", {"email": "d@x.io", "server_composition": "ghost"}], "unknown server"),
        ("/cmc/users", [{"api_user": "u2"}, {"api_user": "acme-user"}], "api_user 'acme-user' already exists"),
        ("/cmc/compositions", ["c2", {"name": "c3", "account": "ghost"}], "unknown account 'ghost'"),
        ("/ncp/unsubscribers", ["c@x.io", "unsub@example.com"], "unsub@example.com is on the unsubscribe list"),
        ("/ncp/unsubscribers", ["c@x.io", "c@x.io"], "unsubscribers[1]: c@x.io is on the unsubscribe list"),
        ("/sendcloud/api-users", {"api_user": "shop"}, "api_user 'shop' already exists"),
    ],
)
def test_a_refused_seeding_action_changes_nothing(seeded, path, body, message):
    before = states(seeded)
    r = requests.post(seeded.url + CP + path, json=body, timeout=10)
    assert r.status_code == 400 and message in r.json()["message"], r.text
    assert states(seeded) == before


# -- the marker and the --seed file --------------------------------------------------------------------
def test_a_refused_marker_seed_leaves_the_server_unseeded(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mailblocks(
            freeze="2024-05-01T00:00:00Z",
            sendgrid=["kept@example.com"],
            ncp={"blocks": ["a@example.com", "a@example.com"]},
        )
        def test_a_refused(mailblocks):
            pass

        def test_b_the_server_as_left(mailblocks_server):
            # the session server, not reset for this test: the refused seed left nothing
            assert mailblocks_server.sendgrid.blocks() == []
            assert mailblocks_server.ncp.blocks() == []
            assert not mailblocks_server.clock.frozen
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["bad @pytest.mark.mailblocks: mailblocks marker: ncp.blocks?1?: a@example.com is blocked*"]
    )


def test_a_refused_seed_file_exits_2_and_serves_nothing(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"sendgrid": ["kept@example.com"], "ncp": ["a@example.com", "a@example.com"]}))
    r = subprocess.run(
        [sys.executable, "-m", "pytest_mailblocks", "serve", "--seed", str(seed)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stdout == ""  # no banner: nothing was served
    assert f"mailblocks: error: {seed}: ncp.blocks[1]: a@example.com is blocked already" in r.stderr
    assert "Traceback" not in r.stderr


# -- body cap and HEAD ---------------------------------------------------------------------------------
def test_a_control_plane_body_over_the_cap_is_a_413():
    with FakeServer(max_body=1000) as server:
        big = json.dumps({"sendgrid": [f"user{i}@example.com" for i in range(100)]})
        expected = {"error": "too_large", "message": "request body too large: this server takes at most 1000 bytes"}
        for path in ("/seed", "/sendgrid/blocks", "/clock", "/faults"):
            r = requests.post(server.url + CP + path, data=big, timeout=10)
            assert (r.status_code, r.json()) == (413, expected), path
        # without a declared length (chunked) too, and in-process
        r = requests.post(server.url + CP + "/seed", data=iter([big.encode()]), timeout=10)
        assert (r.status_code, r.json()) == (413, expected)
        with server.requests_session() as s:
            r = s.post(server.url + CP + "/seed", data=big)
            assert (r.status_code, r.json()) == (413, expected)
        assert server.sendgrid.blocks() == []
        ok = requests.post(server.url + CP + "/seed", json={"sendgrid": ["a@example.com"]}, timeout=10)
        assert ok.status_code == 200


def _reads(fake: Any) -> list[str]:
    """Every control-plane path a GET reads."""
    paths = ["", "/", "/health", "/clock", "/requests", "/faults"]
    for key, provider in fake.app.providers.items():
        paths += [f"/{key}", f"/{key}/blocks", f"/{key}/requests", f"/{key}/faults"]
        for action, fn in provider.control_actions().items():
            try:
                fn("GET", None, {"email": "a@example.com"})
            except ControlError as exc:
                if exc.status == 405:
                    continue
            paths.append(f"/{key}/{action}?email=a@example.com")
    return paths


def test_head_on_every_control_plane_read_answers_like_get(http, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    mailblocks.seed(BASE)
    paths = _reads(mailblocks)
    assert len(paths) > 25
    for path in paths:
        got = http.get(mailblocks.url + CP + path)
        head = http.head(mailblocks.url + CP + path)
        assert got.status_code == 200, (path, got.text)
        assert head.status_code == 200, (path, head.text)
        assert head.content == b"", path
        assert head.headers["Content-Type"] == got.headers["Content-Type"], path
        assert int(head.headers["Content-Length"]) == len(got.content), path
