"""POST /transaction/v2/blocks/list.[json|xml] (seed 000: List; cmc.md)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from .conftest import error, errors, xml_errors

SEED_EXAMPLE = {
    "blocks": [
        {
            "created": "2015-12-14 08:46:00",
            "email": "to1@example.com",
            "id": "cp0ihzuyl3445",
            "occurred": "1",
            "status": "2",
        },
        {
            "created": "2015-12-14 12:19:00",
            "email": "to2@example.com",
            "id": "cp0ihzuyl3479",
            "occurred": "1",
            "status": "2",
        },
    ]
}


@pytest.fixture
def seed_example(cmc_fake):
    cmc_fake.add_block("to1@example.com", status=2, occurred=1, created="2015-12-14 08:46:00", id="cp0ihzuyl3445")
    cmc_fake.add_block("to2@example.com", status=2, occurred=1, created="2015-12-14 12:19:00", id="cp0ihzuyl3479")


def _emails(r):
    return [b["email"] for b in r.json()["blocks"]]


@pytest.mark.usefixtures("seed_example")
def test_json_is_the_seed_example_with_every_value_a_string(cmc):
    r = cmc.post("blocks/list")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == SEED_EXAMPLE
    assert r.content == (
        b'{"blocks":[{"created":"2015-12-14 08:46:00","email":"to1@example.com","id":"cp0ihzuyl3445",'
        b'"occurred":"1","status":"2"},{"created":"2015-12-14 12:19:00","email":"to2@example.com",'
        b'"id":"cp0ihzuyl3479","occurred":"1","status":"2"}]}'
    )


@pytest.mark.usefixtures("seed_example")
def test_xml_is_the_seed_example_blocks_block_in_the_documented_element_order(cmc):
    r = cmc.post("blocks/list", "xml")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/xml"
    assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<blocks>')
    root = ET.fromstring(r.content)
    assert root.tag == "blocks"
    assert [[(c.tag, c.text) for c in block] for block in root] == [
        [
            ("id", "cp0ihzuyl3445"),
            ("email", "to1@example.com"),
            ("status", "2"),
            ("occurred", "1"),
            ("created", "2015-12-14 08:46:00"),
        ],
        [
            ("id", "cp0ihzuyl3479"),
            ("email", "to2@example.com"),
            ("status", "2"),
            ("occurred", "1"),
            ("created", "2015-12-14 12:19:00"),
        ],
    ]
    assert all(block.tag == "block" for block in root)


@pytest.mark.usefixtures("seed_example")
def test_json_body_is_accepted_like_the_form(cmc):
    assert cmc.post_json("blocks/list").json() == SEED_EXAMPLE


@pytest.mark.usefixtures("seed_example")
def test_curl_style_raw_form_body_as_in_the_request_example(cmc, cmc_fake):
    body = f"api_user={cmc_fake.api_user}&api_key={cmc_fake.api_key}&server_composition={cmc_fake.server_composition}"
    r = cmc.http.post(cmc.url("blocks/list"), data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status_code, r.json()) == (200, SEED_EXAMPLE)


@pytest.mark.usefixtures("seed_example")
def test_v1_paths_are_served_the_same(cmc):
    assert cmc.post("blocks/list", version="v1").json() == SEED_EXAMPLE


def test_oldest_first_whatever_the_order_added(cmc, cmc_fake):
    cmc_fake.add_block("late@example.com", created="2024-05-03 00:00:00")
    cmc_fake.add_block("early@example.com", created="2024-05-01 00:00:00")
    cmc_fake.add_block("middle@example.com", created="2024-05-02 00:00:00")
    assert _emails(cmc.post("blocks/list")) == ["early@example.com", "middle@example.com", "late@example.com"]


def test_empty_list_is_200_with_an_empty_blocks_array_by_default(cmc):
    r = cmc.post("blocks/list")
    assert (r.status_code, r.content) == (200, b'{"blocks":[]}')
    r = cmc.post("blocks/list", "xml")
    assert (r.status_code, ET.fromstring(r.content).tag, len(ET.fromstring(r.content))) == (200, "blocks", 0)
    assert r.content == b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<blocks/>'


def test_empty_list_can_be_a_bodiless_204_as_an_option(cmc, cmc_fake):
    cmc_fake.configure(empty_list_status=204)
    for fmt in ("json", "xml"):
        r = cmc.post("blocks/list", fmt)
        assert (r.status_code, r.content) == (204, b"")
    cmc_fake.add_block("a@example.com")
    assert cmc.post("blocks/list").status_code == 200


# -- email ---------------------------------------------------------------------------------
def test_email_is_a_partial_match_ignoring_case(cmc, cmc_fake):
    for email in ("alice@shop.example.com", "bob@example.com", "ALICE@other.example"):
        cmc_fake.add_block(email)
    assert _emails(cmc.post("blocks/list", email="alice")) == ["alice@shop.example.com", "ALICE@other.example"]
    assert _emails(cmc.post("blocks/list", email="shop.EXAMPLE")) == ["alice@shop.example.com"]
    assert _emails(cmc.post("blocks/list", email="nobody")) == []


# -- dates ---------------------------------------------------------------------------------
@pytest.fixture
def days(cmc_fake):
    """Stops at the edges of JST days 2024-05-01 .. 2024-05-03."""
    cmc_fake.add_block("d1-start@example.com", created="2024-05-01 00:00:00")
    cmc_fake.add_block("d1-end@example.com", created="2024-05-01 23:59:59")
    cmc_fake.add_block("d2@example.com", created="2024-05-02 12:00:00")
    cmc_fake.add_block("d3@example.com", created="2024-05-03 00:00:00")


@pytest.mark.usefixtures("days")
def test_start_date_and_end_date_both_include_their_day(cmc):
    r = cmc.post("blocks/list", start_date="2024-05-01", end_date="2024-05-02")
    assert _emails(r) == ["d1-start@example.com", "d1-end@example.com", "d2@example.com"]


@pytest.mark.usefixtures("days")
def test_start_date_equal_to_end_date_is_one_day(cmc):
    assert _emails(cmc.post("blocks/list", start_date="2024-05-01", end_date="2024-05-01")) == [
        "d1-start@example.com",
        "d1-end@example.com",
    ]


@pytest.mark.usefixtures("days")
def test_start_date_alone_and_end_date_alone(cmc):
    assert _emails(cmc.post("blocks/list", start_date="2024-05-02")) == ["d2@example.com", "d3@example.com"]
    assert _emails(cmc.post("blocks/list", end_date="2024-05-01")) == ["d1-start@example.com", "d1-end@example.com"]


@pytest.mark.usefixtures("days")
def test_dates_and_created_follow_the_api_users_time_zone(cmc, cmc_fake):
    """A UTC user: 2024-05-01 00:00:00 JST is 2024-04-30 15:00:00 UTC."""
    user = cmc_fake.add_user("utc-user", "k", role="user", time_zone="UTC")
    r = cmc.post("blocks/list", api_user=user["api_user"], api_key="k", start_date="2024-04-30", end_date="2024-04-30")
    assert r.json() == {
        "blocks": [
            {
                "created": "2024-04-30 15:00:00",
                "email": "d1-start@example.com",
                "id": cmc_fake.block("d1-start@example.com")["id"],
                "occurred": "1",
                "status": "2",
            }
        ]
    }


def test_start_date_after_end_date_is_10_003(cmc):
    r = cmc.post("blocks/list", start_date="2024-05-02", end_date="2024-05-01")
    assert r.status_code == 400
    assert r.json() == errors(
        error("10-003", "start_date", "For the start_date please specify a date before the end_date.")
    )
    r = cmc.ja("blocks/list", start_date="2024-05-02", end_date="2024-05-01")
    assert r.json() == errors(error("10-003", "start_date", "開始日には終了日以前の日付を指定してください。"))


@pytest.mark.parametrize("bad", ["2020-13-45", "2020/01/01", "20200101", "2021-02-29", "yesterday", "２０２０-01-01"])
def test_a_bad_date_is_an_error_naming_the_field(cmc, bad):
    r = cmc.post("blocks/list", start_date=bad)
    assert r.status_code == 400
    assert r.json() == errors(error("01-003", "start_date", "start_date must be a valid date in yyyy-mm-dd format."))


def test_bad_end_date_in_xml(cmc):
    r = cmc.post("blocks/list", "xml", end_date="2020-13-45")
    assert r.status_code == 400
    assert xml_errors(r) == [error("01-003", "end_date", "end_date must be a valid date in yyyy-mm-dd format.")]


# -- removed -------------------------------------------------------------------------------
def test_removed_defaults_to_false_and_true_lists_the_deleted_addresses(cmc, cmc_fake):
    cmc_fake.add_block("kept@example.com", created="2024-05-01 00:00:00")
    gone = cmc_fake.add_block("gone@example.com", created="2024-05-02 00:00:00")
    assert cmc.post("blocks/delete", email="gone@example.com").status_code == 200
    assert _emails(cmc.post("blocks/list")) == ["kept@example.com"]
    assert _emails(cmc.post("blocks/list", removed="false")) == ["kept@example.com"]
    assert cmc.post("blocks/list", removed="true").json() == {"blocks": [gone]}
    assert cmc.post_json("blocks/list", removed=True).json() == {"blocks": [gone]}


@pytest.mark.parametrize("bad", ["yes", "1", "t"])
def test_removed_must_be_true_or_false(cmc, bad):
    r = cmc.post("blocks/list", removed=bad)
    assert (r.status_code, r.json()) == (400, errors(error("01-006", "removed", "removed must be true or false.")))


# -- p and r -------------------------------------------------------------------------------
@pytest.fixture
def twentyfive(cmc_fake):
    cmc_fake.add_blocks({"email": f"u{i:02d}@example.com", "created": 1714521600 + i} for i in range(25))


@pytest.mark.usefixtures("twentyfive")
def test_p_defaults_to_0_and_r_to_10(cmc):
    assert _emails(cmc.post("blocks/list")) == [f"u{i:02d}@example.com" for i in range(10)]


@pytest.mark.usefixtures("twentyfive")
def test_p_is_the_page_of_r_records(cmc):
    assert _emails(cmc.post("blocks/list", p="1")) == [f"u{i:02d}@example.com" for i in range(10, 20)]
    assert _emails(cmc.post("blocks/list", p="2", r="10")) == [f"u{i:02d}@example.com" for i in range(20, 25)]
    assert _emails(cmc.post("blocks/list", p="3")) == []
    assert _emails(cmc.post("blocks/list", p="1", r="7")) == [f"u{i:02d}@example.com" for i in range(7, 14)]
    assert _emails(cmc.post_json("blocks/list", p=1, r=7)) == [f"u{i:02d}@example.com" for i in range(7, 14)]


def test_r_max_is_100(cmc, cmc_fake):
    cmc_fake.add_blocks({"email": f"u{i:03d}@example.com", "created": i} for i in range(150))
    assert len(cmc.post("blocks/list", r="100").json()["blocks"]) == 100


def test_r_over_100_is_an_error(cmc):
    r = cmc.post("blocks/list", r="101")
    assert (r.status_code, r.json()) == (400, errors(error("01-005", "r", "r must be between 1 and 100.")))
    r = cmc.ja("blocks/list", r="101")
    assert r.json() == errors(error("01-005", "r", "r には 1 以上 100 以下の値を指定してください。"))


@pytest.mark.parametrize("bad", ["0", "-1", "99999999999999999999999"])
def test_r_below_1_or_huge_is_an_error(cmc, bad):
    assert cmc.post("blocks/list", r=bad).json() == errors(error("01-005", "r", "r must be between 1 and 100."))


@pytest.mark.parametrize("bad", ["-1", "2147483648", "9" * 5000])
def test_p_out_of_range_is_an_error(cmc, bad):
    r = cmc.post("blocks/list", p=bad)
    assert (r.status_code, r.json()) == (
        400,
        errors(error("01-005", "p", "p must be between 0 and 2147483647.")),
    )


@pytest.mark.parametrize("bad", ["abc", "1.5", " 5", "+5", "1e2", "５"])
def test_p_and_r_must_be_integers(cmc, bad):
    r = cmc.post("blocks/list", p=bad, r=bad)
    assert r.status_code == 400
    assert r.json() == errors(
        error("01-004", "p", "p must be an integer."),
        error("01-004", "r", "r must be an integer."),
    )


@pytest.mark.parametrize("bad", [5.0, True, [1], {"n": 1}])
def test_json_p_must_be_an_integer_too(cmc, bad):
    r = cmc.post_json("blocks/list", p=bad)
    assert r.status_code == 400
    code, message = (
        ("01-007", "p has an invalid value.")
        if isinstance(bad, (list, dict))
        else (
            "01-004",
            "p must be an integer.",
        )
    )
    assert r.json() == errors(error(code, "p", message))


def test_empty_optional_values_mean_absent(cmc, cmc_fake):
    cmc_fake.add_block("a@example.com")
    r = cmc.post("blocks/list", email="", start_date="", end_date="", removed="", p="", r="")
    assert _emails(r) == ["a@example.com"]


def test_every_parameter_problem_is_reported_at_once(cmc):
    r = cmc.post("blocks/list", server_composition="nope", start_date="2020-13-45", removed="x", r="0")
    assert r.status_code == 400
    assert r.json() == errors(
        error("10-002", "server_composition", "Specified server configuration nope does not exist."),
        error("01-003", "start_date", "start_date must be a valid date in yyyy-mm-dd format."),
        error("01-006", "removed", "removed must be true or false."),
        error("01-005", "r", "r must be between 1 and 100."),
    )


# -- server_composition ------------------------------------------------------------------------
def test_unknown_server_composition_is_10_002_naming_it(cmc):
    r = cmc.post("blocks/list", server_composition="testcomp")
    assert (r.status_code, r.json()) == (
        400,
        errors(error("10-002", "server_composition", "Specified server configuration testcomp does not exist.")),
    )
    r = cmc.ja("blocks/list", "xml", server_composition="testcomp")
    assert xml_errors(r) == [error("10-002", "server_composition", "指定されたサーバ構成 testcomp は存在しません。")]


def test_missing_server_composition_is_required(cmc):
    r = cmc.post("blocks/list", server_composition=None)
    assert (r.status_code, r.json()) == (
        400,
        errors(error("01-002", "server_composition", "server_composition is required.")),
    )
    r = cmc.ja("blocks/list", server_composition="")
    assert r.json() == errors(error("01-002", "server_composition", "server_composition は必須項目です。"))


def test_each_composition_lists_its_own_blocks(cmc, cmc_fake):
    cmc_fake.add_composition("testcomp")
    cmc_fake.add_block("default@example.com")
    cmc_fake.add_block("test@example.com", server_composition="testcomp")
    assert _emails(cmc.post("blocks/list")) == ["default@example.com"]
    assert _emails(cmc.post("blocks/list", server_composition="testcomp")) == ["test@example.com"]
