"""The three ways to serve one app (issue 8): what differs between them.

Every behaviour test runs in all three modes through the ``http`` fixture; these
tests cover what is specific to each: the in-process httpx clients (sync and
async), the pytest-httpserver mount living beside the suite's own expectations,
and the identical journal.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
import requests

BLOCKS = "/v3/suppression/blocks"


def test_every_mode_answers_identically_and_journals_alike(http, mailblocks, serving):
    sg = mailblocks.sendgrid
    sg.add_block("a@example.com", created=7)
    r = http.get(sg.url + BLOCKS, headers={"Authorization": f"Bearer {sg.api_key}"}, params={"limit": 1})
    assert (r.status_code, r.content) == (
        200,
        b'[{"created":7,"email":"a@example.com","reason":"550 5.7.1 Message rejected by the receiving server",'
        b'"status":"5.7.1"}]',
    )
    entry = sg.requests.last
    assert (entry.method, entry.path, entry.query, entry.status, entry.endpoint) == (
        "GET",
        BLOCKS,
        {"limit": "1"},
        200,
        "list_blocks",
    )
    assert entry.header("Authorization") == f"Bearer {sg.api_key}"


def test_httpx_client_is_in_process(sendgrid_fake):
    sendgrid_fake.add_block("a@example.com")
    with sendgrid_fake.httpx_client(headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"}) as client:
        r = client.get(BLOCKS)
        assert [b["email"] for b in r.json()] == ["a@example.com"]
        assert client.delete(BLOCKS + "/a@example.com").status_code == 204
    assert sendgrid_fake.blocks() == []


def test_async_httpx_client_is_in_process(sendgrid_fake):
    sendgrid_fake.add_block("a@example.com")

    async def main() -> list[str]:
        async with sendgrid_fake.async_httpx_client(
            headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"}
        ) as client:
            r = await client.get(BLOCKS)
            return [b["email"] for b in r.json()]

    assert asyncio.run(main()) == ["a@example.com"]


def test_async_client_with_a_latency_fault_does_not_block_the_loop(sendgrid_fake):
    sendgrid_fake.inject_fault("list_blocks", latency=0.05, times=1)

    async def main() -> tuple[int, int]:
        async with sendgrid_fake.async_httpx_client(
            headers={"Authorization": f"Bearer {sendgrid_fake.api_key}"}
        ) as client:
            request = asyncio.create_task(client.get(BLOCKS))
            turns = 0  # the loop's turns while the request is pending: 1 if the fault blocked it
            while not request.done():
                await asyncio.sleep(0)
                turns += 1
            return (await request).status_code, turns

    status, turns = asyncio.run(main())
    assert status == 200
    assert turns >= 2  # the loop kept running while the fault slept (no timer: turns, not ticks)


def test_in_process_reset_fault_is_the_clients_connection_error(sendgrid_fake):
    sendgrid_fake.inject_fault("list_blocks", reset=True)
    with sendgrid_fake.httpx_client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(BLOCKS)
    with sendgrid_fake.requests_session() as session, pytest.raises(requests.ConnectionError):
        session.get(sendgrid_fake.url + BLOCKS)


def test_requests_session_only_captures_the_fakes_url(mailblocks):
    session = mailblocks.requests_session()
    adapter = session.get_adapter(mailblocks.url + "/v3/x")
    assert type(adapter).__name__ == "RequestsAdapter"
    assert type(session.get_adapter("https://example.com/")).__name__ == "HTTPAdapter"


def test_mount_keeps_the_suites_own_expectations(httpserver, mailblocks):
    httpserver.expect_request("/health-of-my-app").respond_with_json({"ok": True})
    mounted = mailblocks.mount(httpserver)
    assert mounted.url == httpserver.url_for("/").rstrip("/")
    assert requests.get(mounted.url + "/health-of-my-app").json() == {"ok": True}
    sg = mounted.sendgrid
    assert sg.url == mounted.url and sg.api_key == mailblocks.sendgrid.api_key
    r = requests.get(sg.url + BLOCKS, headers={"Authorization": f"Bearer {sg.api_key}"})
    assert (r.status_code, r.json()) == (200, [])
    assert requests.get(mounted.url + "/_mailblocks/health").json()["status"] == "ok"
    assert httpserver.handler_errors == []


def test_mount_shares_state_with_the_session_server(httpserver, mailblocks):
    mounted = mailblocks.mount(httpserver)
    mailblocks.sendgrid.add_block("shared@example.com")
    r = requests.get(mounted.url + BLOCKS, headers={"Authorization": f"Bearer {mounted.sendgrid.api_key}"})
    assert [b["email"] for b in r.json()] == ["shared@example.com"]
    assert mailblocks.sendgrid.requests.last.path == BLOCKS


def test_mount_reset_fault_drops_the_connection(httpserver, mailblocks):
    mounted = mailblocks.mount(httpserver)
    mounted.sendgrid.inject_fault("list_blocks", reset=True, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(mounted.url + BLOCKS)
    assert httpserver.handler_errors == []
