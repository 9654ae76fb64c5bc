"""Faker provider: realistic block and suppression records for every provider.

    from faker import Faker
    from pytest_mailblocks.faker import MailblocksProvider

    fake = Faker()
    fake.add_provider(MailblocksProvider)
    fake.seed_instance(4)                 # or the pytest ``faker`` fixture's seeding
    fake.sendgrid_block()                 # {"created": ..., "email": ..., "reason": ..., "status": ...}

Needs Faker: ``pip install 'pytest-mailblocks[generators]'``.

Every value comes from the Faker instance's random source, so a seeded Faker (the
pytest ``faker`` fixture seeds it per test) gives the same records every run.
Addresses span free-mail, Japanese, Korean, Chinese and corporate domains in mixed
case, with plus tags and dots; SMTP failures are the replies real MTAs send
(unknown user, mailbox full, spam and policy rejections, DNS failures, timeouts).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from .core.clock import Clock
from .extras import missing_extra

try:
    from faker.providers import BaseProvider
except ImportError as exc:  # Faker comes with the 'generators' extra
    raise missing_extra("Faker", "pytest_mailblocks.faker (and handle.seed(n))") from exc

__all__ = ["SMTP_FAILURES", "MailblocksProvider", "generate"]

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

#: SMTP kinds to NCP send result codes (guide: send-block hard bounces)
NCP_RESULT_CODES = {
    "unknown_user": "RECIPIENT_ADDRESS_ERROR",
    "dns": "NETWORK_ERROR",
    "mailbox_full": "MAILBOX_ERROR",
    "spam": "SECURITY_AND_POLICY_ERROR",
    "policy": "SECURITY_AND_POLICY_ERROR",
    "throttled": "RECEIVE_MAIL_SERVICE_ERROR",
    "timeout": "NETWORK_ERROR",
}
#: SMTP kinds to Customers Mail Cloud block status codes (1..11, 99)
CMC_STATUS = {
    "unknown_user": "2",
    "dns": "1",
    "mailbox_full": "5",
    "spam": "4",
    "policy": "4",
    "throttled": "7",
    "timeout": "3",
}


class MailblocksProvider(BaseProvider):
    """Faker methods for addresses, SMTP failures and each provider's records."""

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

    # -- SendGrid ----------------------------------------------------------------------
    def sendgrid_block(self, now: float | None = None) -> dict[str, Any]:
        email = self.mailblocks_email()
        failure = self.smtp_failure(email)
        return {
            "created": self.unix_time(now),
            "email": email,
            "reason": failure["reason"],
            "status": failure["status"],
        }

    def sendgrid_bounce(self, now: float | None = None) -> dict[str, Any]:
        record = self.sendgrid_block(now)
        if self.random_int(0, 9) == 0:
            record["status"] = ""  # live bounces may carry an empty status
        return record

    def sendgrid_spam_report(self, now: float | None = None) -> dict[str, Any]:
        return {"created": self.unix_time(now), "email": self.mailblocks_email(), "ip": self.generator.ipv4_public()}

    def sendgrid_invalid_email(self, now: float | None = None) -> dict[str, Any]:
        reason = self.random_element(
            (
                "Mail domain mentioned in email address is unknown",
                "Known bad domain",
                "Invalid address syntax",
                "Bounced Address",
            )
        )
        return {"created": self.unix_time(now), "email": self.mailblocks_email(), "reason": reason}

    def sendgrid_unsubscribe(self, now: float | None = None) -> dict[str, Any]:
        return {"created": self.unix_time(now), "email": self.mailblocks_email()}

    # -- Customers Mail Cloud ------------------------------------------------------------
    def local_time(self, now: float | None, offset_hours: int, days: int = 90) -> str:
        """``yyyy-MM-dd HH:mm:ss`` at UTC+offset, within ``days`` before ``now``."""
        tz = timezone(timedelta(hours=offset_hours))
        return datetime.fromtimestamp(self.unix_time(now, days), tz).strftime("%Y-%m-%d %H:%M:%S")

    def cmc_block(self, now: float | None = None) -> dict[str, Any]:
        """A block as ``cmc_fake.add_blocks`` / the seed take it (``created`` in JST)."""
        failure = self.smtp_failure()
        return {
            "email": self.mailblocks_email(),
            "status": int(CMC_STATUS[failure["kind"]]) if self.random_int(0, 9) else self.random_element((6, 8, 9, 99)),
            "occurred": self.random_int(1, 5),
            "created": self.local_time(now, 9),
        }

    def cmc_unsubscribe(self, now: float | None = None) -> dict[str, Any]:
        return {
            "email": self.mailblocks_email(),
            "filter_name": self.random_element(
                ("distribution list A", "distribution list B", "newsletter", "campaign-2024", "配信リストC")
            ),
            "created": self.local_time(now, 9),
        }

    # -- NAVER Cloud Outbound Mailer --------------------------------------------------------
    def ncp_send_block(self, now: float | None = None) -> dict[str, Any]:
        """A send block as ``ncp_fake.add_block`` / the seed take it: a hard bounce in
        the last week (so most are still in force under the 168 h default)."""
        email = self.mailblocks_email()
        failure = self.smtp_failure(email)
        requester = self.random_element(("SYSTEM",) * 6 + ("OTHER_CUSTOMER", "OTHER_CUSTOMER", "CUSTOMER", "ADMIN"))
        created = datetime.fromtimestamp(self.unix_time(now, days=7), timezone.utc)
        record: dict[str, Any] = {"email": email, "requester": requester, "created": created.isoformat()}
        if requester != "ADMIN":
            record["result_code"] = NCP_RESULT_CODES[failure["kind"]]
            record["result_message"] = failure["reason"] + "\n"
        return record

    # -- SendCloud -------------------------------------------------------------------------
    def sendcloud_block(self, now: float | None = None) -> dict[str, Any]:
        """A block row as ``sendcloud_fake.add_blocks`` / the seed take it: mostly an
        address, sometimes a whole domain; times in UTC+8, expiring within a year."""
        end = int(now if now is not None else Clock().time())
        expire = datetime.fromtimestamp(end + self.random_int(1, 365) * 86400, timezone(timedelta(hours=8)))
        record: dict[str, Any] = {
            "api_user_block": "all" if self.random_int(0, 4) else self.random_element(("batch", "marketing")),
            "expire_time": expire.strftime("%Y-%m-%d"),
            "create_time": self.local_time(end, 8),
        }
        if self.random_int(0, 9):
            record["email"] = self.mailblocks_email()
        else:
            record["domain"] = self.random_element(DOMAINS).lower()
        return record

    def sendcloud_bounce(self, now: float | None = None) -> dict[str, Any]:
        email = self.mailblocks_email()
        return {"email": email, "reason": self.smtp_failure(email)["reason"], "bounce_time": self.local_time(now, 8)}

    def sendcloud_unsubscribe(self, now: float | None = None) -> dict[str, Any]:
        return {
            "email": self.mailblocks_email(),
            "label_id": self.random_int(0, 5),
            "unsubscribe_time": self.local_time(now, 8),
        }


def generate(method: str, n: int, *, faker: Any = None, seed: int | None = None, now: float | None = None) -> list[Any]:
    """``n`` records from ``MailblocksProvider.<method>`` with distinct addresses.

    ``faker``: a Faker instance (the provider is added to it if missing); otherwise a
    new one seeded with ``seed``, so the same seed gives the same records."""
    if faker is None:
        from faker import Faker

        faker = Faker()
        faker.seed_instance(seed)
    if not any(isinstance(p, MailblocksProvider) for p in faker.providers):
        faker.add_provider(MailblocksProvider)
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
