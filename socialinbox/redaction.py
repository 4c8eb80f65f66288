"""Keeping secrets out of everything the app writes down: logs, crash reports, messages about errors.

Two nets, because either alone leaks:
- *known secrets*: every token and password the secret store hands out or takes in is registered at run time and
  removed exactly (also in its URL-encoded form), whatever the text around it looks like;
- *shapes*: ``Authorization`` and cookie headers, ``password=``/``token=`` style pairs, URL credentials, Telegram bot
  tokens, JWTs and e-mail addresses, for secrets the app has not seen yet (a token typed into the wrong field).

The logging filter sits on the handlers (not the loggers), so records from every library pass through it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:  # a type only: the keyring library loads when the secret store is first opened
    from socialinbox.secrets import SecretStore


MASK = "[redacted]"
EMAIL_MASK = "[e-mail]"
MIN_SECRET_LENGTH = 6  # shorter values are too likely to be ordinary words or numbers in a log line

_Replacement = str | Callable[["re.Match[str]"], str]


@functools.cache
def _shapes() -> tuple[tuple[re.Pattern[str], _Replacement], ...]:
    """The secret shapes, in the order they are applied. Compiled on the first redaction, not at import: a start
    imports this module before its window paints and usually has nothing to redact by then (docs/performance.md)."""
    return (
        (
            re.compile(
                r"(?i)\b((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)(?:(bearer|basic|token|digest|dpop)\s+)?"
                r"([^\s'\",;]+)"
            ),
            lambda m: f"{m[1]}{m[2] + ' ' if m[2] else ''}{MASK}",
        ),
        (re.compile(r"(?i)\b((?:set-)?cookie['\"]?\s*[:=]\s*['\"]?)([^'\"\r\n]+)"), lambda m: f"{m[1]}{MASK}"),
        (
            re.compile(
                r"(?i)(?<![\w-])((?:app_?|client_|api_?|access_|refresh_|id_|session_)?"
                r"(?:password|passwd|secret|token|key|jwt)"
                r"|accessJwt|refreshJwt|code_verifier|apikey|session)(['\"]?\s*[:=]\s*['\"]?)([^\s'\"&,;}<>]+)"
            ),
            lambda m: f"{m[1]}{m[2]}{MASK}",
        ),
        (re.compile(r"([?&](?:code|access_token|token|password)=)([^&\s'\"#]+)"), lambda m: f"{m[1]}{MASK}"),
        (
            re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.IGNORECASE),
            lambda m: f"{m[1]}{MASK}@",
        ),
        (re.compile(r"(?<!\d)\d{5,20}:[A-Za-z0-9_-]{30,}"), MASK),  # also inside Telegram's "/bot<token>/"
        (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), MASK),  # a JWT
        (re.compile(r"(?<![@\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"), EMAIL_MASK),
    )


class Redactor:
    """Removes known secrets and secret-shaped text. Thread-safe: workers register tokens while others log."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            self._known.update({secret, quote(secret, safe="")})

    def redact(self, text: str) -> str:
        with self._lock:
            known = sorted(self._known, key=len, reverse=True)  # longest first: a secret may contain another
        for secret in known:
            text = text.replace(secret, MASK)
        for shape, replacement in _shapes():
            text = shape.sub(replacement, text)
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._known)} known secrets)"  # never the secrets themselves


class RedactionFilter(logging.Filter):
    """A handler filter that rewrites each record's message, traceback and stack with the redactor applied."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record; show it raw, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redactor.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


def installed_redactors(logger: logging.Logger | None = None) -> list[Redactor]:
    """The redactors of the filters on ``logger``'s handlers (the root logger's by default)."""
    handlers = (logger or logging.getLogger()).handlers
    return [f.redactor for h in handlers for f in h.filters if isinstance(f, RedactionFilter)]


def remember_secret(secret: str | None) -> None:
    """Register a secret with every redaction filter the logging set-up installed."""
    for redactor in installed_redactors():
        redactor.add(secret)


def redact_text(text: str) -> str:
    """``text`` as the installed filters would write it (shapes only, when logging has not been set up)."""
    redactors = installed_redactors() or [Redactor()]
    for redactor in redactors:
        text = redactor.redact(text)
    return text


class RedactingSecretStore:
    """A secret store that tells the redactors about every secret that passes through it."""

    def __init__(self, inner: SecretStore, on_secret: Callable[[str], None] = remember_secret) -> None:
        self._inner = inner
        self._on_secret = on_secret
        self.persistent = inner.persistent

    def get(self, key: str) -> str | None:
        secret = self._inner.get(key)
        if secret:
            self._on_secret(secret)
        return secret

    def set(self, key: str, secret: str) -> None:
        self._on_secret(secret)
        self._inner.set(key, secret)

    def delete(self, key: str) -> None:
        self._inner.delete(key)

    def __repr__(self) -> str:
        return f"RedactingSecretStore({self._inner!r})"


# --- crash reports ------------------------------------------------------------------------------


def write_crash_report(folder: Path, text: str, when: datetime) -> Path:
    """Write ``text`` to a new file readable by the owner only (0600) in ``folder`` (created 0700)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        folder.chmod(0o700)
    stamp = when.strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.txt"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # owner-only from the first byte
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
