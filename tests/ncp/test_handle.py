"""The ``ncp_fake`` handle, the ``mailblocks`` marker, seeds, the control plane and the CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
import requests

from pytest_mailblocks.core.errors import ControlError

from .conftest import SEND_BLOCK, sign

ADDRESS = "test01@ncp-mail.com"
TARGET = SEND_BLOCK + "?targetAddress=test01%40ncp-mail.com"


def test_handle_exposes_url_and_default_credentials(ncp_fake, mailblocks):
    assert ncp_fake.url == mailblocks.url
    assert (len(ncp_fake.access_key), len(ncp_fake.secret_key)) == (20, 40)
    assert ncp_fake.credentials == {"access_key": ncp_fake.access_key, "secret_key": ncp_fake.secret_key}
    assert mailblocks.ncp is ncp_fake


def test_add_block_returns_the_block_as_a_plain_dict(ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    assert ncp_fake.add_block(ADDRESS) == {
        "email": ADDRESS,
        "region": "KR",
        "blocked": True,
        "created": 1714521600000,
        "expected_delete": 1714521600000 + 168 * 3_600_000,
        "requester": "SYSTEM",
        "project": None,
        "result_code": "RECIPIENT_ADDRESS_ERROR",
        "result_message": "550 5.1.1 <test01@ncp-mail.com>: Recipient address rejected: "
        "User unknown in local recipient table\n",
        "history_sid": 1,
    }
    assert ncp_fake.blocks() == [ncp_fake.block(ADDRESS)]
    assert ncp_fake.block("other@example.com") is None


def test_blocks_are_soonest_expiry_first_and_expired_ones_disappear(ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block("long@example.com", hours=48)
    ncp_fake.add_block("short@example.com", hours=1)
    assert [b["email"] for b in ncp_fake.blocks()] == ["short@example.com", "long@example.com"]
    mailblocks.clock.advance(hours=1)
    assert [b["email"] for b in ncp_fake.blocks()] == ["long@example.com"]


def test_add_block_in_the_past_expires_at_once(ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    block = ncp_fake.add_block(ADDRESS, created="2024-04-01T00:00:00Z")
    assert (block["blocked"], block["expected_delete"]) == (False, None)
    assert [h["actionType"]["code"] for h in ncp_fake.history(ADDRESS)] == ["C", "D"]


def test_history_is_shown_relative_to_a_project(ncp_fake):
    other = ncp_fake.add_access_key()
    ncp_fake.add_block(ADDRESS, requester="CUSTOMER")
    assert ncp_fake.history(ADDRESS)[0]["actionRequesterType"]["code"] == "CUSTOMER"
    assert ncp_fake.history(ADDRESS, project=other["project"])[0]["actionRequesterType"]["code"] == "OTHER_CUSTOMER"
    assert ncp_fake.history(ADDRESS, lang="ko")[0]["actionType"]["label"] == "생성"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"email": "not-an-address"}, "email must be an address"),
        ({"requester": "ROBOT"}, "requester must be one of"),
        ({"result_code": "SOFT_BOUNCE"}, "result_code must be a hard bounce code"),
        ({"hours": 0}, "hours must be a positive number"),
        ({"created": "yesterday"}, "created: 'yesterday' is not an ISO 8601"),
        ({"created": 4102444800}, "created is after the fake's now"),
        # found while fuzzing (extreme seeded times): such a block was stored, then every list was a 500
        ({"created": -1e18}, "created is outside the fake clock's range"),
        ({"created": float("-inf")}, "created is outside the fake clock's range"),
        ({"created": "0001-01-01T00:00:00Z"}, "created is outside the fake clock's range"),
        ({"project": "nope"}, "unknown project 'nope'"),
        ({"region": "EU"}, "unknown region 'EU'"),
    ],
)
def test_add_block_validates(ncp_fake, kwargs, message):
    kwargs = {"email": ADDRESS, **kwargs}
    with pytest.raises(ControlError, match=message):
        ncp_fake.add_block(kwargs.pop("email"), **kwargs)


def test_blocking_a_blocked_address_raises(ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00.250Z")
    ncp_fake.add_block(ADDRESS)
    with pytest.raises(ControlError) as caught:
        ncp_fake.add_block(ADDRESS.upper())
    # when it ends, as a person reads a time (was "until utc 1715126400250")
    assert (
        str(caught.value)
        == f"add_block: {ADDRESS.upper()} is blocked already (until 2024-05-08T00:00:00.250Z); remove it first"
    )


def test_history_must_stay_in_time_order(ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block(ADDRESS, created="2024-04-01T00:00:00Z")
    with pytest.raises(ControlError, match="before the address's latest history entry"):
        ncp_fake.add_block(ADDRESS, created="2024-04-02T00:00:00Z")
    with pytest.raises(ControlError, match="removal time is before"):
        ncp_fake.add_block(ADDRESS)
        ncp_fake.remove_block(ADDRESS, at="2024-04-30T00:00:00Z")


def test_result_code_and_message_can_be_set_or_null(ncp_fake):
    b = ncp_fake.add_block(ADDRESS, result_code="SMTP_ERROR", result_message="554 no")
    assert (b["result_code"], b["result_message"]) == ("SMTP_ERROR", "554 no")
    ncp_fake.remove_block(ADDRESS)
    b = ncp_fake.add_block(ADDRESS, requester="CUSTOMER", result_code=None, result_message=None)
    assert (b["result_code"], b["result_message"], b["project"]) == (None, None, "default")


def test_unsubscriber_handle_methods(ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    u = ncp_fake.add_unsubscriber("a@example.com", by_manager=False)
    assert u == {"email": "a@example.com", "created": 1714521600000, "by_manager": False, "project": "default",
                 "region": "KR"}  # fmt: skip
    with pytest.raises(ControlError, match="already"):
        ncp_fake.add_unsubscriber("A@example.com")
    assert ncp_fake.remove_unsubscriber("A@EXAMPLE.com") is True
    assert ncp_fake.unsubscribers() == []


def test_access_keys_and_projects(ncp_fake):
    key = ncp_fake.add_access_key("MYKEY000000000000001", "my-secret", project="shop")
    assert key == {"access_key": "MYKEY000000000000001", "secret_key": "my-secret", "project": "shop",
                   "permitted": True, "forbidden": False}  # fmt: skip
    ncp_fake.add_access_key(project="shop")
    assert [p["name"] for p in ncp_fake.projects()] == ["default", "shop"]
    assert len(ncp_fake.access_keys()) == 3
    with pytest.raises(ControlError, match="exists already"):
        ncp_fake.add_access_key("MYKEY000000000000001")
    assert ncp_fake.revoke_access_key("MYKEY000000000000001") is True
    assert ncp_fake.revoke_access_key("MYKEY000000000000001") is False


def test_reset_forgets_everything(ncp_fake, mailblocks):
    ncp_fake.add_block(ADDRESS)
    ncp_fake.add_access_key()
    ncp_fake.set_subscribed(False)
    mailblocks.reset()
    assert (ncp_fake.blocks(), len(ncp_fake.access_keys()), ncp_fake.projects()[0]["subscribed"]) == ([], 1, True)


@pytest.mark.mailblocks(
    ncp={
        "blocks": [ADDRESS, {"email": "b@example.com", "requester": "ADMIN", "region": "JPN"}],
        "unsubscribers": [{"email": "u@example.com", "by_manager": False}],
        "access_keys": [{"access_key": "SEEDKEY0000000000001", "secret_key": "s", "project": "p2"}],
        "projects": [{"name": "default", "block_hours": 24}],
    }
)
def test_marker_seeds_blocks_unsubscribers_keys_and_projects(ncp, ncp_fake):
    assert [b["email"] for b in ncp_fake.blocks()] == [ADDRESS]
    assert ncp_fake.blocks(region="JPN")[0]["requester"] == "ADMIN"
    assert ncp_fake.unsubscribers()[0]["by_manager"] is False
    assert ncp_fake.block(ADDRESS)["expected_delete"] - ncp_fake.block(ADDRESS)["created"] == 24 * 3_600_000
    r = ncp.get(TARGET, access_key="SEEDKEY0000000000001", secret_key="s")
    assert r.json()["registerStatus"] == "Blocked"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"blocks": [{"email": "x"}]}, "ncp.blocks[0]: email must be an address"),
        ({"blocks": [{"email": "a@example.com", "colour": 1}]}, "ncp.blocks[0]: unknown field(s) ['colour']"),
        ({"blocks": {}}, "ncp.blocks: expected a list"),
        ({"unsubscribers": [5]}, "ncp.unsubscribers[0]: expected an object"),
        ({"access_keys": [{"access_key": 1}]}, "ncp.access_keys[0]: access_key must be a non-empty string"),
        ({"projects": [{"name": "p", "subscribed": "no"}]}, "ncp.projects[0]: subscribed must be true or false"),
        ({"quota": {"limit": 1, "period": "year"}}, "ncp.quota: period must be one of"),
        ({"nope": []}, "ncp: unknown key(s) ['nope']"),
        ("text", "ncp: expected a list of blocks"),
    ],
)
def test_bad_seed_names_the_key_path(ncp_fake, data, where):
    with pytest.raises(ControlError) as err:
        ncp_fake.seed(data)
    assert str(err.value).startswith(where)


# -- control plane --------------------------------------------------------------------------------
def test_control_plane_seeds_and_lists_blocks(http, ncp_fake):
    base = ncp_fake.url + "/_mailblocks/ncp"
    r = http.post(base + "/blocks", json=[{"email": ADDRESS, "requester": "OTHER_CUSTOMER"}])
    assert (r.status_code, r.json()) == (201, {"provider": "ncp", "seeded": 1})
    listed = http.get(base + "/blocks").json()
    assert (listed["count"], listed["blocks"][0]["email"], listed["blocks"][0]["requester"]) == (
        1,
        ADDRESS,
        "OTHER_CUSTOMER",
    )
    bad = http.post(base + "/blocks", json=[{"email": "nope"}])
    assert bad.status_code == 400 and "ncp.blocks[0]: email must be an address" in bad.json()["message"]


def test_a_malformed_item_leaves_a_control_plane_seed_unapplied(http, ncp_fake):
    base = ncp_fake.url + "/_mailblocks/ncp"
    r = http.post(base + "/blocks", json=["first@example.com", {"email": "second@example.com", "requester": "ROBOT"}])
    assert r.status_code == 400 and "ncp.blocks[1]: requester must be one of" in r.json()["message"]
    r = http.post(base + "/unsubscribers", json=["a@example.com", "not-an-address"])
    assert r.status_code == 400 and "unsubscribers[1]: email must be an address" in r.json()["message"]
    r = http.post(ncp_fake.url + "/_mailblocks/seed", json={"ncp": {"blocks": ["b@example.com"], "unsubscribers": [7]}})
    assert r.status_code == 400 and "ncp.unsubscribers[0]" in r.json()["message"]
    assert http.get(base + "/blocks").json()["count"] == 0
    assert http.get(base + "/unsubscribers").json() == {"unsubscribers": []}


def test_control_plane_actions(http, ncp_fake):
    base = ncp_fake.url + "/_mailblocks/ncp"
    key = http.post(base + "/access-keys", json={"project": "shop"}).json()["access_key"]
    assert key["project"] == "shop"
    assert (
        http.post(base + "/projects", json={"name": "shop", "subscribed": False}).json()["project"]["subscribed"]
        is False
    )
    assert http.post(base + "/quota", json={"limit": 5}).json() == {
        "quotas": [{"access_key": None, "limit": 5, "period": "day"}]
    }
    http.post(base + "/blocks", json=[ADDRESS])
    assert http.get(base + "/history", params={"email": ADDRESS}).json()["history"][0]["actionType"]["code"] == "C"
    assert http.post(base + "/unblock", json={"email": ADDRESS, "requester": "ADMIN"}).json() == {"removed": True}
    assert http.post(base + "/unsubscribers", json=[{"email": "u@example.com"}]).status_code == 200
    assert http.get(base + "/unsubscribers").json()["unsubscribers"][0]["email"] == "u@example.com"
    info = http.get(base).json()
    assert info["key"] == "ncp" and info["real_host"] == "https://mail.apigw.ntruss.com"
    assert info["prefixes"] == ["/api/v1/", "/api/v1-sgn/", "/api/v1-jpn/"]
    assert http.put(base + "/quota").status_code == 405


def test_control_plane_fault_in_the_mailer_format(http, ncp):
    r = http.post(ncp.fake.url + "/_mailblocks/ncp/faults", json={"endpoint": "get_send_block_list", "status": 500})
    assert r.status_code == 201
    assert ncp.get(TARGET).json() == {"error": {"code": "77303", "message": "그외 INTERNAL_SERVER_ERROR"}}


# -- CLI ---------------------------------------------------------------------------------------------
def test_cli_serves_ncp_with_a_seed_file_and_credentials(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"ncp": {"blocks": [ADDRESS]}}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_mailblocks", "serve", "--provider", "ncp", "--seed", str(seed),
         "--credential", "ncp.access_key=CLIKEY00000000000001", "--credential", "ncp.secret_key=cli-secret"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = proc.stdout.readline().rsplit(" ", 1)[1].strip()
        banner = [proc.stdout.readline() for _ in range(3)]
        assert any("access_key=CLIKEY00000000000001" in line and "secret_key=cli-secret" in line for line in banner)
        assert any("https://mail.apigw.ntruss.com" in line for line in banner)
        import time

        ts = str(int(time.time() * 1000))
        headers = {
            "x-ncp-apigw-timestamp": ts,
            "x-ncp-iam-access-key": "CLIKEY00000000000001",
            "x-ncp-apigw-signature-v2": sign("cli-secret", "GET", TARGET, ts, "CLIKEY00000000000001"),
        }
        assert requests.get(url + TARGET, headers=headers, timeout=10).json()["registerStatus"] == "Blocked"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err


def test_cli_refuses_a_bad_ncp_seed(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"ncp": {"blocks": [{"email": ADDRESS, "requester": "ROBOT"}]}}))
    r = subprocess.run(
        [sys.executable, "-m", "pytest_mailblocks", "serve", "--seed", str(seed)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 2
    assert "ncp.blocks[0]: requester must be one of" in r.stderr


@pytest.mark.parametrize(
    "code",
    [
        "MAILBOX_ERROR",
        "MAIL_CONTENTS_ERROR",
        "NETWORK_ERROR",
        "RECEIVE_MAIL_SERVICE_ERROR",
        "RECIPIENT_ADDRESS_ERROR",
        "SECURITY_AND_POLICY_ERROR",
        "SMTP_ERROR",
    ],
)
def test_every_hard_bounce_code_blocks_and_shows_as_send_result_code(ncp, ncp_fake, code):
    ncp_fake.add_block(ADDRESS, result_code=code)
    item = ncp.get(TARGET).json()["content"][0]
    assert item["sendResultCode"] == code
    assert item["sendResultMessage"].endswith("\n") and ADDRESS in item["sendResultMessage"]
