"""The handle, seeding (control plane, marker, seed data) and the CLI banner for CMC."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from pytest_mailblocks import ControlError
from pytest_mailblocks.cli import _banner

CP = "/_mailblocks"


def test_handle_exposes_the_default_credentials_and_url(cmc_fake, mailblocks):
    assert (cmc_fake.api_user, cmc_fake.api_key, cmc_fake.server_composition) == (
        "mailblocks",
        "mailblocks-api-key",
        "mailblocks",
    )
    assert cmc_fake.url == mailblocks.url
    assert mailblocks.cmc is cmc_fake


def test_add_block_defaults_to_status_2_one_error_and_the_fake_clock(cmc_fake, mailblocks):
    mailblocks.clock.freeze("2015-12-13T23:46:00Z")
    rec = cmc_fake.add_block("to1@example.com")
    assert rec == {
        "created": "2015-12-14 08:46:00",
        "email": "to1@example.com",
        "id": rec["id"],
        "occurred": "1",
        "status": "2",
    }
    assert len(rec["id"]) == 13 and rec["id"].isalnum() and rec["id"].islower()
    assert cmc_fake.blocks() == [rec]
    assert cmc_fake.block("TO1@example.com") == rec


@pytest.mark.parametrize(
    "created",
    [
        1450050360,
        "2015-12-14 08:46:00",
        "2015-12-14T08:46:00+09:00",
        "2015-12-13T23:46:00Z",
        datetime(2015, 12, 13, 23, 46, tzinfo=timezone.utc),
        datetime(2015, 12, 14, 8, 46),
    ],
)
def test_created_takes_seconds_strings_or_datetimes_naive_meaning_jst(cmc_fake, created):
    assert cmc_fake.add_block("a@example.com", created=created)["created"] == "2015-12-14 08:46:00"


@pytest.mark.parametrize("status", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99, "99"])
def test_every_documented_block_status_is_accepted(cmc_fake, status):
    assert cmc_fake.add_block("a@example.com", status=status)["status"] == str(status)


@pytest.mark.parametrize("status", [0, 12, 50, 100, -1, "x", True, 2.5])
def test_other_statuses_are_refused_naming_the_field(cmc_fake, status):
    with pytest.raises(ControlError, match=r"block\.status"):
        cmc_fake.add_block("a@example.com", status=status)


@pytest.mark.parametrize("created", [1e18, -1e18, float("inf"), 10**30, "9999-12-31T23:59:59Z", "0001-01-01 00:00:00"])
def test_a_created_time_no_date_can_show_is_refused(cmc_fake, http, created):
    """Found while fuzzing (extreme seeded times): such a block was stored, and every list of it (blocks/list,
    the download, the control plane, the inspector) was a 500."""
    with pytest.raises(ControlError, match=r"block\.created: .* outside the fake clock's range"):
        cmc_fake.add_block("a@example.com", created=created)
    body = json.dumps([{"email": "a@example.com", "created": created}])  # Infinity too
    r = http.post(cmc_fake.url + "/_mailblocks/cmc/blocks", data=body)
    assert r.status_code == 400
    assert http.get(cmc_fake.url + "/_mailblocks/cmc/blocks").json()["count"] == 0


def test_remove_block_and_adding_again_replaces(cmc_fake):
    cmc_fake.add_block("a@example.com", status=2)
    cmc_fake.add_block("A@example.com", status=9)
    assert [(b["email"], b["status"]) for b in cmc_fake.blocks()] == [("A@example.com", "9")]
    assert cmc_fake.remove_block("a@example.com") is True
    assert cmc_fake.remove_block("a@example.com") is False


def test_handle_errors_name_unknown_compositions(cmc_fake):
    with pytest.raises(ControlError, match="unknown server composition 'nope'"):
        cmc_fake.add_block("a@example.com", server_composition="nope")
    with pytest.raises(ControlError, match="unknown server composition"):
        cmc_fake.blocks(server_composition="nope")
    with pytest.raises(ControlError, match="already exists"):
        cmc_fake.add_composition("mailblocks")
    with pytest.raises(ControlError, match="role must be"):
        cmc_fake.add_user("x", role="owner")
    with pytest.raises(ControlError, match="time_zone"):
        cmc_fake.add_user("x", time_zone="Mars/Base")
    with pytest.raises(ControlError, match="cipher"):
        cmc_fake.set_encryption("pw", cipher="des")


def test_configure_validates_and_reports_every_setting(cmc_fake):
    assert cmc_fake.settings == {
        "empty_list_status": 200,
        "csv_line_end": "\n",
        "batch_time": "03:00",
        "block_threshold": 1,
    }
    assert cmc_fake.configure(batch_time="4:05", block_threshold=2)["batch_time"] == "04:05"
    for bad in ({"empty_list_status": 404}, {"csv_line_end": "\r"}, {"batch_time": "25:00"}, {"colour": 1}):
        with pytest.raises(ControlError):
            cmc_fake.configure(**bad)


def test_add_blocks_in_bulk_and_a_bad_record_names_its_index(cmc_fake):
    assert cmc_fake.add_blocks([{"email": f"u{i}@example.com", "created": i} for i in range(500)]) == 500
    assert len(cmc_fake.blocks()) == 500
    with pytest.raises(ControlError, match=r"blocks\[1\]\.occurred"):
        cmc_fake.add_blocks([{"email": "a@example.com"}, {"email": "b@example.com", "occurred": 0}])


# -- seed data: the control plane, the marker ----------------------------------------------------
def test_control_plane_seeds_and_lists_cmc_blocks(http, mailblocks):
    r = http.post(
        mailblocks.url + CP + "/cmc/blocks",
        json=[{"email": "a@example.com", "created": "2015-12-14 08:46:00", "id": "cp0ihzuyl3445"}, "b@example.com"],
    )
    assert (r.status_code, r.json()) == (201, {"provider": "cmc", "seeded": 2})
    r = http.get(mailblocks.url + CP + "/cmc/blocks")
    body = r.json()
    assert (body["provider"], body["count"]) == ("cmc", 2)
    assert body["blocks"][0] == {
        "created": "2015-12-14 08:46:00",
        "email": "a@example.com",
        "id": "cp0ihzuyl3445",
        "occurred": "1",
        "status": "2",
    }
    assert http.get(mailblocks.url + CP + "/cmc/blocks?removed=true").json()["count"] == 0
    r = http.get(mailblocks.url + CP + "/cmc/blocks?server_composition=nope")
    assert r.status_code == 400
    assert "unknown server composition 'nope'" in r.json()["message"]


def test_control_plane_seed_errors_name_the_key_path(http, mailblocks):
    r = http.post(
        mailblocks.url + CP + "/cmc/blocks", json={"blocks": ["a@example.com", {}, {"email": "x", "status": 0}]}
    )
    assert r.status_code == 400
    assert r.json()["message"].startswith("cmc.blocks[1].email: email is required")
    r = http.post(mailblocks.url + CP + "/cmc/blocks", json=[{"email": "x", "status": 12}])
    assert r.json()["message"].startswith("cmc.blocks[0].status: status 12 is not a block status")
    r = http.post(mailblocks.url + CP + "/cmc/blocks", json={"blocks": [], "bounces": []})
    assert r.json()["message"] == (
        "cmc: unknown key(s) ['bounces']; known: ['accounts', 'blocks', 'compositions', 'encryption', "
        "'settings', 'unsubscribes', 'users']"
    )
    r = http.post(mailblocks.url + CP + "/cmc/blocks", json=[{"email": "x", "created": "yesterday"}])
    assert r.json()["message"].startswith("cmc.blocks[0].created: 'yesterday' is not a date-time")
    r = http.post(mailblocks.url + CP + "/seed", json={"cmc": {"users": [{"api_user": "u", "rol": "admin"}]}})
    assert r.json()["message"].startswith("cmc.users[0]: unknown field(s) ['rol']")


def test_control_plane_full_seed_with_tenants_users_and_settings(http, mailblocks):
    seed = {
        "cmc": {
            "accounts": ["other"],
            "compositions": ["testcomp", {"name": "theirs", "account": "other"}],
            "users": [
                {"api_user": "testuser", "api_key": "password", "role": "admin"},
                {"api_user": "them", "api_key": "k", "account": "other", "download": False},
            ],
            "encryption": {"password": "pw", "cipher": "aes", "account": "other"},
            "settings": {"empty_list_status": 204, "batch_time": "05:00"},
            "blocks": [{"email": "a@example.com", "server_composition": "testcomp", "status": "9", "occurred": 3}],
            "unsubscribes": [{"email": "u@example.com", "filter_name": "A", "server_composition": "theirs"}],
        }
    }
    r = http.post(mailblocks.url + CP + "/seed", json=seed)
    assert r.json() == {"seeded": {"cmc": 7}}  # accounts, compositions, users, records
    cmc = mailblocks.cmc
    assert [b["status"] for b in cmc.blocks(server_composition="testcomp")] == ["9"]
    info = http.get(mailblocks.url + CP + "/cmc").json()
    assert info["real_host"] == "https://api.smtps.jp"
    assert info["prefixes"] == ["/transaction/", "/api/v1/emails/", "/api/v2/emails/"]
    assert info["credentials"] == cmc.auth
    other = next(t for t in info["tenants"] if t["account"] == "other")
    assert other["encryption"] == {"cipher": "aes"}
    assert other["compositions"] == [
        {"name": "theirs", "counts": {"blocks": 0, "removed": 0, "unsubscribes": 1, "pending": 0}}
    ]
    assert [u["api_user"] for u in other["users"]] == ["them"]
    assert "api_key" not in other["users"][0]
    assert info["settings"]["empty_list_status"] == 204


def test_control_actions_batch_delivery_errors_and_settings(http, mailblocks):
    cmc = mailblocks.cmc
    cmc.add_block("a@example.com")
    cmc.add_unsubscribe("u@example.com", "A")
    base = mailblocks.url + CP + "/cmc"
    r = http.post(base + "/blocks", json=[])  # an empty seed is fine
    assert r.status_code == 201
    form = {**cmc.auth, "email": "u@example.com"}
    assert http.post(cmc.url + "/transaction/v2/unsubscribes/cancel.json", data=form).status_code == 200
    assert [p["email"] for p in http.get(base + "/batch").json()["pending"]] == ["u@example.com"]
    assert http.post(base + "/batch").json() == {"applied": 1}
    assert http.get(base + "/unsubscribes").json() == {"unsubscribes": [], "pending": []}
    assert http.post(base + "/unsubscribes", json={"email": "v@example.com"}).json() == {"seeded": 1}
    r = http.post(base + "/delivery-errors", json={"email": "new@example.com", "status": 1})
    assert r.json()["block"]["status"] == "1"
    r = http.post(base + "/delivery-errors", json={"email": "x@example.com", "status": 42})
    assert r.status_code == 400
    assert http.post(base + "/settings", json={"block_threshold": 2}).json()["settings"]["block_threshold"] == 2
    assert http.post(base + "/encryption", json={"password": "pw"}).json()["encryption"] == {
        "mailblocks": {"cipher": "zipcrypto"}
    }
    assert http.post(base + "/users", json={"api_user": "ro", "reference": True, "download": False}).status_code == 200
    assert http.post(base + "/compositions", json="third").json()["compositions"][-1] == {
        "name": "third",
        "account": "mailblocks",
    }


@pytest.mark.mailblocks(
    cmc={
        "compositions": ["testcomp"],
        "users": [{"api_user": "testuser", "api_key": "password", "role": "admin"}],
        "blocks": [{"email": "to1@example.com", "created": "2015-12-14 08:46:00", "server_composition": "testcomp"}],
    },
    freeze="2015-12-15T00:00:00Z",
)
def test_marker_seeds_cmc_for_the_documented_request_example(cmc_fake, http):
    r = http.post(
        cmc_fake.url + "/transaction/v2/blocks/list.json",
        data={"api_user": "testuser", "api_key": "password", "server_composition": "testcomp"},
    )
    assert [b["email"] for b in r.json()["blocks"]] == ["to1@example.com"]


def test_the_cli_banner_names_cmc_and_its_credentials(mailblocks):
    banner = _banner(mailblocks, quiet=False)
    assert (
        f"cmc        Customers Mail Cloud (blocks, unsubscribes, emails/send): {mailblocks.url} (for https://api.smtps.jp)"
        in banner
    )
    assert "api_user=mailblocks  api_key=mailblocks-api-key  server_composition=mailblocks" in banner


def test_reset_restores_the_default_tenant(cmc_fake):
    cmc_fake.add_block("a@example.com")
    cmc_fake.add_composition("x")
    cmc_fake.set_encryption("pw")
    cmc_fake.reset()
    assert cmc_fake.blocks() == []
    assert cmc_fake.compositions() == ["mailblocks"]


def test_the_docs_handle_example_runs(cmc_fake, http):
    """The example in docs/providers/cmc.md, with one more check in the middle."""
    cmc_fake.add_block("to1@example.com", created="2015-12-14 08:46:00")
    form = {**cmc_fake.auth, "email": "to1@example.com"}
    assert http.post(cmc_fake.url + "/transaction/v2/blocks/cancel.json", data=form).json() == {"message": "success"}
    assert cmc_fake.block("to1@example.com") is None
    cmc_fake.record_delivery_error("to1@example.com", status=2)
    assert cmc_fake.block("to1@example.com") is not None


def test_cli_serves_cmc_with_a_seed_file_and_credentials(tmp_path):
    import json
    import signal
    import subprocess
    import sys

    import requests

    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"cmc": {"blocks": [{"email": "to1@example.com", "status": "2",
                                                    "created": "2015-12-14 08:46:00"}]}}))  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_mailblocks", "serve", "--provider", "cmc", "--seed", str(seed),
         "--credential", "cmc.api_user=cli", "--credential", "cmc.api_key=cli-key"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = proc.stdout.readline().rsplit(" ", 1)[1].strip()
        banner = [proc.stdout.readline() for _ in range(3)]
        assert any("api_user=cli  api_key=cli-key  server_composition=mailblocks" in line for line in banner)
        form = {"api_user": "cli", "api_key": "cli-key", "server_composition": "mailblocks"}
        r = requests.post(url + "/transaction/v2/blocks/list.xml", data=form, timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
        assert "<email>to1@example.com</email>" in r.text and "<created>2015-12-14 08:46:00</created>" in r.text
        bad = requests.post(url + "/transaction/v2/blocks/list.json", data={**form, "api_key": "mailblocks-api-key"})
        assert bad.status_code == 401  # the default key no longer works
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
