"""POST /transaction/v2/blocks/download.[json|xml] (seed 000: Download; cmc.md: Data)."""

from __future__ import annotations

import io
import zipfile

import pytest
import pyzipper

from .conftest import error, errors, unzip, xml_errors

HEADER = b'"created","id","email","status","occurred"\n'


@pytest.fixture
def frozen(mailblocks):
    """2015-12-07 17:52:02 JST, the time of the documented file name."""
    mailblocks.clock.freeze("2015-12-07T08:52:02Z")
    return mailblocks.clock


@pytest.fixture
def two(cmc_fake):
    cmc_fake.add_block("from1@example.com", created="2015-12-14 08:46:00", id="cp0ihzuyl3445")
    cmc_fake.add_block("from2@example.com", created="2015-12-14 12:19:00", id="cp0ihzuyl3479")


@pytest.mark.usefixtures("frozen", "two")
def test_download_is_an_octet_stream_zip_named_blocks_yyyymmdd_hhmmss(cmc):
    r = cmc.post("blocks/download")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"] == "attachment; filename=blocks-20151207_175202.zip"
    name, data = unzip(r.content)
    assert name == "blocks-20151207_175202.csv"
    assert data == (
        HEADER
        + b'"2015-12-14 08:46:00","cp0ihzuyl3445","from1@example.com","2","1"\n'
        + b'"2015-12-14 12:19:00","cp0ihzuyl3479","from2@example.com","2","1"\n'
    )


@pytest.mark.usefixtures("frozen", "two")
def test_zip_entry_time_is_the_fake_clock_in_jst(cmc):
    with zipfile.ZipFile(io.BytesIO(cmc.post("blocks/download").content)) as zf:
        info = zf.infolist()[0]
    assert info.date_time == (2015, 12, 7, 17, 52, 2)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert not info.flag_bits & 0x1  # not encrypted


@pytest.mark.usefixtures("frozen", "two")
def test_xml_suffix_downloads_the_same_zip_and_json_bodies_work(cmc):
    assert unzip(cmc.post("blocks/download", "xml").content) == unzip(cmc.post_json("blocks/download").content)


@pytest.mark.usefixtures("frozen", "two")
def test_csv_line_end_is_an_option(cmc, cmc_fake):
    cmc_fake.configure(csv_line_end="\r\n")
    _, data = unzip(cmc.post("blocks/download").content)
    assert data.split(b"\r\n") == [
        b'"created","id","email","status","occurred"',
        b'"2015-12-14 08:46:00","cp0ihzuyl3445","from1@example.com","2","1"',
        b'"2015-12-14 12:19:00","cp0ihzuyl3479","from2@example.com","2","1"',
        b"",
    ]


def test_empty_download_is_the_header_alone(cmc):
    _, data = unzip(cmc.post("blocks/download").content)
    assert data == HEADER


def test_download_takes_every_row_without_paging(cmc, cmc_fake):
    cmc_fake.add_blocks({"email": f"u{i:03d}@example.com", "created": i} for i in range(150))
    _, data = unzip(cmc.post("blocks/download", p="0", r="10").content)
    assert data.count(b"\n") == 151


def test_filters_email_dates_and_removed_as_the_list_does(cmc, cmc_fake):
    cmc_fake.add_block("a1@shop.example", created="2024-05-01 10:00:00", id="id1")
    cmc_fake.add_block("b@other.example", created="2024-05-01 11:00:00", id="id2")
    cmc_fake.add_block("a2@shop.example", created="2024-05-03 10:00:00", id="id3", status=9, occurred=4)
    cmc_fake.add_block("a3@shop.example", created="2024-05-01 12:00:00", id="id4", removed=True)
    _, data = unzip(cmc.post("blocks/download", email="SHOP", start_date="2024-05-01", end_date="2024-05-01").content)
    assert data == HEADER + b'"2024-05-01 10:00:00","id1","a1@shop.example","2","1"\n'
    _, data = unzip(cmc.post("blocks/download", email="shop", start_date="2024-05-02").content)
    assert data == HEADER + b'"2024-05-03 10:00:00","id3","a2@shop.example","9","4"\n'
    _, data = unzip(cmc.post("blocks/download", removed="true").content)
    assert data == HEADER + b'"2024-05-01 12:00:00","id4","a3@shop.example","2","1"\n'


def test_download_errors_are_the_lists(cmc):
    r = cmc.post("blocks/download", server_composition="testcomp", start_date="2024-05-02", end_date="2024-05-01")
    assert (r.status_code, r.json()) == (
        400,
        errors(
            error("10-002", "server_composition", "Specified server configuration testcomp does not exist."),
            error("10-003", "start_date", "For the start_date please specify a date before the end_date."),
        ),
    )
    r = cmc.post("blocks/download", "xml", end_date="2020-13-45")
    assert xml_errors(r) == [error("01-003", "end_date", "end_date must be a valid date in yyyy-mm-dd format.")]


@pytest.mark.usefixtures("frozen", "two")
def test_file_name_uses_the_api_users_time_zone(cmc, cmc_fake):
    cmc_fake.add_user("utc", "k", time_zone="UTC")
    r = cmc.post("blocks/download", api_user="utc", api_key="k")
    assert r.headers["Content-Disposition"] == "attachment; filename=blocks-20151207_085202.zip"
    name, data = unzip(r.content)
    assert name == "blocks-20151207_085202.csv"
    assert b'"2015-12-13 23:46:00","cp0ihzuyl3445"' in data


# -- data encryption -----------------------------------------------------------------------------
@pytest.mark.usefixtures("two")
def test_with_data_encryption_the_zip_needs_the_password_zipcrypto_by_default(cmc, cmc_fake):
    cmc_fake.set_encryption("s3cret")
    content = cmc.post("blocks/download").content
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        info = zf.infolist()[0]
        assert info.flag_bits & 0x1  # encrypted
        with pytest.raises(RuntimeError, match="password required"):
            zf.read(info.filename)
        with pytest.raises(RuntimeError, match="Bad password"):
            zf.read(info.filename, pwd=b"wrong!")
    _, data = unzip(content, b"s3cret")
    assert data.startswith(HEADER)
    assert data.count(b"\n") == 3


@pytest.mark.usefixtures("two")
def test_aes_encryption_is_an_option_opened_with_pyzipper(cmc, cmc_fake):
    cmc_fake.set_encryption("s3cret", cipher="aes")
    content = cmc.post("blocks/download").content
    with pyzipper.AESZipFile(io.BytesIO(content)) as zf:
        name = zf.namelist()[0]
        with pytest.raises(RuntimeError):
            zf.read(name)
        zf.setpassword(b"s3cret")
        assert zf.read(name).startswith(HEADER)
    with zipfile.ZipFile(io.BytesIO(content)) as zf, pytest.raises(NotImplementedError):
        zf.read(name, pwd=b"s3cret")  # the standard library cannot decrypt AES


def test_a_large_encrypted_download_opens(cmc, cmc_fake):
    cmc_fake.set_encryption("パスワード")
    cmc_fake.add_blocks({"email": f"user{i:05d}@example.com", "created": i} for i in range(2000))
    _, data = unzip(cmc.post("blocks/download").content, "パスワード".encode())
    assert data.count(b"\n") == 2001


@pytest.mark.usefixtures("two")
def test_encryption_off_again_and_per_account(cmc, cmc_fake):
    cmc_fake.set_encryption("s3cret")
    cmc_fake.set_encryption(None)
    assert unzip(cmc.post("blocks/download").content)[1].startswith(HEADER)
    cmc_fake.add_account("other")
    cmc_fake.set_encryption("theirs", account="other")
    assert unzip(cmc.post("blocks/download").content)[1].startswith(HEADER)


def test_download_needs_the_download_permission(cmc, cmc_fake):
    cmc_fake.add_user("viewer", "k", reference=True, download=False)
    r = cmc.post("blocks/download", api_user="viewer", api_key="k")
    assert (r.status_code, r.json()) == (
        403,
        errors(error("12-002", "", "You do not have the permission to access the specified data.")),
    )
    r = cmc.post("blocks/download", "xml", api_user="viewer", api_key="k", headers={"Accept-Language": "ja"})
    assert xml_errors(r) == [error("12-002", "", "指定されたデータにアクセスする権限がありません。")]
