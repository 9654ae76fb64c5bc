"""Customers Mail Cloud wire formats: JSON and XML bodies, CSV in a ZIP, errors.

- The URL suffix picks the format: ``.json`` or ``.xml`` (cmc.md: Transport);
  anything else (an unknown path) answers errors in JSON.
- JSON is compact; keys in the documented order. XML carries the declaration the
  documents show (``standalone="yes"``, JAXB's) and 4-space indentation.
- Downloads are ``application/octet-stream`` ZIPs holding one CSV, every field
  quoted, UTF-8, LF line ends unless configured (cmc.md: Data), named in
  ``Content-Disposition: attachment; filename=...``; with the account's data
  encryption set, the ZIP is password-protected: ZipCrypto (which the standard
  ``zipfile`` opens) or AES (pyzipper's WinZip AES-256).
- Errors: ``{"errors":[{"code":..,"field":..,"message":..}]}`` or
  ``<errors><error><code/><field/><message/></error></errors>``, in English or
  Japanese by ``Accept-Language``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ...core.errors import ProviderError
from ...core.provider import Notes, json_response, make_response

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

__all__ = [
    "BLOCK_CSV_FIELDS",
    "BLOCK_XML_FIELDS",
    "UNSUBSCRIBE_CSV_FIELDS",
    "blocks",
    "csv_bytes",
    "download",
    "language",
    "listing",
    "render_error",
    "response_format",
    "sent",
    "success",
    "zip_bytes",
]

JSON_TYPE = "application/json"
XML_TYPE = "application/xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

#: element order of ``<block>`` (seed 000: the XML example)
BLOCK_XML_FIELDS = ("id", "email", "status", "occurred", "created")
#: CSV header of blocks/download (seed 000: File Format)
BLOCK_CSV_FIELDS = ("created", "id", "email", "status", "occurred")
#: CSV header of unsubscribes/download (seed 003: File format; its ``”filtername”`` is a typo)
UNSUBSCRIBE_CSV_FIELDS = ("created", "email", "filtername")


# -- request facts -------------------------------------------------------------------------
def language(request: Request) -> str:
    """``ja`` when the most preferred ``Accept-Language`` tag is Japanese, else ``en``
    (cmc.md: missing or anything else gives English)."""
    header = request.headers.get("Accept-Language", "")
    best, best_q = "", -1.0
    for part in header.split(","):
        tag, _, params = part.partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if q > best_q and tag.strip():
            best, best_q = tag.strip(), q
    return "ja" if best.split("-")[0].lower() == "ja" and best_q > 0 else "en"


def response_format(request: Request) -> str:
    """``xml`` for a ``.xml`` path, else ``json``."""
    return "xml" if request.path.rstrip("/").endswith(".xml") else "json"


# -- bodies ------------------------------------------------------------------------------------
def _etree() -> Any:
    """xml.etree, imported when a first XML body is made (most suites never ask)."""
    import xml.etree.ElementTree as etree

    return etree


def _xml(root: ET.Element) -> bytes:
    ET = _etree()
    ET.indent(root, space="    ")
    text = ET.tostring(root, encoding="unicode").replace(" />", "/>")
    return (XML_DECLARATION + text).encode("utf-8")


def xml_response(root: ET.Element, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return make_response(_xml(root), status, headers, content_type=XML_TYPE)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return json_response(data, status, headers, content_type=JSON_TYPE)


def listing(
    name: str, item: str, rows: Sequence[dict[str, str]], fmt: str, xml_fields: Sequence[str] | None = None
) -> Response:
    """``{"<name>":[...]}`` or ``<name><item>...</item></name>`` (elements in
    ``xml_fields`` order, else the row's)."""
    if fmt == "xml":
        ET = _etree()
        root = ET.Element(name)
        for row in rows:
            node = ET.SubElement(root, item)
            for field in xml_fields or row:
                ET.SubElement(node, field).text = row[field]
        return xml_response(root)
    return _json({name: list(rows)})


def blocks(rows: Sequence[dict[str, str]], fmt: str, empty_status: int = 200) -> Response:
    """blocks/list: ``{"blocks":[...]}`` or ``<blocks><block>...</block></blocks>``
    (seed 000); an empty list may be a bodiless 204 (cmc.md: an option)."""
    if not rows and empty_status == 204:
        return make_response(b"", 204, content_type=None)
    return listing("blocks", "block", rows, fmt, BLOCK_XML_FIELDS)


def sent(message_id: str, fmt: str) -> Response:
    """emails/send and emails/bulk accepted: ``{"id":"..."}`` (the field a client SDK
    reads; delivery/cmc.md: the body is unknown) or ``<result><id>...</id></result>``."""
    if fmt == "xml":
        ET = _etree()
        root = ET.Element("result")
        ET.SubElement(root, "id").text = message_id
        return xml_response(root)
    return _json({"id": message_id})


def success(fmt: str) -> Response:
    """``{"message":"success"}`` / ``<success><message>success</message></success>``
    (seed 000: Delete, Cancel; seed 003: Cancel)."""
    if fmt == "xml":
        ET = _etree()
        root = ET.Element("success")
        ET.SubElement(root, "message").text = "success"
        return xml_response(root)
    return _json({"message": "success"})


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]], line_end: str = "\n") -> bytes:
    """Every field quoted, UTF-8 without a BOM, one line end after every line."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@lru_cache(maxsize=1)
def _encrypting_zip() -> tuple[Any, type]:
    """pyzipper and a ZipFile writing ZipCrypto, imported and built on first use:
    pyzipper pulls in a crypto library a server without encrypted downloads never
    needs (it would double the server's start)."""
    import pyzipper
    from pyzipper.zipfile_aes import BaseZipEncrypter

    class ZipCryptoEncrypter(BaseZipEncrypter):
        """Traditional PKWARE ("ZipCrypto") encryption, plugged into pyzipper's writer,
        which only ships an AES encrypter. The entry is written with a data descriptor,
        so the header's check byte is the high byte of the DOS time (APPNOTE 6.1.6)."""

        _table: list[int] | None = None

        def __init__(self, pwd: bytes) -> None:
            if ZipCryptoEncrypter._table is None:
                table = []
                for n in range(256):
                    c = n
                    for _ in range(8):
                        c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
                    table.append(c)
                ZipCryptoEncrypter._table = table
            self._crc = ZipCryptoEncrypter._table
            self.k0, self.k1, self.k2 = 0x12345678, 0x23456789, 0x34567890
            for b in pwd:
                self._update(b)
            self._check = 0

        def _update(self, b: int) -> None:
            crc = self._crc
            self.k0 = (self.k0 >> 8) ^ crc[(self.k0 ^ b) & 0xFF]
            self.k1 = ((self.k1 + (self.k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
            self.k2 = (self.k2 >> 8) ^ crc[(self.k2 ^ (self.k1 >> 24)) & 0xFF]

        def update_zipinfo(self, zipinfo: Any) -> None:
            zipinfo.flag_bits |= 0x08  # data descriptor: CRC and sizes follow the data
            h, m, s = zipinfo.date_time[3:6]
            self._check = (((h << 11) | (m << 5) | (s // 2)) >> 8) & 0xFF

        def finalize_zipinfo(self, zipinfo: Any) -> None:
            pass

        def encryption_header(self) -> bytes:
            return self.encrypt(os.urandom(11) + bytes([self._check]))

        def encrypt(self, data: bytes) -> bytes:
            out = bytearray(len(data))
            crc = self._crc
            k0, k1, k2 = self.k0, self.k1, self.k2
            for i, p in enumerate(data):
                t = k2 | 2
                out[i] = p ^ (((t * (t ^ 1)) >> 8) & 0xFF)
                k0 = (k0 >> 8) ^ crc[(k0 ^ p) & 0xFF]
                k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
                k2 = (k2 >> 8) ^ crc[(k2 ^ (k1 >> 24)) & 0xFF]
            self.k0, self.k1, self.k2 = k0, k1, k2
            return bytes(out)

    class _ZipCryptoFile(pyzipper.ZipFile):
        """pyzipper's writer with the ZipCrypto encrypter."""

        def get_encrypter(self) -> ZipCryptoEncrypter:
            return ZipCryptoEncrypter(self.pwd)

    return pyzipper, _ZipCryptoFile


def zip_bytes(
    member: str,
    data: bytes,
    date_time: tuple[int, int, int, int, int, int],
    password: str | None = None,
    cipher: str = "zipcrypto",
) -> bytes:
    """A deflated ZIP holding one file; encrypted when ``password`` is given."""
    buf = io.BytesIO()
    if password is None:
        import zipfile  # with its bz2/lzma imports, only when a download is made

        info = zipfile.ZipInfo(member, date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with zipfile.ZipFile(buf, "w") as plain:
            plain.writestr(info, data)
        return buf.getvalue()
    pyzipper, zipcrypto_file = _encrypting_zip()
    if cipher == "aes":
        zf = pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES)
    else:
        zf = zipcrypto_file(buf, "w", compression=pyzipper.ZIP_DEFLATED)
        zf.setencryption("zipcrypto")
    with zf:
        zf.setpassword(password.encode("utf-8"))
        info = zf.zipinfo_cls(filename=member, date_time=date_time)
        info.compress_type = pyzipper.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, data)
    return buf.getvalue()


def download(filename: str, payload: bytes) -> Response:
    """``application/octet-stream`` with the file name in ``Content-Disposition``."""
    return make_response(
        payload,
        200,
        {"Content-Disposition": f"attachment; filename={filename}"},
        content_type="application/octet-stream",
    )


# -- errors -------------------------------------------------------------------------------------
def render_error(error: ProviderError, request: Request, notes: Notes) -> Response:
    """The one error renderer: every error of ``error.all``, in the path's format and
    the request's language; the HTTP status is the first error's."""
    lang = language(request)
    notes.lang = lang
    notes.error_code = str(error.entry.code or error.entry.key)
    items = [(str(e.entry.code or ""), e.field or "", e.message(lang)) for e in error.all]
    if response_format(request) == "xml":
        ET = _etree()
        root = ET.Element("errors")
        for code, field, message in items:
            node = ET.SubElement(root, "error")
            ET.SubElement(node, "code").text = code
            ET.SubElement(node, "field").text = field
            ET.SubElement(node, "message").text = message
        return xml_response(root, error.status, error.headers)
    body = {"errors": [{"code": code, "field": field, "message": message} for code, field, message in items]}
    return _json(body, error.status, error.headers)
