"""IMAP for the e-mail connector: sign in, read a folder by UID, find mail by Message-ID, file a sent copy.

Built on the stdlib ``imaplib`` (RFC 3501 commands only, so any IMAP4rev1 server works):
``LOGIN`` or ``AUTHENTICATE PLAIN`` (UTF-8 passwords), ``EXAMINE`` (read-only: reading never marks mail as
seen), ``UID SEARCH UID n:*`` / ``SINCE`` / ``HEADER Message-ID``, ``UID FETCH (... BODY.PEEK[])``, ``LIST``
(the Sent folder by its RFC 6154 ``\\Sent`` flag, else by its usual names), ``APPEND`` and ``UID STORE +FLAGS``.

Every imaplib and socket error is replaced by a connector error of our own (raised ``from None``): imaplib's
messages carry server text only, but a chained UnicodeEncodeError could carry the command line with the password.
Reading FETCH and LIST answers and quoting arguments are in ``email_imap_wire``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import imaplib
import ssl
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from socialinbox.connectors.base import AuthError, ConnectorError, RateLimited, TransientError
from socialinbox.connectors.email_imap_wire import (
    FetchedMail,
    fetch_responses,
    fetched_mail,
    first_int,
    imap_date,
    list_entry,
    quote_mailbox,
    quote_string,
)
from socialinbox.connectors.html_text import clean_text

FETCH_CHUNK = 25  # mails per FETCH command: bounded memory, few round trips
PARTIAL_BYTES = 512 * 1024  # of a mail larger than the caller's limit, only this much is read
THROTTLE_WAIT_S = 300.0
SENT_NAMES = (
    "sent", "sent items", "sent messages", "sent mail", "inbox.sent", "inbox/sent", "gesendet", "gesendete objekte",
    "gesendete elemente", "éléments envoyés", "elementos enviados", "posta inviata", "verzonden items", "skickat",
)  # fmt: skip
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_THROTTLE_WORDS = ("[THROTTLED]", "[LIMIT]", "TOO MANY", "[UNAVAILABLE]")


class Security(enum.StrEnum):
    TLS = "tls"  # TLS from the first byte (IMAP 993, SMTP 465)
    STARTTLS = "starttls"  # plain greeting, then upgraded before anything secret is sent (SMTP 587, IMAP 143)
    PLAIN = "plain"  # no encryption: only ever to this computer (tests, a local bridge such as Proton's)


@dataclasses.dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str
    port: int
    security: Security
    username: str
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.security is Security.PLAIN and self.host.strip("[]").lower() not in _LOOPBACK:
            raise ValueError(f"{self.host}: mail servers must be reached over TLS or STARTTLS; plain only on this PC")

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


@dataclasses.dataclass(frozen=True, slots=True)
class FolderState:
    name: str
    uidvalidity: int
    uidnext: int | None


def is_loopback(host: str) -> bool:
    return host.strip("[]").lower() in _LOOPBACK


class ImapSession:
    """One signed-in IMAP connection; use as a context manager (it logs out on leaving)."""

    def __init__(self, connection: imaplib.IMAP4, settings: ServerSettings) -> None:
        self._conn = connection
        self._settings = settings
        self._literal_cap: int | None = None  # the largest literal the running FETCH may bring (None: any)
        read = connection.read

        def bounded_read(size: int) -> bytes:
            # imaplib reads whatever literal the server announces into memory: a broken or hostile server could
            # send gigabytes where half a megabyte was asked for (tests/reliability/test_r2_mail.py).
            if self._literal_cap is not None and size > self._literal_cap:
                connection.shutdown()  # the rest is never read, so the connection is of no further use
                raise TransientError(f"The mail server {settings.label} sent far more than was asked for; will retry.")
            return read(size)

        connection.read = bounded_read  # type: ignore[method-assign]

    @classmethod
    def open(cls, settings: ServerSettings, password: str, auth_hint: str) -> ImapSession:
        with _translated(settings, "its greeting"):
            if settings.security is Security.TLS:
                context = ssl.create_default_context()
                connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    settings.host, settings.port, ssl_context=context, timeout=settings.timeout_s
                )
            else:
                connection = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout_s)
                if settings.security is Security.STARTTLS:
                    _start_tls(connection, settings)
        session = cls(connection, settings)
        session._login(password, auth_hint)
        return session

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ImapSession({self._settings.username!r} at {self._settings.label})"

    @property
    def connection(self) -> imaplib.IMAP4:
        """imaplib's connection, for IMAP IDLE (``email_idle``): imaplib has no IDLE before Python 3.14."""
        return self._conn

    def close(self) -> None:
        with contextlib.suppress(Exception):  # leaving anyway: a dead connection has nothing left to close
            self._conn.logout()

    def _login(self, password: str, auth_hint: str) -> None:
        failure: ConnectorError | None = None
        user = self._settings.username
        try:
            if "AUTH=PLAIN" in self._conn.capabilities:
                secret = f"\0{user}\0{password}".encode()  # SASL PLAIN carries UTF-8, LOGIN only ASCII
                self._conn.authenticate("PLAIN", lambda _challenge: secret)
            else:
                self._conn.login(user, password)
        except imaplib.IMAP4.abort:
            failure = TransientError(f"The mail server {self._settings.label} closed the connection while signing in.")
        except imaplib.IMAP4.error as error:
            said = _server_text(error)
            failure = _throttled(said) or AuthError(_refused(self._settings.label, said, auth_hint))
        except UnicodeError:
            failure = AuthError("The user name or password has characters this mail server cannot take.")
        except OSError:
            failure = TransientError(f"The connection to {self._settings.label} broke while signing in; will retry.")
        if failure is not None:  # raised outside the except block: no chained error can carry the password
            self.close()
            raise failure

    # --- reading --------------------------------------------------------------------------------

    def examine(self, folder: str) -> FolderState | None:
        """Open a folder read-only; None when it does not exist."""
        with _translated(self._settings, f"opening {folder}"):
            kind, _ = self._conn.select(quote_mailbox(folder), readonly=True)
            if kind != "OK":
                return None
            validity = first_int(self._conn.response("UIDVALIDITY")[1])
            uidnext = first_int(self._conn.response("UIDNEXT")[1])
        if validity is None:
            raise TransientError(f"The mail server did not say how it numbers the mail in {folder}; will retry.")
        return FolderState(folder, validity, uidnext)

    def select(self, folder: str) -> bool:
        """Open a folder for changes (flags); False when it does not exist."""
        with _translated(self._settings, f"opening {folder}"):
            kind, _ = self._conn.select(quote_mailbox(folder), readonly=False)
        return kind == "OK"

    def uids_after(self, last_uid: int) -> list[int]:
        # "UID n:*" also matches the highest message when its UID is below n (RFC 3501): filter here.
        return [uid for uid in self._search("UID", f"{last_uid + 1}:*") if uid > last_uid]

    def uids_since(self, day: date) -> list[int]:
        return self._search("SINCE", imap_date(day))

    def uids_with_message_id(self, message_id: str) -> list[int]:
        return self._search("HEADER", "Message-ID", quote_string(message_id))

    def uids_from(self, address: str) -> list[int]:
        """Mail from ``address`` or asking for answers to it (Reply-To: contact forms send from their own)."""
        return self._search("OR", "FROM", quote_string(address), "HEADER", "Reply-To", quote_string(address))

    def _search(self, *criteria: str) -> list[int]:
        with _translated(self._settings, "a search"):
            kind, data = self._conn.uid("SEARCH", *criteria)
        if kind != "OK":
            raise TransientError(f"The mail server refused a search: {_server_text(data)}; will retry.")
        return sorted(
            {int(word) for line in data if isinstance(line, bytes) for word in line.split() if word.isdigit()}
        )

    def fetch(self, uids: Sequence[int], max_bytes: int) -> list[FetchedMail]:
        """Whole mails by UID (without marking them seen); of one larger than ``max_bytes`` only the start."""
        fetched: list[FetchedMail] = []
        # Generous: some servers misreport RFC822.SIZE a little; what matters is refusing 50 MB for 512 KB.
        self._literal_cap = 2 * max(max_bytes, PARTIAL_BYTES) + (1 << 20)
        try:
            self._fetch_all(uids, max_bytes, fetched)
        finally:
            self._literal_cap = None
        return sorted(fetched, key=lambda mail: mail.uid)

    def _fetch_all(self, uids: Sequence[int], max_bytes: int, fetched: list[FetchedMail]) -> None:
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start : start + FETCH_CHUNK]
            sizes = {item["uid"]: item["size"] for item in self._fetch_items(chunk, "(UID RFC822.SIZE)")}
            small = [uid for uid in chunk if sizes.get(uid, 0) <= max_bytes]
            large = [uid for uid in chunk if sizes.get(uid, 0) > max_bytes]
            for group, body in ((small, "BODY.PEEK[]"), (large, f"BODY.PEEK[]<0.{PARTIAL_BYTES}>")):
                if group:
                    items = self._fetch_items(group, f"(UID FLAGS INTERNALDATE RFC822.SIZE {body})")
                    fetched += [fetched_mail(item, truncated=group is large) for item in items if item.get("raw")]

    def _fetch_items(self, uids: Sequence[int], what: str) -> list[dict[str, Any]]:
        with _translated(self._settings, "fetching mail"):
            kind, data = self._conn.uid("FETCH", ",".join(str(uid) for uid in uids), what)
        if kind != "OK":
            raise TransientError(f"The mail server refused to hand out mail: {_server_text(data)}; will retry.")
        return [item for item in fetch_responses(data) if item.get("uid") in set(uids)]

    # --- folders and changes ------------------------------------------------------------------------

    def folders(self) -> list[tuple[str, frozenset[str]]]:
        """(name as the server spells it, its flags such as ``\\Sent``) for every folder."""
        with _translated(self._settings, "listing folders"):
            kind, data = self._conn.list()
        if kind != "OK":
            return []
        return [entry for entry in (list_entry(item) for item in data) if entry is not None]

    def sent_folder(self) -> str | None:
        """The folder for sent mail: the one flagged ``\\Sent`` (RFC 6154), else the first with a usual name."""
        folders = self.folders()
        flagged = [name for name, flags in folders if "\\sent" in flags]
        if flagged:
            return flagged[0]
        by_name = {name.casefold(): name for name, _ in folders}
        return next((by_name[usual] for usual in SENT_NAMES if usual in by_name), None)

    def create_folder(self, name: str) -> None:
        with _translated(self._settings, f"creating {name}"):
            self._conn.create(quote_mailbox(name))
            self._conn.subscribe(quote_mailbox(name))

    def append(self, folder: str, raw: bytes, flags: str, when: datetime) -> None:
        """File a message in ``folder``, creating the folder when the server says it is missing (TRYCREATE)."""
        for attempt in range(2):
            with _translated(self._settings, f"saving a copy in {folder}"):
                kind, data = self._conn.append(quote_mailbox(folder), flags, imaplib.Time2Internaldate(when), raw)
            if kind == "OK":
                return
            if attempt == 0 and "TRYCREATE" in _server_text(data).upper():
                self.create_folder(folder)
                continue
            break
        raise TransientError(f"The mail server did not keep the copy in {folder}: {_server_text(data)}.")

    def add_flag(self, uid: int, flag: str) -> None:
        with _translated(self._settings, "flagging mail"):
            self._conn.uid("STORE", str(uid), "+FLAGS", f"({flag})")


def _server_text(error: Any) -> str:
    parts = error.args if isinstance(error, BaseException) else error
    texts = [p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p) for p in parts or () if p is not None]
    return clean_text(" ".join(texts)).replace("b'", "").strip("'\" ")[:200]


def _throttled(said: str) -> RateLimited | None:
    if any(word in said.upper() for word in _THROTTLE_WORDS):
        return RateLimited(f"The mail server asked us to slow down ({said}).", THROTTLE_WAIT_S)
    return None


def _refused(label: str, said: str, hint: str) -> str:
    return f"The mail server {label} refused the sign-in ({said or 'no reason given'}). {hint}".strip()


def _start_tls(connection: imaplib.IMAP4, settings: ServerSettings) -> None:
    """Encrypt the connection before anything secret is sent; a server that does not offer it is a setting to fix
    (the port or the security), never a reason to sign in in the clear, and not worth retrying as it is."""
    if "STARTTLS" not in connection.capabilities:
        with contextlib.suppress(Exception):  # leaving anyway
            connection.shutdown()
        raise AuthError(f"The mail server {settings.label} does not offer STARTTLS; check the port and security.")
    connection.starttls(ssl.create_default_context())


@contextlib.contextmanager
def _translated(settings: ServerSettings, what: str) -> Iterator[None]:
    """imaplib's and the network's errors as connector errors, with nothing of the command line in them."""
    failure: ConnectorError | None = None
    try:
        yield
    except imaplib.IMAP4.abort:
        failure = TransientError(f"The mail server {settings.label} dropped the connection during {what}; will retry.")
    except imaplib.IMAP4.error as error:
        said = _server_text(error)
        failure = _throttled(said) or TransientError(f"The mail server refused {what} ({said}); will retry.")
    except ssl.SSLCertVerificationError:
        failure = TransientError(f"The certificate of {settings.label} could not be verified; check the server name.")
    except ssl.SSLError:  # e.g. TLS asked of a port that speaks plain IMAP: a setting to fix, not a network fault
        failure = TransientError(
            f"No secure connection could be made to {settings.label}; check the port and security."
        )
    except TimeoutError:
        failure = TransientError(f"The mail server {settings.label} did not answer in time; will retry.")
    except (ConnectionResetError, BrokenPipeError):  # it was reached: "could not reach" would mislead the owner
        failure = TransientError(f"The connection to {settings.label} broke during {what}; will retry.")
    except (OSError, EOFError):
        failure = TransientError(f"Could not reach the mail server {settings.label}; will retry.")
    except UnicodeError:
        failure = TransientError(f"A folder name or search could not be sent to {settings.label}.")
    if failure is not None:
        raise failure from None


translated_errors = _translated  # for email_idle, which speaks IDLE on imaplib's connection directly
