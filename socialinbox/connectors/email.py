"""E-mail: customers' mail from an IMAP folder in; replies out over SMTP, filed in Sent and flagged answered.

The token is the app password; the account's settings hold the address, hosts, ports, security and user name
(never the password). The shared httpx client of the Connector protocol is not used: mail speaks IMAP and SMTP.

Polling (``poll``): one IMAP session reads the inbox folder and the Sent folder by UID (``email_imap``), and
mail is mapped by ``email_mapping``. Bounces become a note for the owner, automatic replies are skipped: neither
is a customer waiting (``email_classify``). Each poll is one short IMAP session.

Near real time (``watch``): where the server advertises IDLE, the sync layer keeps one more connection per account
in IMAP IDLE on the inbox folder (``email_idle``) and runs the poll the moment the server reports new mail (about a
second). The poll every ``POLL_INTERVAL_S`` seconds stays as the fallback, and is all there is without IDLE.

Cursor: ``"<UIDVALIDITY>:<last UID>"`` for the inbox folder, plus ``"|sent:<UIDVALIDITY>:<last UID>"`` for the
Sent folder once it has been read. A changed UIDVALIDITY (the server renumbered the folder) re-reads the last
``BACKFILL_DAYS`` days, and the first poll reads as far back; Message-ID identity keeps that free of duplicates.
At most ``MAX_MAILS_PER_POLL`` mails per folder are read per poll; the cursor moves on only past what was read.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.policy import SMTP as SMTP_POLICY
from typing import Any

import httpx

from socialinbox.connectors.base import ConnectorError, Rejected, TransientError
from socialinbox.connectors.email_attachments import Attachment, attachment_payload
from socialinbox.connectors.email_classify import MailKind
from socialinbox.connectors.email_idle import ImapIdle
from socialinbox.connectors.email_imap import ImapSession, Security, ServerSettings
from socialinbox.connectors.email_imap_wire import FetchedMail
from socialinbox.connectors.email_mapping import Shop, SubjectThreads, remote_id_of, to_remote
from socialinbox.connectors.email_parse import ParsedMail, parse_mail
from socialinbox.connectors.email_providers import hint_for
from socialinbox.connectors.email_reply import MAX_CANDIDATES, Original, find_original, reply_message
from socialinbox.connectors.email_smtp import check_sign_in, send_message
from socialinbox.domain import (
    Clock,
    OutgoingReply,
    Platform,
    PollResult,
    RemoteMessage,
    SentReply,
    SystemClock,
)

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 30
BACKFILL_DAYS = 14
MAX_MAILS_PER_POLL = 100
MAX_FULL_BYTES = 5 * 1024 * 1024  # larger mails (big attachments) are read only in part
DEFAULT_SENT_FOLDER = "Sent"
_ARCHIVE_NAME = re.compile(r"(?:^|[./])archives?$", re.IGNORECASE)
_CURSOR = re.compile(r"^(\d+):(\d+)(?:\|sent:(\d+):(\d+))?$")
_RENUMBERED = (
    "The mail server renumbered the mail in {folder}; Social Inbox read the last {days} days again "
    "(nothing is stored twice)."
)


@dataclasses.dataclass(frozen=True, slots=True)
class FolderCursor:
    uidvalidity: int
    last_uid: int


@dataclasses.dataclass(frozen=True, slots=True)
class MailCursor:
    inbox: FolderCursor | None
    sent: FolderCursor | None


def parse_cursor(cursor: str | None) -> MailCursor:
    """The stored cursor; anything unreadable means "start over", which Message-ID identity makes harmless."""
    match = _CURSOR.match(cursor or "")
    if not match:
        return MailCursor(None, None)
    inbox = FolderCursor(int(match.group(1)), int(match.group(2)))
    sent = FolderCursor(int(match.group(3)), int(match.group(4))) if match.group(3) else None
    return MailCursor(inbox, sent)


def format_cursor(cursor: MailCursor) -> str | None:
    if cursor.inbox is None:
        return None
    text = f"{cursor.inbox.uidvalidity}:{cursor.inbox.last_uid}"
    return text + (f"|sent:{cursor.sent.uidvalidity}:{cursor.sent.last_uid}" if cursor.sent else "")


@dataclasses.dataclass(frozen=True, slots=True)
class _FolderRead:
    position: FolderCursor | None
    mails: list[FetchedMail]


@dataclasses.dataclass(frozen=True, slots=True)
class EmailConnector:
    address: str
    imap: ServerSettings
    smtp: ServerSettings
    display_name: str = ""
    folder: str = "INBOX"
    sent_folder: str | None = None  # found on the server when not set
    aliases: tuple[str, ...] = ()
    save_sent_copy: bool = True  # False where the provider files SMTP-sent mail itself (Gmail)
    provider: str = ""
    max_mail_bytes: int = MAX_FULL_BYTES
    clock: Clock = dataclasses.field(default_factory=SystemClock, repr=False, compare=False)
    platform: Platform = dataclasses.field(default=Platform.EMAIL, init=False)

    @property
    def shop(self) -> Shop:
        return Shop(self.address, self.display_name, frozenset(self.aliases))

    def verify(self, client: httpx.Client, token: str) -> str:
        """Sign in to both servers (sending nothing) and check the inbox folder exists."""
        with self._session(token) as imap:
            if imap.examine(self.folder) is None:
                raise Rejected(f"There is no folder {self.folder!r} on the mail server.")
        check_sign_in(self.smtp, token, hint_for(self.provider))
        return self.address

    def find_sent_folder(self, token: str) -> str | None:
        with self._session(token) as imap:
            return imap.sent_folder()

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        saved = parse_cursor(cursor)
        warnings: list[str] = []
        with self._session(token) as imap:
            inbox = self._read(imap, self.folder, saved.inbox, warnings)
            if inbox.position is None:
                raise TransientError(f"There is no folder {self.folder!r} on the mail server; check the settings.")
            sent_name = self.sent_folder or imap.sent_folder()
            sent = _FolderRead(saved.sent, [])
            if sent_name and sent_name != self.folder:
                sent = self._read(imap, sent_name, saved.sent, warnings)
        messages = self._messages(inbox.mails, sent.mails, warnings)
        return PollResult(
            tuple(messages), format_cursor(MailCursor(inbox.position, sent.position)), None, tuple(warnings)
        )

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        if not reply.text.strip():
            raise Rejected("The reply is empty.")
        with self._session(token) as imap:
            original = find_original(imap, reply, self._folders_with_mail(imap), self.clock.now())
            message, message_id = reply_message(reply, original, self.shop, self.clock.now())
            send_message(self.smtp, token, message, hint_for(self.provider))
            sent_at = self.clock.now()
            self._file_copy(imap, message.as_bytes(policy=SMTP_POLICY), original, reply, sent_at)
        return SentReply(remote_id=message_id, sent_at=sent_at)

    def watch(self, token: str) -> ImapIdle | None:
        """A connection waiting in IDLE on the inbox folder (``WatchesForNewContent``); None without IDLE."""
        return ImapIdle.open(self.imap, token, hint_for(self.provider), self.folder)

    def attachment(self, token: str, remote_id: str, index: int, sender: str = "") -> tuple[Attachment, bytes]:
        """The ``index``-th (from 1) attachment of a stored mail, fetched again from the server for saving.

        Mail without a Message-ID (``sha256:`` ids, contact forms) is found among ``sender``'s latest mails."""
        with self._session(token) as imap:
            for folder in self._folders_with_mail(imap):
                if imap.examine(folder) is None:
                    continue
                for uid in _uids_of(imap, remote_id, sender):
                    (mail,) = imap.fetch([uid], sys.maxsize) or (None,)
                    if mail is None:
                        continue
                    if remote_id_of(parse_mail(mail.raw), mail.internal_date, self.clock.now()) == remote_id:
                        return attachment_payload(mail.raw, index)
        raise Rejected("That e-mail is no longer on the mail server.")

    # --- polling --------------------------------------------------------------------------------

    @contextmanager
    def _session(self, token: str) -> Iterator[ImapSession]:
        session = ImapSession.open(self.imap, token, hint_for(self.provider))
        try:
            yield session
        finally:
            session.close()

    def _read(self, imap: ImapSession, folder: str, saved: FolderCursor | None, warnings: list[str]) -> _FolderRead:
        state = imap.examine(folder)
        if state is None:
            return _FolderRead(None, [])
        if saved is not None and saved.uidvalidity == state.uidvalidity:
            uids, floor = imap.uids_after(saved.last_uid), saved.last_uid
        else:
            if saved is not None:
                warnings.append(_RENUMBERED.format(folder=folder, days=BACKFILL_DAYS))
            since = (self.clock.now() - timedelta(days=BACKFILL_DAYS)).date()
            uids = imap.uids_since(since)
            # Past the window: everything there now is history, not customers waiting.
            floor = state.uidnext - 1 if state.uidnext else max(imap.uids_after(0), default=0)
        batch = uids[:MAX_MAILS_PER_POLL]
        mails = imap.fetch(batch, self.max_mail_bytes)
        last = batch[-1] if len(uids) > len(batch) else max([floor, *batch])
        return _FolderRead(FolderCursor(state.uidvalidity, last), mails)

    def _messages(
        self, inbox: Sequence[FetchedMail], sent: Sequence[FetchedMail], warnings: list[str]
    ) -> list[RemoteMessage]:
        parsed: list[tuple[FetchedMail, ParsedMail, bool]] = []
        unreadable = 0
        for mails, from_sent in ((inbox, False), (sent, True)):
            for mail in mails:
                try:
                    parsed.append((mail, parse_mail(mail.raw, truncated=mail.truncated), from_sent))
                except (ValueError, LookupError, TypeError, AttributeError, IndexError, UnicodeError):
                    unreadable += 1  # skipped, not fatal: raising would block every later mail for good
        now = self.clock.now()
        parsed.sort(key=lambda item: item[1].date or item[0].internal_date or now)
        threads = SubjectThreads()
        messages = []
        for mail, mail_parsed, from_sent in parsed:
            if mail_parsed.kind is MailKind.BOUNCE:
                if mail_parsed.bounce_note and mail_parsed.bounce_note not in warnings:
                    warnings.append(mail_parsed.bounce_note)
                continue
            if mail_parsed.kind is MailKind.AUTO_REPLY:
                continue  # out-of-office and other automatic mail: nobody is waiting for an answer to it
            messages.append(to_remote(mail, mail_parsed, self.shop, from_sent, threads, now))
        if unreadable:
            warnings.append(f"Skipped {unreadable} e-mail(s) Social Inbox could not read.")
        return messages

    # --- replying -------------------------------------------------------------------------------

    def _folders_with_mail(self, imap: ImapSession) -> list[str]:
        """Where a customer's mail may be: the inbox folder, then archives (another mail program may have filed it)."""
        folders = [self.folder]
        for name, flags in imap.folders():
            archive = _ARCHIVE_NAME.search(name) is not None or "\\archive" in flags or "\\all" in flags
            if archive and name not in folders:
                folders.append(name)
        return folders

    def _file_copy(
        self, imap: ImapSession, raw: bytes, original: Original | None, reply: OutgoingReply, when: datetime
    ) -> None:
        """After sending: the copy in Sent and ``\\Answered`` on the customer's mail. The reply is out either way,
        so trouble here is logged, never raised: raising would make the outbox send the reply again."""
        try:
            if self.save_sent_copy:
                folder = self.sent_folder or imap.sent_folder()
                if folder is None:
                    imap.create_folder(DEFAULT_SENT_FOLDER)
                    folder = DEFAULT_SENT_FOLDER
                imap.append(folder, raw, "(\\Seen)", when)
            if original is not None and imap.select(original.folder):
                imap.add_flag(original.uid, "\\Answered")
        except ConnectorError as error:
            log.warning("reply %s was sent, but filing it on the mail server failed: %s", reply.outbox_id, error)


def _uids_of(imap: ImapSession, remote_id: str, sender: str) -> list[int]:
    if not remote_id.startswith("sha256:"):
        return imap.uids_with_message_id(remote_id)
    return imap.uids_from(sender)[-MAX_CANDIDATES:] if "@" in sender else []


def build_email(settings: Mapping[str, Any], clock: Clock) -> EmailConnector:
    """The ConnectorFactory for e-mail, from the account's stored settings (see ``connection_settings``)."""
    address = str(settings["address"]).strip().lower()
    username = str(settings.get("username") or address)
    imap = ServerSettings(
        host=str(settings["imap_host"]),
        port=int(settings.get("imap_port", 993)),
        security=Security(settings.get("imap_security", Security.TLS.value)),
        username=username,
        timeout_s=float(settings.get("timeout_s", 30.0)),
    )
    smtp = ServerSettings(
        host=str(settings["smtp_host"]),
        port=int(settings.get("smtp_port", 465)),
        security=Security(settings.get("smtp_security", Security.TLS.value)),
        username=str(settings.get("smtp_username") or username),
        timeout_s=float(settings.get("timeout_s", 30.0)),
    )
    sent_folder = settings.get("sent_folder")
    return EmailConnector(
        address=address,
        imap=imap,
        smtp=smtp,
        display_name=str(settings.get("display_name") or ""),
        folder=str(settings.get("folder") or "INBOX"),
        sent_folder=str(sent_folder) if sent_folder else None,
        aliases=tuple(str(alias).strip().lower() for alias in settings.get("aliases") or ()),
        save_sent_copy=bool(settings.get("save_sent_copy", True)),
        provider=str(settings.get("provider") or ""),
        clock=clock,
    )
