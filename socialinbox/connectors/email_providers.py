"""Server settings of the common mail providers, found from the address, and what each needs to sign in.

Most providers refuse a mail program's sign-in with the account's normal password: they want an app password
(Gmail, Yahoo, iCloud, Fastmail, AOL, Zoho) or IMAP switched on first (GMX, WEB.DE, mail.com). Microsoft wants its
own sign-in (OAuth) for Outlook.com and Microsoft 365, which Social Inbox does not offer yet; the preset is there for
mailboxes whose administrator still allows app passwords. For an address at a domain of its own, the shop's host is
guessed (``imap.<domain>``, ``mail.<domain>``) only among names that exist, and the owner can always say.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from socialinbox.connectors.email_imap import Security


@dataclasses.dataclass(frozen=True, slots=True)
class Provider:
    key: str
    label: str
    imap_host: str
    smtp_host: str
    domains: tuple[str, ...]
    hint: str  # what the owner must do for the sign-in to work
    imap_port: int = 993
    imap_security: Security = Security.TLS
    smtp_port: int = 465
    smtp_security: Security = Security.TLS
    saves_sent_mail: bool = False  # the server files SMTP-sent mail in Sent itself: a copy of ours would double it


GENERIC_HINT = "Check the user name and password; many providers want an app password for mail programs."
_MICROSOFT_HINT = (
    "Microsoft asks mail programs for its own sign-in (OAuth) on Outlook.com and Microsoft 365, which Social Inbox "
    "does not offer yet; an app password works only where the mailbox's administrator still allows it."
)

PROVIDERS: Mapping[str, Provider] = {
    p.key: p
    for p in (
        Provider(
            "gmail", "Gmail / Google Workspace", "imap.gmail.com", "smtp.gmail.com", ("gmail.com", "googlemail.com"),
            "Gmail needs an app password: Google Account > Security > 2-Step Verification > App passwords.",
            saves_sent_mail=True,
        ),
        Provider(
            "outlook", "Outlook.com / Microsoft 365", "outlook.office365.com", "smtp.office365.com",
            ("outlook.com", "hotmail.com", "live.com", "msn.com", "outlook.de", "hotmail.de", "hotmail.co.uk",
             "hotmail.fr", "live.co.uk", "live.fr", "live.de"),
            _MICROSOFT_HINT, smtp_port=587, smtp_security=Security.STARTTLS,
        ),
        Provider(
            "yahoo", "Yahoo Mail", "imap.mail.yahoo.com", "smtp.mail.yahoo.com",
            ("yahoo.com", "ymail.com", "rocketmail.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "yahoo.es"),
            "Yahoo needs an app password: Account info > Account security > Generate app password.",
        ),
        Provider(
            "icloud", "iCloud Mail", "imap.mail.me.com", "smtp.mail.me.com", ("icloud.com", "me.com", "mac.com"),
            "iCloud needs an app-specific password: Apple Account > Sign-In and Security > App-Specific Passwords.",
            smtp_port=587, smtp_security=Security.STARTTLS,
        ),
        Provider(
            "fastmail", "Fastmail", "imap.fastmail.com", "smtp.fastmail.com", ("fastmail.com", "fastmail.fm"),
            "Fastmail needs an app password: Settings > Privacy & Security > Manage app passwords.",
        ),
        Provider(
            "gmx", "GMX", "imap.gmx.net", "mail.gmx.net", ("gmx.net", "gmx.de", "gmx.at", "gmx.ch"),
            "GMX: switch on POP3 & IMAP access in the web mail settings first, then use the GMX password.",
            smtp_port=587, smtp_security=Security.STARTTLS,
        ),
        Provider(
            "gmx-intl", "GMX (international)", "imap.gmx.com", "mail.gmx.com", ("gmx.com", "gmx.us", "gmx.co.uk"),
            "GMX: switch on POP3 & IMAP access in the web mail settings first, then use the GMX password.",
            smtp_port=587, smtp_security=Security.STARTTLS,
        ),
        Provider(
            "webde", "WEB.DE", "imap.web.de", "smtp.web.de", ("web.de",),
            "WEB.DE: switch on POP3 & IMAP access in the web mail settings first.",
            smtp_port=587, smtp_security=Security.STARTTLS,
        ),
        Provider(
            "mailcom", "mail.com", "imap.mail.com", "smtp.mail.com", ("mail.com", "email.com", "usa.com", "post.com"),
            "mail.com: switch on POP3 & IMAP access in the web mail settings (it may need a paid plan).",
            smtp_port=587, smtp_security=Security.STARTTLS,
        ),
        Provider(
            "aol", "AOL Mail", "imap.aol.com", "smtp.aol.com", ("aol.com", "aim.com"),
            "AOL needs an app password: Account info > Account security > Generate app password.",
        ),
        Provider(
            "zoho", "Zoho Mail", "imap.zoho.com", "smtp.zoho.com", ("zoho.com", "zohomail.com"),
            "Zoho: switch on IMAP access in the mail settings and use an application-specific password.",
        ),
    )
}  # fmt: skip


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


def provider_for(address: str) -> Provider | None:
    """The provider whose own domains include this address's."""
    domain = domain_of(address)
    return next((p for p in PROVIDERS.values() if domain in p.domains), None)


def guess_provider(address: str, resolves: Callable[[str], bool]) -> Provider | None:
    """A provider for an address at a domain of its own: the first usual host name that exists.

    ``resolves`` looks a name up (DNS at connect time; a fake in tests). The ports are the submission defaults:
    IMAP over TLS on 993, SMTP with STARTTLS on 587.
    """
    domain = domain_of(address)
    if not domain or "." not in domain:
        return None
    imap = next((host for host in (f"imap.{domain}", f"mail.{domain}") if resolves(host)), None)
    smtp = next((host for host in (f"smtp.{domain}", f"mail.{domain}") if resolves(host)), None)
    if imap is None or smtp is None:
        return None
    return Provider(
        "custom", domain, imap, smtp, (domain,), GENERIC_HINT, smtp_port=587, smtp_security=Security.STARTTLS
    )


def hint_for(key: str) -> str:
    provider = PROVIDERS.get(key)
    return provider.hint if provider else GENERIC_HINT
