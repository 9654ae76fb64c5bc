"""POST /transaction/v2/unsubscribes/download.[json|xml] (seed 003: Unsubscribe Download API)."""

from __future__ import annotations

import io

import pytest
import pyzipper

from .conftest import error, errors, unzip, xml_errors

HEADER = b'"created","email","filtername"\n'


@pytest.fixture
def documented(cmc_fake, mailblocks):
    mailblocks.clock.freeze("2015-12-15T00:00:00Z")
    cmc_fake.add_unsubscribe("from1@example.com", "distribution list A", "2015-12-14 08:46:00")
    cmc_fake.add_unsubscribe("from2@example.com", "distribution list B", "2015-12-14 12:19:00")


@pytest.mark.usefixtures("documented")
def test_download_is_the_documented_csv_in_a_zip_named_unsubscribes_yyyymmdd_hhmmss(cmc):
    r = cmc.post("unsubscribes/download")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"] == "attachment; filename=unsubscribes-20151215_090000.zip"
    name, data = unzip(r.content)
    assert name == "unsubscribes-20151215_090000.csv"
    assert data == (
        HEADER
        + b'"2015-12-14 08:46:00","from1@example.com","distribution list A"\n'
        + b'"2015-12-14 12:19:00","from2@example.com","distribution list B"\n'
    )


@pytest.mark.usefixtures("documented")
def test_filter_name_is_an_exact_match(cmc):
    _, data = unzip(cmc.post("unsubscribes/download", filter_name="distribution list A").content)
    assert data == HEADER + b'"2015-12-14 08:46:00","from1@example.com","distribution list A"\n'
    _, data = unzip(cmc.post_json("unsubscribes/download", filter_name="distribution list").content)
    assert data == HEADER


@pytest.mark.usefixtures("documented")
def test_email_is_a_partial_match(cmc):
    _, data = unzip(cmc.post("unsubscribes/download", "xml", email="FROM2").content)
    assert data == HEADER + b'"2015-12-14 12:19:00","from2@example.com","distribution list B"\n'


def test_dates_are_on_the_unsubscribe_date_both_included(cmc, cmc_fake):
    cmc_fake.add_unsubscribe("d1@example.com", "A", "2024-05-01 00:00:00")
    cmc_fake.add_unsubscribe("d2@example.com", "A", "2024-05-02 23:59:59")
    cmc_fake.add_unsubscribe("d3@example.com", "A", "2024-05-03 00:00:00")
    _, data = unzip(cmc.post("unsubscribes/download", start_date="2024-05-02", end_date="2024-05-02").content)
    assert data == HEADER + b'"2024-05-02 23:59:59","d2@example.com","A"\n'
    _, data = unzip(cmc.post("unsubscribes/download", end_date="2024-05-02").content)
    assert data.count(b"\n") == 3


def test_one_address_may_be_listed_through_several_filters(cmc, cmc_fake):
    cmc_fake.add_unsubscribe("a@example.com", "A", "2024-05-01 00:00:00")
    cmc_fake.add_unsubscribe("a@example.com", "B", "2024-05-02 00:00:00")
    _, data = unzip(cmc.post("unsubscribes/download").content)
    assert data == HEADER + b'"2024-05-01 00:00:00","a@example.com","A"\n"2024-05-02 00:00:00","a@example.com","B"\n'


def test_csv_is_utf8_with_every_field_quoted_and_quotes_doubled(cmc, cmc_fake):
    cmc_fake.add_unsubscribe("a@example.com", 'メルマガ "A"', "2024-05-01 00:00:00")
    _, data = unzip(cmc.post("unsubscribes/download").content)
    assert data == HEADER + '"2024-05-01 00:00:00","a@example.com","メルマガ ""A"""\n'.encode()


def test_encrypted_download_opens_with_the_password(cmc, cmc_fake):
    cmc_fake.add_unsubscribe("a@example.com", "A", "2024-05-01 00:00:00")
    cmc_fake.set_encryption("pw")
    _, data = unzip(cmc.post("unsubscribes/download").content, b"pw")
    assert data == HEADER + b'"2024-05-01 00:00:00","a@example.com","A"\n'
    cmc_fake.set_encryption("pw", cipher="aes")
    with pyzipper.AESZipFile(io.BytesIO(cmc.post("unsubscribes/download").content)) as zf:
        zf.setpassword(b"pw")
        assert zf.read(zf.namelist()[0]) == data


def test_a_recipients_unsubscribe_appears_after_the_daily_batch(cmc, cmc_fake, mailblocks):
    mailblocks.clock.freeze("2024-05-01T03:00:00Z")  # 12:00 JST
    cmc_fake.add_unsubscribe("late@example.com", "A", pending=True)
    assert unzip(cmc.post("unsubscribes/download").content)[1] == HEADER
    mailblocks.clock.advance(hours=15)  # 03:00 JST the next day
    _, data = unzip(cmc.post("unsubscribes/download").content)
    assert data == HEADER + b'"2024-05-01 12:00:00","late@example.com","A"\n'


def test_errors(cmc, cmc_fake):
    r = cmc.post("unsubscribes/download", server_composition="testcomp", start_date="2024-05-03", end_date="2024-05-01")
    assert (r.status_code, r.json()) == (
        400,
        errors(
            error("10-002", "server_composition", "Specified server configuration testcomp does not exist."),
            error("10-003", "start_date", "For the start_date please specify a date before the end_date."),
        ),
    )
    cmc_fake.add_user("no-dl", "k", download=False)
    r = cmc.post("unsubscribes/download", "xml", api_user="no-dl", api_key="k")
    assert (r.status_code, xml_errors(r)) == (
        403,
        [error("12-002", "", "You do not have the permission to access the specified data.")],
    )
