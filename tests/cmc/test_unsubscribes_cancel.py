"""POST /transaction/v2/unsubscribes/cancel.[json|xml] (seed 003: Cancel unsubscribe API;
cmc.md: up to 1000 addresses given three ways, errors 15-001..15-007, the daily batch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import error, errors, unzip, xml_errors

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cmc"


@pytest.fixture
def listed(cmc_fake, mailblocks):
    """Noon JST on 2024-05-01; a@ through filters A and B, b@ and c@ through A."""
    mailblocks.clock.freeze("2024-05-01T03:00:00Z")
    cmc_fake.add_unsubscribe("a@example.com", "A", "2024-04-01 00:00:00")
    cmc_fake.add_unsubscribe("a@example.com", "B", "2024-04-02 00:00:00")
    cmc_fake.add_unsubscribe("b@example.com", "A", "2024-04-03 00:00:00")
    cmc_fake.add_unsubscribe("c@example.com", "A", "2024-04-04 00:00:00")
    return mailblocks.clock


def _listed(cmc_fake):
    return [(u["email"], u["filtername"]) for u in cmc_fake.unsubscribes()]


# -- the three ways ----------------------------------------------------------------------------
@pytest.mark.usefixtures("listed")
def test_one_address_is_accepted_with_the_documented_success(cmc, cmc_fake):
    r = cmc.post("unsubscribes/cancel", email="b@example.com")
    assert (r.status_code, r.content) == (200, b'{"message":"success"}')
    recorded = json.loads((FIXTURES / "unsubscribes_cancel_success.json").read_text())["response"]["body"]
    assert r.json() == json.loads(recorded)
    assert cmc_fake.pending_cancellations() == [
        {
            "email": "b@example.com",
            "filter_name": None,
            "requested": "2024-05-01 12:00:00",
            "applies_at": "2024-05-02 03:00:00",
        }
    ]


@pytest.mark.usefixtures("listed")
def test_a_json_object_with_name_and_address(cmc, cmc_fake):
    r = cmc.post("unsubscribes/cancel", "xml", email=json.dumps({"name": "B", "address": "b@example.com"}))
    assert r.content.endswith(b"<success>\n    <message>success</message>\n</success>")
    assert [p["email"] for p in cmc_fake.pending_cancellations()] == ["b@example.com"]


@pytest.mark.usefixtures("listed")
def test_a_json_array_of_objects_and_addresses_in_a_form_field(cmc, cmc_fake):
    email = json.dumps([{"name": "B", "address": "b@example.com"}, "C@EXAMPLE.COM"])
    assert cmc.post("unsubscribes/cancel", email=email).json() == {"message": "success"}
    assert [p["email"] for p in cmc_fake.pending_cancellations()] == ["b@example.com", "C@EXAMPLE.COM"]


@pytest.mark.usefixtures("listed")
def test_a_json_body_may_carry_the_array_itself(cmc, cmc_fake):
    r = cmc.post_json("unsubscribes/cancel", email=[{"address": "b@example.com"}, "c@example.com"])
    assert r.json() == {"message": "success"}
    r = cmc.post_json("unsubscribes/cancel", email={"address": "a@example.com"})
    assert r.json() == {"message": "success"}
    assert len(cmc_fake.pending_cancellations()) == 3


def test_up_to_1000_addresses(cmc, cmc_fake):
    cmc_fake.add_unsubscribes({"email": f"u{i}@example.com", "filter_name": "A"} for i in range(1000))
    email = json.dumps([f"u{i}@example.com" for i in range(1000)])
    assert cmc.post("unsubscribes/cancel", email=email).json() == {"message": "success"}
    cmc_fake.run_batch()
    assert cmc_fake.unsubscribes() == []


# -- the daily batch ---------------------------------------------------------------------------
def test_the_list_changes_only_when_the_clock_crosses_the_batch_time(cmc, cmc_fake, listed):
    cmc.post("unsubscribes/cancel", email="b@example.com")
    assert ("b@example.com", "A") in _listed(cmc_fake)
    listed.advance(hours=14, minutes=59)  # 02:59 JST
    assert ("b@example.com", "A") in _listed(cmc_fake)
    listed.advance(minutes=1)  # 03:00 JST
    assert _listed(cmc_fake) == [("a@example.com", "A"), ("a@example.com", "B"), ("c@example.com", "A")]
    assert cmc_fake.pending_cancellations() == []


def test_the_batch_is_applied_lazily_before_a_download(cmc, cmc_fake, listed):
    cmc.post("unsubscribes/cancel", email="c@example.com")
    listed.advance(days=1)
    r = cmc.post("unsubscribes/download")
    assert b"c@example.com" not in unzip(r.content)[1]


def test_run_batch_applies_pending_cancellations_now(cmc, cmc_fake, listed):
    cmc.post("unsubscribes/cancel", email="b@example.com")
    assert cmc_fake.run_batch() == 1
    assert ("b@example.com", "A") not in _listed(cmc_fake)
    assert cmc_fake.run_batch() == 0


def test_the_batch_time_is_configurable(cmc, cmc_fake, listed):
    cmc_fake.configure(batch_time="13:30")
    cmc.post("unsubscribes/cancel", email="b@example.com")
    assert cmc_fake.pending_cancellations()[0]["applies_at"] == "2024-05-01 13:30:00"
    listed.advance(hours=1, minutes=30)
    assert cmc_fake.pending_cancellations() == []
    assert ("b@example.com", "A") not in _listed(cmc_fake)


def test_a_cancel_without_filter_name_removes_every_filter(cmc, cmc_fake, listed):
    cmc.post("unsubscribes/cancel", email="a@example.com")
    cmc_fake.run_batch()
    assert _listed(cmc_fake) == [("b@example.com", "A"), ("c@example.com", "A")]


def test_filter_name_limits_the_cancel_to_that_filter(cmc, cmc_fake, listed):
    cmc.post("unsubscribes/cancel", email="a@example.com", filter_name="B")
    assert cmc_fake.pending_cancellations()[0]["filter_name"] == "B"
    cmc_fake.run_batch()
    assert ("a@example.com", "A") in _listed(cmc_fake)
    assert ("a@example.com", "B") not in _listed(cmc_fake)


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("listed")
def test_an_unlisted_single_address_is_12_001(cmc, cmc_fake):
    r = cmc.post("unsubscribes/cancel", email="zz@example.com")
    assert (r.status_code, r.json()) == (
        404,
        errors(error("12-001", "email", "It does not exist the data specified in the email.")),
    )
    r = cmc.ja("unsubscribes/cancel", email="zz@example.com")
    assert r.json() == errors(error("12-001", "email", "emailで指定されたデータは存在しません。"))
    assert cmc_fake.pending_cancellations() == []


@pytest.mark.usefixtures("listed")
def test_a_filter_name_mismatch_is_reported_on_the_email_field(cmc):
    r = cmc.post("unsubscribes/cancel", email="b@example.com", filter_name="B")
    assert r.json() == errors(error("12-001", "email", "It does not exist the data specified in the email."))
    r = cmc.post("unsubscribes/cancel", email='["a@example.com", "b@example.com"]', filter_name="B")
    assert r.json() == errors(error("15-007", "email", "It does not exist the data specified in the email.(2)"))


@pytest.mark.parametrize("bad", ["[", '{"address": ', "[1, 2]", '[{"address": 5}]', "[[]]"])
def test_invalid_json_is_15_001(cmc, bad, listed):
    r = cmc.post("unsubscribes/cancel", email=bad)
    assert (r.status_code, r.json()) == (
        400,
        errors(error("15-001", "email", "Specified value has invalid (Invalid JSON format).")),
    )
    r = cmc.ja("unsubscribes/cancel", email=bad)
    assert r.json() == errors(error("15-001", "email", "値の指定方法(JSONフォーマット)が不正です。"))


def test_a_json_body_email_that_is_a_number_is_15_001(cmc):
    r = cmc.post_json("unsubscribes/cancel", email=5)
    assert r.json() == errors(error("15-001", "email", "Specified value has invalid (Invalid JSON format)."))


def test_an_empty_array_is_15_002(cmc):
    r = cmc.post("unsubscribes/cancel", email="[]")
    assert (r.status_code, r.json()) == (
        400,
        errors(error("15-002", "email", "Specified value has invalid (Invalid JSON format).")),
    )
    r = cmc.ja("unsubscribes/cancel", "xml", email="[]")
    assert xml_errors(r) == [error("15-002", "email", "メールアドレスの指定がありません。")]


@pytest.mark.usefixtures("listed")
def test_an_empty_address_is_15_003_with_its_position(cmc):
    email = json.dumps(["a@example.com", {"name": "x", "address": ""}, " "])
    r = cmc.post("unsubscribes/cancel", email=email)
    assert r.json() == errors(
        error("15-003", "email", "No email address is specified.(2)"),
        error("15-003", "email", "No email address is specified.(3)"),
    )
    r = cmc.ja("unsubscribes/cancel", email=email)
    assert r.json() == errors(
        error("15-003", "email", "メールアドレスの指定がありません。(2)"),
        error("15-003", "email", "メールアドレスの指定がありません。(3)"),
    )


@pytest.mark.usefixtures("listed")
def test_an_object_without_address_is_15_004_with_its_position(cmc):
    email = json.dumps(["a@example.com", {"name": "no address"}])
    assert cmc.post("unsubscribes/cancel", email=email).json() == errors(
        error("15-004", "email", "email is required.(2)")
    )
    assert cmc.ja("unsubscribes/cancel", email=email).json() == errors(
        error("15-004", "email", "email は必須項目です。(2)")
    )


def test_more_than_1000_addresses_is_15_005(cmc):
    email = json.dumps([f"u{i}@example.com" for i in range(1001)])
    r = cmc.post("unsubscribes/cancel", email=email)
    assert (r.status_code, r.json()) == (
        400,
        errors(error("15-005", "email", "You have exceeded the maximum numbers of address.")),
    )
    assert cmc.ja("unsubscribes/cancel", email=email).json() == errors(
        error("15-005", "email", "指定可能なメールアドレス数を超えました。")
    )


@pytest.mark.usefixtures("listed")
def test_a_duplicate_address_is_15_006_with_its_position_ignoring_case(cmc):
    email = json.dumps(["a@example.com", "b@example.com", {"address": "A@EXAMPLE.COM"}])
    assert cmc.post("unsubscribes/cancel", email=email).json() == errors(
        error("15-006", "email", "Duplicate email address.(3)")
    )
    assert cmc.ja("unsubscribes/cancel", email=email).json() == errors(
        error("15-006", "email", "メールアドレスが重複しています。(3)")
    )


@pytest.mark.usefixtures("listed")
def test_unlisted_addresses_in_a_list_are_15_007_with_their_positions(cmc, cmc_fake):
    email = json.dumps(["zz@example.com", "a@example.com", {"address": "yy@example.com"}])
    r = cmc.post("unsubscribes/cancel", email=email)
    assert (r.status_code, r.json()) == (
        400,
        errors(
            error("15-007", "email", "It does not exist the data specified in the email.(1)"),
            error("15-007", "email", "It does not exist the data specified in the email.(3)"),
        ),
    )
    assert cmc.ja("unsubscribes/cancel", email=email).json() == errors(
        error("15-007", "email", "emailで指定されたデータは存在しません。(1)"),
        error("15-007", "email", "emailで指定されたデータは存在しません。(3)"),
    )
    assert cmc_fake.pending_cancellations() == []  # all or nothing


@pytest.mark.usefixtures("listed")
def test_problems_are_listed_in_position_order(cmc):
    email = json.dumps(["zz@example.com", "", {"name": "n"}, "b@example.com", "B@example.com"])
    assert cmc.post("unsubscribes/cancel", email=email).json() == errors(
        error("15-007", "email", "It does not exist the data specified in the email.(1)"),
        error("15-003", "email", "No email address is specified.(2)"),
        error("15-004", "email", "email is required.(3)"),
        error("15-006", "email", "Duplicate email address.(5)"),
    )


def test_email_is_required(cmc):
    r = cmc.post("unsubscribes/cancel")
    assert (r.status_code, r.json()) == (400, errors(error("01-002", "email", "email is required.")))


def test_unknown_composition_is_10_002(cmc):
    r = cmc.ja("unsubscribes/cancel", server_composition="testcomp", email="a@example.com")
    assert r.json() == errors(error("10-002", "server_composition", "指定されたサーバ構成 testcomp は存在しません。"))


@pytest.mark.usefixtures("listed")
def test_api_users_get_12_002(cmc, cmc_fake):
    cmc_fake.add_user("member", "k")
    r = cmc.post("unsubscribes/cancel", api_user="member", api_key="k", email="a@example.com")
    assert (r.status_code, r.json()) == (
        403,
        errors(error("12-002", "", "You do not have the permission to access the specified data.")),
    )
