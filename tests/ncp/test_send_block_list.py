"""getSendBlockList: ``GET /api/v1/send-block`` (seed 001; ncp.md: getSendBlockList)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import BAD_REQUEST, SEND_BLOCK

ADDRESS = "test01@ncp-mail.com"
TARGET = SEND_BLOCK + "?targetAddress=test01%40ncp-mail.com"
SMTP_550 = "550 5.1.1 <test01@ncp-mail.com>: Recipient address rejected: User unknown in local recipient table\n"
HOUR_MS = 3_600_000


def order(prop: str, desc: bool = False, ignore_case: bool = False) -> dict[str, Any]:
    return {
        "direction": "DESC" if desc else "ASC",
        "property": prop,
        "ignoreCase": ignore_case,
        "nullHandling": "NATIVE",
        "ascending": not desc,
        "descending": desc,
    }


def sids(body: dict[str, Any]) -> list[int]:
    return [item["historySid"] for item in body["content"]]


@pytest.fixture
def seed_history(ncp_fake, mailblocks):
    """The seed's example: an OTHER_CUSTOMER Create, and the SYSTEM Delete when the block
    expired (the seed's delete is 55.7 s after 168 h; a block time that long reproduces it)."""
    mailblocks.clock.freeze("2020-07-01T00:00:00Z")
    hours = (1593076560930 - 1592471705229) / 3_600_000
    ncp_fake.add_block(ADDRESS, requester="OTHER_CUSTOMER", created=1592471705.229, hours=hours)


def test_seed_example_body_for_the_seed_request_without_sort(ncp, seed_history):
    r = ncp.get(TARGET)  # the seed's example request: targetAddress only
    assert r.status_code == 200
    assert r.json() == {
        "content": [
            {
                "targetAddress": ADDRESS,
                "actionType": {"label": "Delete", "code": "D"},
                "actionRequesterType": {"label": "System", "code": "SYSTEM"},
                "requestDate": {
                    "utc": 1593076560930,
                    "formattedDate": "2020-06-25",
                    "formattedDateTime": "2020-06-25 18:16:00 930",
                },
                "historySid": 2,
                "sendResultCode": None,
                "sendResultMessage": None,
            },
            {
                "targetAddress": ADDRESS,
                "actionType": {"label": "Create", "code": "C"},
                "actionRequesterType": {"label": "Other customer", "code": "OTHER_CUSTOMER"},
                "requestDate": {
                    "utc": 1592471705229,
                    "formattedDate": "2020-06-18",
                    "formattedDateTime": "2020-06-18 18:15:05 229",
                },
                "historySid": 1,
                "sendResultCode": "RECIPIENT_ADDRESS_ERROR",
                "sendResultMessage": SMTP_550,
            },
        ],
        "registerStatus": "Not blocked",
        "expectedDeleteDate": None,
        "last": True,
        "totalElements": 2,
        "totalPages": 1,
        "first": True,
        "numberOfElements": 2,
        "size": 10,
        "number": 0,
        "sort": [order("createUtc", desc=True)],
    }


def test_body_keys_are_in_the_seed_order(ncp, seed_history):
    assert list(ncp.get(TARGET).json()) == [
        "content",
        "registerStatus",
        "expectedDeleteDate",
        "last",
        "totalElements",
        "totalPages",
        "first",
        "numberOfElements",
        "size",
        "number",
        "sort",
    ]


def test_defaults_are_size_10_page_0_sort_createutc_desc(ncp, seed_history):
    """Seed 001's example request sends no sort; its response is sorted createUtc DESC,
    newest first (docs/providers/ncp.md, Assumptions: default sort)."""
    body = ncp.get(TARGET).json()
    assert (body["size"], body["number"], body["sort"]) == (10, 0, [order("createUtc", desc=True)])
    assert sids(body) == [2, 1]


def test_a_property_without_a_direction_is_ascending(ncp, seed_history):
    """Seed 001: "property(,asc|desc)形式 / asc (デフォルト)"."""
    body = ncp.get(TARGET + "&sort=createUtc").json()
    assert (body["sort"], sids(body)) == ([order("createUtc")], [1, 2])


def test_empty_size_page_and_sort_values_mean_the_defaults(ncp, seed_history):
    body = ncp.get(TARGET + "&size=&page=&sort=").json()
    assert (body["size"], body["number"], body["sort"], sids(body)) == (10, 0, [order("createUtc", True)], [2, 1])


def test_never_blocked_address_is_200_with_an_empty_page(ncp):
    r = ncp.get(SEND_BLOCK + "?targetAddress=never%40example.com")
    assert r.status_code == 200
    assert r.json() == {
        "content": [],
        "registerStatus": "Not blocked",
        "expectedDeleteDate": None,
        "last": True,
        "totalElements": 0,
        "totalPages": 0,
        "first": True,
        "numberOfElements": 0,
        "size": 10,
        "number": 0,
        "sort": [order("createUtc", True)],
    }


def test_blocked_address_is_blocked_until_168_hours_after_the_bounce(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00.250Z")
    ncp_fake.add_block(ADDRESS)
    r = ncp.get(TARGET)
    assert r.json() == {
        "content": [
            {
                "targetAddress": ADDRESS,
                "actionType": {"label": "Create", "code": "C"},
                "actionRequesterType": {"label": "System", "code": "SYSTEM"},
                "requestDate": {
                    "utc": 1714521600250,
                    "formattedDate": "2024-05-01",
                    "formattedDateTime": "2024-05-01 09:00:00 250",
                },
                "historySid": 1,
                "sendResultCode": "RECIPIENT_ADDRESS_ERROR",
                "sendResultMessage": SMTP_550,
            }
        ],
        "registerStatus": "Blocked",
        "expectedDeleteDate": {
            "utc": 1714521600250 + 168 * HOUR_MS,
            "formattedDate": "2024-05-08",
            "formattedDateTime": "2024-05-08 09:00:00 250",
        },
        "last": True,
        "totalElements": 1,
        "totalPages": 1,
        "first": True,
        "numberOfElements": 1,
        "size": 10,
        "number": 0,
        "sort": [order("createUtc", True)],
    }


def test_formatted_values_are_kst_across_the_date_line(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T15:30:00.007Z")
    ncp_fake.add_block(ADDRESS)
    date = ncp.get(TARGET).json()["content"][0]["requestDate"]
    assert date == {"utc": 1714577400007, "formattedDate": "2024-05-02", "formattedDateTime": "2024-05-02 00:30:00 007"}


def test_expiry_adds_a_system_delete_at_expected_delete_date(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block(ADDRESS, requester="CUSTOMER")
    expires = ncp.get(TARGET).json()["expectedDeleteDate"]["utc"]
    assert expires == 1714521600000 + 168 * HOUR_MS
    mailblocks.clock.freeze((expires - 1) / 1000)
    body = ncp.get(TARGET).json()
    assert (body["registerStatus"], body["totalElements"]) == ("Blocked", 1)
    mailblocks.clock.freeze(expires / 1000)
    body = ncp.get(TARGET).json()
    assert body["registerStatus"] == "Not blocked"
    assert body["expectedDeleteDate"] is None
    assert body["totalElements"] == 2
    delete = body["content"][0]  # newest first
    assert delete["actionType"] == {"label": "Delete", "code": "D"}
    assert delete["actionRequesterType"] == {"label": "System", "code": "SYSTEM"}
    assert delete["requestDate"]["utc"] == expires
    assert (delete["sendResultCode"], delete["sendResultMessage"]) == (None, None)
    assert ncp_fake.blocks() == []


def test_expiry_is_recorded_at_expiry_even_when_read_much_later(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block(ADDRESS)
    mailblocks.clock.advance(days=30)
    delete = ncp.get(TARGET).json()["content"][0]
    assert delete["requestDate"]["formattedDateTime"] == "2024-05-08 09:00:00 000"


def test_address_can_be_blocked_again_after_expiry(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block(ADDRESS)
    mailblocks.clock.advance(days=8)
    ncp_fake.add_block(ADDRESS, result_code="MAILBOX_ERROR")
    body = ncp.get(TARGET).json()
    assert [i["actionType"]["code"] for i in body["content"]] == ["C", "D", "C"][::-1]
    assert body["content"][0]["sendResultCode"] == "MAILBOX_ERROR"
    assert body["registerStatus"] == "Blocked"


def test_block_duration_change_applies_to_later_blocks_only(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block("early@example.com")
    ncp_fake.set_block_duration(180)
    ncp_fake.add_block("late@example.com")
    start = 1714521600000
    early = ncp.get(SEND_BLOCK + "?targetAddress=early%40example.com").json()["expectedDeleteDate"]["utc"]
    late = ncp.get(SEND_BLOCK + "?targetAddress=late%40example.com").json()["expectedDeleteDate"]["utc"]
    assert (early - start, late - start) == (168 * HOUR_MS, 180 * HOUR_MS)


def test_block_created_by_this_project_is_customer_and_by_others_other_customer(ncp, ncp_fake):
    other = ncp_fake.add_access_key()
    ncp_fake.add_block(ADDRESS, requester="CUSTOMER")
    mine = ncp.get(TARGET).json()["content"][0]["actionRequesterType"]
    theirs = ncp.get(TARGET, access_key=other["access_key"], secret_key=other["secret_key"]).json()
    assert mine == {"label": "Customer", "code": "CUSTOMER"}
    assert theirs["content"][0]["actionRequesterType"] == {"label": "Other customer", "code": "OTHER_CUSTOMER"}


def test_send_block_list_is_shared_by_every_project(ncp, ncp_fake):
    """Guide cloudoutboundmailer-use-sendblock: managed service-wide, not per project."""
    other = ncp_fake.add_access_key()
    ncp_fake.add_block(ADDRESS, requester="CUSTOMER", project=other["project"])
    theirs = ncp.get(TARGET, access_key=other["access_key"], secret_key=other["secret_key"]).json()
    mine = ncp.get(TARGET).json()
    assert theirs["registerStatus"] == mine["registerStatus"] == "Blocked"
    assert theirs["content"][0]["actionRequesterType"]["code"] == "CUSTOMER"
    assert mine["content"][0]["actionRequesterType"]["code"] == "OTHER_CUSTOMER"
    ncp_fake.remove_block(ADDRESS)
    assert (
        ncp.get(TARGET, access_key=other["access_key"], secret_key=other["secret_key"]).json()["registerStatus"]
        == "Not blocked"
    )


def test_causing_project_block_time_applies(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    other = ncp_fake.add_access_key()
    ncp_fake.set_block_duration(24, project=other["project"])
    ncp_fake.add_block(ADDRESS, requester="CUSTOMER", project=other["project"])
    assert ncp.get(TARGET).json()["expectedDeleteDate"]["formattedDateTime"] == "2024-05-02 09:00:00 000"


@pytest.mark.parametrize(
    ("requester", "label"), [("SYSTEM", "System"), ("ADMIN", "Admin"), ("OTHER_CUSTOMER", "Other customer")]
)
def test_requester_types_and_english_labels(ncp, ncp_fake, requester, label):
    ncp_fake.add_block(ADDRESS, requester=requester)
    item = ncp.get(TARGET).json()["content"][0]
    assert item["actionRequesterType"] == {"label": label, "code": requester}


def test_admin_create_has_no_send_result(ncp, ncp_fake):
    ncp_fake.add_block(ADDRESS, requester="ADMIN")
    item = ncp.get(TARGET).json()["content"][0]
    assert (item["sendResultCode"], item["sendResultMessage"]) == (None, None)


def test_customer_removal_is_a_customer_delete_entry(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block(ADDRESS)
    mailblocks.clock.advance(seconds=1)
    assert ncp_fake.remove_block(ADDRESS) is True
    body = ncp.get(TARGET).json()
    assert body["content"][0]["actionType"] == {"label": "Delete", "code": "D"}  # newest first
    assert body["content"][0]["actionRequesterType"] == {"label": "Customer", "code": "CUSTOMER"}
    assert (body["registerStatus"], body["expectedDeleteDate"]) == ("Not blocked", None)
    assert ncp_fake.remove_block(ADDRESS) is False


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("ko-KR", ("생성", "삭제", "시스템", "타 고객")),
        ("ko", ("생성", "삭제", "시스템", "타 고객")),
        ("en-US", ("Create", "Delete", "System", "Other customer")),
        ("zh-CN", ("Create", "Delete", "System", "Other customer")),
    ],
)
def test_x_ncp_lang_selects_label_language(ncp, seed_history, lang, labels):
    body = ncp.get(TARGET, lang=lang).json()
    delete, create = body["content"]
    assert (create["actionType"]["label"], delete["actionType"]["label"]) == labels[:2]
    assert (delete["actionRequesterType"]["label"], create["actionRequesterType"]["label"]) == labels[2:]
    assert body["registerStatus"] == "Not blocked"


def test_korean_labels_for_customer_and_admin(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block(ADDRESS, requester="CUSTOMER")
    mailblocks.clock.advance(seconds=1)
    ncp_fake.remove_block(ADDRESS, requester="ADMIN")
    items = ncp.get(TARGET, lang="ko-KR").json()["content"]
    assert [i["actionRequesterType"]["label"] for i in items] == ["관리자", "고객"]


def test_address_match_is_case_insensitive_and_shows_the_recorded_form(ncp, ncp_fake):
    ncp_fake.add_block("Test01@NCP-Mail.com")
    body = ncp.get(SEND_BLOCK + "?targetAddress=TEST01%40ncp-mail.COM").json()
    assert body["totalElements"] == 1
    assert body["content"][0]["targetAddress"] == "Test01@NCP-Mail.com"


def test_history_sids_increase_across_addresses(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")  # one instant: ties keep the recording order
    ncp_fake.add_block("a@example.com")
    ncp_fake.add_block(ADDRESS)
    ncp_fake.remove_block("a@example.com")
    ncp_fake.remove_block(ADDRESS)
    assert sids(ncp.get(TARGET).json()) == [2, 4]


# -- paging -------------------------------------------------------------------------------------
@pytest.fixture
def five_entries(ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    for _ in range(2):
        ncp_fake.add_block(ADDRESS)
        mailblocks.clock.advance(days=8)
    ncp_fake.add_block(ADDRESS)  # C D C D C: sids 1..5


@pytest.mark.parametrize(
    ("page", "expected", "first", "last", "count"),
    [(0, [5, 4], True, False, 2), (1, [3, 2], False, False, 2), (2, [1], False, True, 1), (3, [], False, True, 0)],
)
def test_size_and_page(ncp, five_entries, page, expected, first, last, count):
    body = ncp.get(TARGET + f"&size=2&page={page}").json()
    assert sids(body) == expected
    assert (body["first"], body["last"], body["numberOfElements"]) == (first, last, count)
    assert (body["totalElements"], body["totalPages"], body["size"], body["number"]) == (5, 3, 2, page)


def test_size_larger_than_the_history(ncp, five_entries):
    body = ncp.get(TARGET + "&size=100").json()
    assert (sids(body), body["totalPages"], body["last"]) == ([5, 4, 3, 2, 1], 1, True)


def test_integer_parameters_are_trimmed(ncp, five_entries):
    body = ncp.get(TARGET + "&size=%202%20&page=+1").json()
    assert sids(body) == [3, 2]


# -- sort -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sort", "expected", "orders"),
    [
        ("createUtc,desc", [5, 4, 3, 2, 1], [order("createUtc", True)]),
        ("createUtc,DESC", [5, 4, 3, 2, 1], [order("createUtc", True)]),
        ("createUtc,asc", [1, 2, 3, 4, 5], [order("createUtc")]),
        ("createUtc", [1, 2, 3, 4, 5], [order("createUtc")]),
        ("historySid,desc", [5, 4, 3, 2, 1], [order("historySid", True)]),
        ("createUtc,historySid,desc", [5, 4, 3, 2, 1], [order("createUtc", True), order("historySid", True)]),
        ("createUtc,desc,ignorecase", [5, 4, 3, 2, 1], [order("createUtc", True, True)]),
    ],
)
def test_sort_property_and_direction(ncp, five_entries, sort, expected, orders):
    body = ncp.get(TARGET + "&sort=" + sort).json()
    assert (sids(body), body["sort"]) == (expected, orders)


def test_several_sort_parameters_are_applied_in_order(ncp, ncp_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T00:00:00Z")
    ncp_fake.add_block(ADDRESS, hours=1)
    ncp_fake.remove_block(ADDRESS)  # same millisecond as the Create
    mailblocks.clock.advance(seconds=1)
    ncp_fake.add_block(ADDRESS)
    body = ncp.get(TARGET + "&sort=createUtc,desc&sort=historySid,asc").json()
    assert sids(body) == [3, 1, 2]
    assert body["sort"] == [order("createUtc", True), order("historySid")]
    assert sids(ncp.get(TARGET + "&sort=createUtc,asc&sort=historySid,desc").json()) == [2, 1, 3]


# -- 77102 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?targetAddress=",
        "?targetAddress=not-an-address",
        "?targetAddress=a%40b",
        "?targetAddress=%40example.com",
        "?targetAddress=a%20b%40example.com",
        "?targetAddress=%ED%95%9C%40example.com",
        "?targetAddress=" + "a" * 250 + "%40example.com",
        "?size=10",
        "?targetAddress=a%40example.com&size=0",
        "?targetAddress=a%40example.com&size=-1",
        "?targetAddress=a%40example.com&size=ten",
        "?targetAddress=a%40example.com&size=1.5",
        "?targetAddress=a%40example.com&size=2147483648",
        "?targetAddress=a%40example.com&page=-1",
        "?targetAddress=a%40example.com&page=x",
        "?targetAddress=a%40example.com&page=99999999999",
        "?targetAddress=a%40example.com&sort=sendDate",
        "?targetAddress=a%40example.com&sort=createUtc,down",
        "?targetAddress=a%40example.com&sort=createUtc,desc,asc",
        "?targetAddress=a%40example.com&sort=CREATEUTC",
        "?targetAddress=a%40example.com&sort=createUtc&sort=targetAddress",
    ],
)
def test_bad_parameters_are_400_77102(ncp, query):
    r = ncp.get(SEND_BLOCK + query)
    assert (r.status_code, r.json()) == (400, BAD_REQUEST)
    assert r.headers["x-ncp-apigw-response-origin"] == "ENDPOINT"
    assert ncp.fake.requests.last.error_code == "77102"


def test_unknown_parameters_are_ignored(ncp):
    assert ncp.get(SEND_BLOCK + "?targetAddress=a%40example.com&foo=bar").status_code == 200


def test_first_of_repeated_parameters_wins(ncp, five_entries):
    body = ncp.get(TARGET + "&size=2&size=3").json()
    assert body["size"] == 2


# -- regions ----------------------------------------------------------------------------------------
def test_regions_keep_their_own_send_block_lists(ncp, ncp_fake):
    ncp_fake.add_block(ADDRESS, region="SGN")
    assert ncp.get(TARGET).json()["totalElements"] == 0
    body = ncp.get(TARGET.replace("/api/v1/", "/api/v1-sgn/")).json()
    assert (body["totalElements"], body["registerStatus"]) == (1, "Blocked")
    assert ncp.get(TARGET.replace("/api/v1/", "/api/v1-jpn/")).json()["totalElements"] == 0


def test_head_is_answered_like_get_without_a_body(ncp):
    r = ncp.request("HEAD", TARGET)
    assert (r.status_code, r.content) == (200, b"")
