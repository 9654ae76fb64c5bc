"""Seeding and reading back SendCloud through the control plane, the marker and
the CLI (issue 6: "control plane and CLI cover SendCloud")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

CP = "/_mailblocks/sendcloud"


def test_health_lists_sendcloud_with_its_prefixes_and_credentials(http, mailblocks):
    info = http.get(mailblocks.url + CP).json()
    assert info["prefixes"] == ["/api/", "/apiv2/"]
    assert info["real_host"] == "https://api2.sendcloud.net"
    assert info["credentials"] == {"api_user": "mailblocks_default", "api_key": "MailblocksSendCloudDefaultKey001"}
    assert info["tenants"] == [
        {"api_user": "mailblocks_default", "counts": {"blocks": 0, "bounces": 0, "complaints": 0, "unsubscribes": 0}}
    ]
    assert info["count_mode"] == "rows"


def test_seed_blocks_and_read_them_back(http, mailblocks, frozen):
    r = http.post(
        mailblocks.url + CP + "/blocks",
        json=[
            {"email": "a@example.com", "expire_time": "2030-01-01", "create_time": "2024-05-01 10:00:00"},
            {"apiUserBlock": "shop", "domain": "qq.com", "expireTime": "2030-01-01"},
            "b@example.com",
            "example.org",
        ],
    )
    assert (r.status_code, r.json()) == (201, {"provider": "sendcloud", "seeded": 4})
    body = http.get(mailblocks.url + CP + "/blocks").json()
    assert body["count"] == 4
    assert body["blocks"][0] == {
        "apiUserBlock": "all",
        "domain": "",
        "email": "a@example.com",
        "createTime": "2024-05-01 10:00:00",
        "expireTime": "2030-01-01 00:00:00",
    }
    assert {(b["apiUserBlock"], b["email"] or b["domain"]) for b in body["blocks"][1:]} == {
        ("shop", "qq.com"),
        ("all", "b@example.com"),
        ("all", "example.org"),
    }


def test_seed_everything_at_once_per_api_user(http, mailblocks, frozen):
    seed = {
        "sendcloud": {
            "api_users": [{"api_user": "shop", "api_key": "ShopKey"}, "batch"],
            "blocks": [{"email": "a@example.com", "api_user": "shop"}],
            "bounces": [
                {"email": "b@qq.com", "reason": "550", "bounce_time": "2024-05-15 08:00:00", "api_user": "shop"}
            ],
            "unsubscribes": [{"email": "u@qq.com", "labelId": 4, "api_user": "shop"}, "v@qq.com"],
            "count_mode": "total",
        }
    }
    assert http.post(mailblocks.url + "/_mailblocks/seed", json=seed).json() == {"seeded": {"sendcloud": 4}}
    sc = mailblocks.sendcloud
    shop = {"apiUser": "shop", "apiKey": "ShopKey", "days": 1}
    r = http.get(sc.url + "/api/bounce/list", params=shop).json()
    assert r["info"]["dataList"][0]["reason"] == "550"
    assert http.get(mailblocks.url + CP + "/blocks", params={"list": "unsubscribes", "api_user": "shop"}).json()[
        "blocks"
    ] == [
        {
            "email": "u@qq.com",
            "domain": "qq.com",
            "labelId": 4,
            "apiUser": "shop",
            "unsubscribeTime": "2024-05-15 12:00:00",
        }
    ]
    assert [u["email"] for u in sc.unsubscribes()] == ["v@qq.com"]
    assert sc.count_mode == "total"
    assert [u["api_user"] for u in sc.api_users()] == ["mailblocks_default", "shop", "batch"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"blocks": [{"emial": "a@example.com"}]}, "sendcloud.blocks[0]: unknown field(s) ['emial']"),
        ({"blocks": [{}, {"email": 1}]}, "sendcloud.blocks[0]: email or domain is required"),
        ({"blocks": [{"email": "a@b.co", "expireTime": "x"}]}, "sendcloud.blocks[0]: expire_time:"),
        ({"blocks": [{"email": "a@b.co", "email_": 1}]}, "sendcloud.blocks[0]: unknown field(s)"),
        ({"blocks": [{"email": "a@b.co", "expire_time": "2030-01-01", "expireTime": "2030-01-01"}]}, "given twice"),
        ({"blocks": [{"email": "a@b.co", "api_user": "ghost"}]}, "sendcloud.blocks[0]: unknown api_user 'ghost'"),
        ({"bounces": [{"email": "a@b.co", "domain": "c.co"}]}, "sendcloud.bounces[0]: domain 'c.co' does not match"),
        ({"bounces": [5]}, "sendcloud.bounces[0]: expected an object"),
        ({"unsubscribes": [{"email": "a@b.co", "label_id": "x"}]}, "sendcloud.unsubscribes[0]: label_id"),
        ({"api_users": [{"api_user": "mailblocks_default"}]}, "sendcloud.api_users[0]: api_user 'mailblocks_default'"),
        ({"api_users": [{"api_user": "x", "secret": 1}]}, "sendcloud.api_users[0]: unknown field(s) ['secret']"),
        ({"count_mode": "some"}, "sendcloud.count_mode: count_mode must be one of"),
        ({"block": []}, "sendcloud: unknown key(s) ['block']"),
        ({"blocks": {}}, "sendcloud.blocks: expected a list"),
    ],
)
def test_bad_seeds_name_the_key_and_change_nothing(http, mailblocks, payload, message):
    r = http.post(mailblocks.url + "/_mailblocks/seed", json={"sendcloud": {"api_users": ["new_one"], **payload}})
    assert r.status_code == 400
    assert message in r.json()["message"]
    assert [u["api_user"] for u in mailblocks.sendcloud.api_users()] == ["mailblocks_default"]
    assert mailblocks.sendcloud.blocks() == []


def test_api_users_and_count_mode_actions(http, mailblocks):
    r = http.post(mailblocks.url + CP + "/api-users", json={"api_user": "shop", "api_key": "K"})
    assert r.json()["api_users"][-1] == {"api_user": "shop", "api_key": "K"}
    assert http.get(mailblocks.url + CP + "/api-users").json()["api_users"][0]["api_user"] == "mailblocks_default"
    assert http.post(mailblocks.url + CP + "/count-mode", json={"count_mode": "total"}).json() == {
        "count_mode": "total"
    }
    assert http.get(mailblocks.url + CP + "/count-mode").json() == {"count_mode": "total"}
    assert http.post(mailblocks.url + CP + "/count-mode", json={"mode": "total"}).status_code == 400
    assert http.delete(mailblocks.url + CP + "/api-users").status_code == 405


def test_control_blocks_query_is_checked(http, mailblocks):
    assert http.get(mailblocks.url + CP + "/blocks", params={"list": "spam"}).status_code == 400
    assert http.get(mailblocks.url + CP + "/blocks", params={"api_user": "ghost"}).status_code == 400


@pytest.mark.mailblocks(
    sendcloud=[{"email": "marked@example.com", "expire_time": "2024-05-02"}], freeze="2024-05-01T00:00:00Z"
)
def test_the_marker_seeds_a_bare_list_of_blocks(sendcloud_fake, mailblocks):
    assert [b["email"] for b in sendcloud_fake.blocks()] == ["marked@example.com"]
    assert sendcloud_fake.blocks()[0]["createTime"] == "2024-05-01 08:00:00"
    mailblocks.clock.advance(hours=16)
    assert sendcloud_fake.blocks() == []


def test_the_cli_serves_sendcloud_with_a_seed_and_prints_its_credentials(tmp_path):
    """Stopping cleanly on a signal is the core's test (tests/core/test_cli.py); this
    one only terminates the process."""
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"sendcloud": {"blocks": [{"email": "cli@example.com"}]}}))
    command = [sys.executable, "-m", "pytest_mailblocks", "serve", "--provider", "sendcloud", "--seed", str(seed)]
    command += ["--credential", "sendcloud.api_user=cli_user", "--credential", "sendcloud.api_key=CliKey"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().rsplit(" ", 1)[1].strip()
        banner = [proc.stdout.readline() for _ in range(3)]
        assert any("sendcloud" in line and "https://api2.sendcloud.net" in line for line in banner)
        assert any("api_user=cli_user" in line and "api_key=CliKey" in line for line in banner)
        r = requests.get(url + "/apiv2/block/list", params={"apiUser": "cli_user", "apiKey": "CliKey", "days": 1})
        assert [b["email"] for b in r.json()["info"]["dataList"]] == ["cli@example.com"]
    finally:
        proc.kill()
        proc.communicate(timeout=30)
