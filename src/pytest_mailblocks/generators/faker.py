"""The provider-agnostic part of the Faker data: realistic addresses, the SMTP
failures real MTAs send, times, and :func:`generate` (``n`` records with distinct
addresses). Each provider's ``faker`` room adds its records to :class:`Records`;
``pytest_mailblocks.faker.MailblocksProvider`` gathers them all. Needs Faker:
``pip install 'pytest-mailblocks[generators]'``.

Every value comes from the Faker instance's random source, so a seeded Faker (the
pytest ``faker`` fixture seeds it per test) gives the same records every run.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..core.clock import Clock
from ..extras import missing_extra

try:
    from faker.providers import BaseProvider
except ImportError as exc:  # Faker comes with the 'generators' extra
    raise missing_extra("Faker", "pytest_mailblocks.faker (and handle.seed(n))") from exc

__all__ = ["DOMAINS", "SMTP_FAILURES", "Records", "generate"]

DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.co.uk",
    "icloud.com",
    "aol.com",
    "yahoo.co.jp",
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "softbank.ne.jp",
    "nifty.com",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "kakao.com",
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "example.com",
    "example.co.jp",
    "mail.example.org",
    "corp.example.net",
)

#: (enhanced status, reply text, kind): replies real MTAs send; {email} and {domain} filled in
SMTP_FAILURES: tuple[tuple[str, str, str], ...] = (
    ("5.1.1", "550 5.1.1 <{email}>: Recipient address rejected: User unknown in local recipient table", "unknown_user"),
    (
        "5.1.1",
        "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking "
        "the recipient's email address for typos or unnecessary spaces.",
        "unknown_user",
    ),
    ("5.1.1", "550 5.1.1 <{email}>... User unknown", "unknown_user"),
    ("5.1.2", "550 5.1.2 Host unknown: Domain name not found for {domain}", "dns"),
    ("4.2.2", "452 4.2.2 The email account that you tried to reach is over quota.", "mailbox_full"),
    ("5.2.2", "552 5.2.2 <{email}>: Mailbox full", "mailbox_full"),
    ("5.7.1", "554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org", "spam"),
    ("5.7.1", "550 5.7.1 Message rejected as spam by Content Filtering.", "spam"),
    ("5.7.1", "554 5.7.1 <{email}>: Relay access denied", "policy"),
    (
        "5.7.26",
        "550 5.7.26 This message does not pass authentication checks (SPF and DKIM both do not pass).",
        "policy",
    ),
    ("4.7.0", "421 4.7.0 Try again later, closing connection.", "throttled"),
    ("4.4.1", "421 4.4.1 Connection timed out", "timeout"),
    ("4.0.0", "error dialing remote address: dial tcp 10.57.152.165:25: no route to host", "timeout"),
    ("4.0.0", "Connection timed out", "timeout"),
    ("4.0.0", "unable to resolve MX record for {domain}: servfail", "dns"),
)


class Records(BaseProvider):
    """Faker methods every provider's records are made of; a provider's ``faker`` room
    subclasses it with a method per record (named ``<provider>_<record>``)."""

    # -- building blocks ---------------------------------------------------------------
    def mailblocks_email(self) -> str:
        """A realistic address: names, dots, plus tags and digits, mixed case."""
        first = self.generator.first_name().lower()
        last = self.generator.last_name().lower()
        local = self.random_element(
            (
                f"{first}.{last}",
                f"{first}{last[:1]}",
                f"{first}_{last}{self.random_int(1, 99)}",
                f"{first}+{self.random_element(('news', 'shop', 'spam', 'promo'))}",
                f"{last}{self.random_int(1960, 2009)}",
                f"{first[:1]}{last}",
            )
        )
        local = "".join(c for c in local if c.isascii() and (c.isalnum() or c in "._+-")) or "user"
        if self.random_int(0, 9) == 0:
            local = local.capitalize()
        domain = self.random_element(DOMAINS)
        if self.random_int(0, 19) == 0:
            domain = domain.upper()
        return f"{local}@{domain}"

    def smtp_failure(self, email: str | None = None) -> dict[str, str]:
        """``{"status", "reason", "kind"}`` of a delivery failure."""
        email = email or self.mailblocks_email()
        status, reply, kind = self.random_element(SMTP_FAILURES)
        domain = email.rsplit("@", 1)[-1]
        return {"status": status, "reason": reply.format(email=email, domain=domain), "kind": kind}

    def unix_time(self, now: float | None = None, days: int = 90) -> int:
        """Seconds within ``days`` before ``now`` (default: the Faker's own clock)."""
        end = int(now if now is not None else Clock().time())
        return self.random_int(end - days * 86400, end)

    def local_time(self, now: float | None, offset_hours: int, days: int = 90) -> str:
        """``yyyy-MM-dd HH:mm:ss`` at UTC+offset, within ``days`` before ``now``."""
        tz = timezone(timedelta(hours=offset_hours))
        return datetime.fromtimestamp(self.unix_time(now, days), tz).strftime("%Y-%m-%d %H:%M:%S")


def generate(
    records: type[Records],
    method: str,
    n: int,
    *,
    faker: Any = None,
    seed: int | None = None,
    now: float | None = None,
) -> list[Any]:
    """``n`` records from ``records.<method>`` with distinct addresses.

    ``faker``: a Faker instance (``records`` is added to it if it lacks the method);
    otherwise a new one seeded with ``seed``, so the same seed gives the same records."""
    if faker is None:
        from faker import Faker

        faker = Faker()
        faker.seed_instance(seed)
    if not any(isinstance(p, records) for p in faker.providers):
        faker.add_provider(records)
    make = getattr(faker, method)
    out: list[Any] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < n:
        record = make(now=now)
        email = str(record.get("email") or record.get("domain") or "").lower()
        attempts += 1
        if email in seen and attempts < n * 20:
            continue
        if email in seen and "email" in record:  # the name space ran thin: make it distinct
            local, _, domain = record["email"].partition("@")
            record["email"] = f"{local}{len(out)}@{domain}"
            email = record["email"].lower()
        elif email in seen:
            record["domain"] = f"d{len(out)}.{record['domain']}"
            email = record["domain"]
        seen.add(email)
        out.append(record)
    return out
