"""Unsubscribers: getUnsubscribersList, registerUnsubscribers, deleteUnsubscribers
(ncp.md: Unsubscribers; recordings unsubscribers_register_201, unsubscribers_delete_200)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import BAD_REQUEST, UNSUBSCRIBERS, mailer_error

WINDOW = "?startDateTime=2024-05-01&endDateTime=2024-06-01"
UNSUPPORTED = mailer_error("77002", "UNSUPPORTED_MEDIA_TYPE")


def order(prop: str, desc: bool = False) -> dict[str, Any]:
    return {
        "direction": "DESC" if desc else "ASC",
        "property": prop,
        "ignoreCase": False,
        "nullHandling": "NATIVE",
        "ascending": not desc,
        "descending": desc,
    }


def addresses(body: dict[str, Any]) -> list[str]:
    return [item["address"] for item in body["content"]]


@pytest.fixture
def may(mailblocks):
    mailblocks.clock.freeze("2024-05-10T00:00:00Z")


# -- registerUnsubscribers ------------------------------------------------------------------------
def test_register_is_201_with_count_request_count_ignore_count(ncp, ncp_fake, may):
    r = ncp.post(UNSUBSCRIBERS, json={"blockedReceivers": ["user1@example.com", "user2@example.com"]})
    assert r.status_code == 201
    assert r.json() == {"count": 2, "requestCount": 2, "ignoreCount": 0}
    assert r.headers["x-ncp-apigw-response-origin"] == "ENDPOINT"
    assert [u["email"] for u in ncp_fake.unsubscribers()] == ["user1@example.com", "user2@example.com"]
    assert all(u["by_manager"] for u in ncp_fake.unsubscribers())


def test_register_ignores_listed_and_repeated_addresses(ncp, ncp_fake):
    ncp_fake.add_unsubscriber("user1@example.com")
    body = {"blockedReceivers": ["user1@example.com", "USER2@example.com", "user2@example.com"]}
    r = ncp.post(UNSUBSCRIBERS, json=body)
    assert (r.status_code, r.json()) == (201, {"count": 1, "requestCount": 3, "ignoreCount": 2})


def test_register_accepts_json_with_a_charset(ncp):
    r = ncp.post(
        UNSUBSCRIBERS,
        data=b'{"blockedReceivers":["a@example.com"]}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 201


# -- deleteUnsubscribers --------------------------------------------------------------------------
def test_delete_is_200_and_counts_the_removed(ncp, ncp_fake):
    ncp_fake.add_unsubscriber("user1@example.com")
    ncp_fake.add_unsubscriber("user2@example.com")
    r = ncp.delete(UNSUBSCRIBERS, json={"blockedReceivers": ["user1@example.com", "nobody@example.com"]})
    assert (r.status_code, r.json()) == (200, {"count": 1, "requestCount": 2, "ignoreCount": 1})
    assert [u["email"] for u in ncp_fake.unsubscribers()] == ["user2@example.com"]


def test_delete_matches_addresses_case_insensitively(ncp, ncp_fake):
    ncp_fake.add_unsubscriber("User1@Example.com")
    r = ncp.delete(UNSUBSCRIBERS, json={"blockedReceivers": ["user1@example.COM"]})
    assert r.json() == {"count": 1, "requestCount": 1, "ignoreCount": 0}


# -- bodies and media types -----------------------------------------------------------------------
@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_body_that_is_not_json_is_415_77002(ncp, method, content_type):
    headers = {} if content_type is None else {"Content-Type": content_type}
    r = ncp.request(method, UNSUBSCRIBERS, data=b'{"blockedReceivers":["a@example.com"]}', headers=headers)
    assert (r.status_code, r.json()) == (415, UNSUPPORTED)


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"a@example.com"',
        b"{}",
        b'{"blockedReceivers": null}',
        b'{"blockedReceivers": "a@example.com"}',
        b'{"blockedReceivers": []}',
        b'{"blockedReceivers": [1]}',
        b'{"blockedReceivers": ["not-an-address"]}',
        b'{"blockedReceivers": ["a@example.com", "b@"]}',
        b'{"blockedReceivers": [null]}',
        b"[" * 5000,
    ],
)
def test_malformed_body_is_400_77102(ncp, ncp_fake, method, body):
    ncp_fake.add_unsubscriber("a@example.com")
    r = ncp.request(method, UNSUBSCRIBERS, data=body, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (400, BAD_REQUEST)
    assert [u["email"] for u in ncp_fake.unsubscribers()] == ["a@example.com"]


def test_unknown_body_fields_are_ignored(ncp):
    r = ncp.post(UNSUBSCRIBERS, json={"blockedReceivers": ["a@example.com"], "extra": 1})
    assert r.status_code == 201


# -- getUnsubscribersList ---------------------------------------------------------------------------
@pytest.fixture
def listed(ncp_fake, mailblocks):
    """Four unsubscribers in May 2024 (KST days 1, 2, 3 and 20)."""
    mailblocks.clock.freeze("2024-06-10T00:00:00Z")
    ncp_fake.add_unsubscriber("a@example.com", created="2024-04-30T15:00:00Z", by_manager=False)  # 05-01 00:00 KST
    ncp_fake.add_unsubscriber("b@example.com", created="2024-05-02T03:00:00.123Z")  # 05-02 12:00:00.123 KST
    ncp_fake.add_unsubscriber("c@example.com", created="2024-05-03T03:00:00Z", by_manager=False)
    ncp_fake.add_unsubscriber("d@example.com", created="2024-05-20T03:00:00Z")


def test_list_body_is_a_spring_page_of_unsubscribers(ncp, listed):
    r = ncp.get(UNSUBSCRIBERS + "?startDateTime=2024-05-02&endDateTime=2024-05-02%2023:59")
    assert r.status_code == 200
    assert r.json() == {
        "content": [
            {
                "address": "b@example.com",
                "blockDate": {
                    "utc": 1714618800123,
                    "formattedDate": "2024-05-02",
                    "formattedDateTime": "2024-05-02 12:00:00 123",
                },
                "isRegByManager": True,
            }
        ],
        "last": True,
        "totalElements": 1,
        "totalPages": 1,
        "first": True,
        "numberOfElements": 1,
        "size": 10,
        "number": 0,
        "sort": [order("createUtc")],
    }


def test_list_defaults_size_10_page_0_sort_createutc_asc(ncp, listed):
    body = ncp.get(UNSUBSCRIBERS + WINDOW).json()
    assert addresses(body) == ["a@example.com", "b@example.com", "c@example.com", "d@example.com"]
    assert (body["size"], body["number"], body["sort"]) == (10, 0, [order("createUtc")])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?startUtc=1714618800123&endUtc=1714618800123", ["b@example.com"]),
        ("?startUtc=1714618800124&endUtc=1800000000000", ["c@example.com", "d@example.com"]),
        ("?startDateTime=2024-05-01&endDateTime=2024-05-01", ["a@example.com"]),
        ("?startDateTime=2024-05-02%2012:00&endDateTime=2024-05-03", ["b@example.com"]),
        ("?startDateTime=2024-05-02%2012:00:00.124&endDateTime=2024-06-01", ["c@example.com", "d@example.com"]),
        ("?startDateTime=2024-05-02%2012:00:00%20123&endDateTime=2024-05-02%2012:00:00%20123", ["b@example.com"]),
        ("?startDateTime=2024-05-02+12:00&endDateTime=2024-05-02+12:01", ["b@example.com"]),
        (
            "?startUtc=0&startDateTime=2024-05-20&endDateTime=2024-06-01",
            ["a@example.com", "b@example.com", "c@example.com", "d@example.com"],
        ),
        ("?startDateTime=2024-05-03&endDateTime=2024-05-02", []),
    ],
)
def test_time_window_utc_wins_and_kst_formats(ncp, listed, query, expected):
    assert addresses(ncp.get(UNSUBSCRIBERS + query).json()) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&emailAddress=c%40example.com", ["c@example.com"]),
        ("&emailAddress=C%40EXAMPLE.com", ["c@example.com"]),
        ("&emailAddress=z%40example.com", []),
        ("&isRegByManager=true", ["b@example.com", "d@example.com"]),
        ("&isRegByManager=false", ["a@example.com", "c@example.com"]),
        ("&isRegByManager=FALSE", ["a@example.com", "c@example.com"]),
        ("&isRegByManager=false&emailAddress=b%40example.com", []),
    ],
)
def test_filters_email_address_and_is_reg_by_manager(ncp, listed, query, expected):
    assert addresses(ncp.get(UNSUBSCRIBERS + WINDOW + query).json()) == expected


@pytest.mark.parametrize(
    ("sort", "expected", "orders"),
    [
        ("createUtc,desc", ["d", "c", "b", "a"], [order("createUtc", True)]),
        ("isRegByManager", ["a", "c", "b", "d"], [order("isRegByManager")]),
        (
            "isRegByManager,desc&sort=createUtc,desc",
            ["d", "b", "c", "a"],
            [order("isRegByManager", True), order("createUtc", True)],
        ),
    ],
)
def test_sort_by_create_utc_and_is_reg_by_manager(ncp, listed, sort, expected, orders):
    body = ncp.get(UNSUBSCRIBERS + WINDOW + "&sort=" + sort).json()
    assert addresses(body) == [f"{x}@example.com" for x in expected]
    assert body["sort"] == orders


def test_paging(ncp, listed):
    body = ncp.get(UNSUBSCRIBERS + WINDOW + "&size=3&page=1&sort=createUtc,desc").json()
    assert addresses(body) == ["a@example.com"]
    assert (body["totalElements"], body["totalPages"], body["first"], body["last"]) == (4, 2, False, True)
    body = ncp.get(UNSUBSCRIBERS + WINDOW + "&size=3&isRegByManager=false").json()
    assert (addresses(body), body["totalElements"]) == (["a@example.com", "c@example.com"], 2)


def test_registered_through_the_api_is_listed_with_is_reg_by_manager_true(ncp, may):
    ncp.post(UNSUBSCRIBERS, json={"blockedReceivers": ["new@example.com"]})
    item = ncp.get(UNSUBSCRIBERS + WINDOW).json()["content"][0]
    assert item == {
        "address": "new@example.com",
        "blockDate": {
            "utc": 1715299200000,
            "formattedDate": "2024-05-10",
            "formattedDateTime": "2024-05-10 09:00:00 000",
        },
        "isRegByManager": True,
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?startDateTime=2024-05-01",
        "?endDateTime=2024-05-01",
        "?startUtc=&endUtc=",
        "?startUtc=yesterday&endUtc=1",
        "?startUtc=1.5&endUtc=2",
        "?startDateTime=2024/05/01&endDateTime=2024-06-01",
        "?startDateTime=2024-05-01T00:00&endDateTime=2024-06-01",
        "?startDateTime=2024-05-01%2000:00:00&endDateTime=2024-06-01",
        "?startDateTime=2024-02-30&endDateTime=2024-06-01",
        "?startDateTime=2024-05-01%2025:00&endDateTime=2024-06-01",
        WINDOW + "&emailAddress=nope",
        WINDOW + "&isRegByManager=maybe",
        WINDOW + "&size=0",
        WINDOW + "&page=-1",
        WINDOW + "&sort=address",
        WINDOW + "&sort=createUtc,sideways",
    ],
)
def test_bad_list_parameters_are_400_77102(ncp, query):
    r = ncp.get(UNSUBSCRIBERS + query)
    assert (r.status_code, r.json()) == (400, BAD_REQUEST)


# -- tenants ---------------------------------------------------------------------------------------
def test_unsubscribe_lists_are_per_project(ncp, ncp_fake, may):
    other = ncp_fake.add_access_key()
    creds = {"access_key": other["access_key"], "secret_key": other["secret_key"]}
    assert ncp.post(UNSUBSCRIBERS, json={"blockedReceivers": ["mine@example.com"]}).status_code == 201
    assert addresses(ncp.get(UNSUBSCRIBERS + WINDOW, **creds).json()) == []
    assert ncp.post(UNSUBSCRIBERS, json={"blockedReceivers": ["mine@example.com"]}, **creds).json()["count"] == 1
    assert ncp_fake.unsubscribers(project=other["project"])[0]["email"] == "mine@example.com"


def test_unsubscribe_lists_are_per_region(ncp, ncp_fake, may):
    ncp.post(UNSUBSCRIBERS.replace("v1", "v1-jpn"), json={"blockedReceivers": ["jp@example.com"]})
    assert addresses(ncp.get(UNSUBSCRIBERS + WINDOW).json()) == []
    assert addresses(ncp.get(UNSUBSCRIBERS.replace("v1", "v1-jpn") + WINDOW).json()) == ["jp@example.com"]
    assert ncp_fake.unsubscribers(region="JPN")[0]["region"] == "JPN"
