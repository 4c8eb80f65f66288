"""The redaction filter and helpers: known secrets exactly, secret-shaped text by its shape, in every log record."""

from __future__ import annotations

import logging
import os
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialinbox.logging_setup import configure_logging
from socialinbox.redaction import (
    EMAIL_MASK,
    MASK,
    RedactingSecretStore,
    RedactionFilter,
    Redactor,
    installed_redactors,
    redact_text,
    remember_secret,
    write_crash_report,
)
from socialinbox.secrets import MemorySecretStore

TOKEN = "Zx8pQ2mK7vL4nR9tY3wB6cD1fG5hJ0aS"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("Authorization: Bearer abc.def-ghi_123", "Authorization: Bearer [redacted]"),
        ("{'authorization': 'Basic dXNlcjpwYXNz'}", "{'authorization': 'Basic [redacted]'}"),
        ("Proxy-Authorization: Digest xyz123", "Proxy-Authorization: Digest [redacted]"),
        ("Cookie: session=abc; theme=dark", "Cookie: [redacted]"),
        ("set-cookie: sid=9f8e7d; HttpOnly", "set-cookie: [redacted]"),
        ('{"access_token": "tok-1234567"}', '{"access_token": "[redacted]"}'),
        ("password=hunter22&user=bob", "password=[redacted]&user=bob"),
        ("app_password: abcd-efgh-ijkl-mnop", "app_password: [redacted]"),
        ("client_secret=sekrit-value", "client_secret=[redacted]"),
        ("GET /callback?code=Sp1xl0Auth&state=xyz", "GET /callback?code=[redacted]&state=xyz"),
        ("https://bob:pa55w0rd@imap.example/inbox", "https://[redacted]@imap.example/inbox"),
        (
            "POST https://api.telegram.org/bot7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0/getMe",
            "POST https://api.telegram.org/bot[redacted]/getMe",
        ),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_nat-ure", "jwt [redacted]"),
        ("from anna.smith+shop@mail.example.co.uk about order", f"from {EMAIL_MASK} about order"),
    ],
)
def test_secret_shapes_are_masked(line: str, kept: str) -> None:
    assert Redactor().redact(line) == kept


@pytest.mark.parametrize(
    "line",
    [
        "polling account 3 (mastodon) failed: HTTP 503; will retry",
        "mention from @anna@knit.example about the rye loaf",
        "tokens are kept for this run only",
        "idempotency_key 5b1e is reused on retry",
        "error_code 429, retry after 30",
    ],
)
def test_ordinary_lines_stay_readable(line: str) -> None:
    assert Redactor().redact(line) == line


def test_known_secrets_are_masked_exactly_and_url_encoded_whatever_surrounds_them() -> None:
    redactor = Redactor()
    redactor.add("pa ss/w0rd&more")
    redactor.add("short")  # too short to be told from ordinary words: ignored
    text = "x=pa ss/w0rd&more;y=pa%20ss%2Fw0rd%26more;z=short"
    assert redactor.redact(text) == f"x={MASK};y={MASK};z=short"
    assert "pa ss" not in repr(redactor)


def test_the_filter_masks_message_arguments_tracebacks_and_stacks() -> None:
    redactor = Redactor()
    redactor.add(TOKEN)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s in %r", (TOKEN, {"t": TOKEN}), None)
    try:
        raise ValueError(f"bad answer for {TOKEN}")
    except ValueError:
        record.exc_info = sys.exc_info()
    record.stack_info = f"stack with {TOKEN}"
    RedactionFilter(redactor).filter(record)
    formatted = logging.Formatter("%(message)s").format(record)
    assert TOKEN not in formatted and formatted.count(MASK) >= 3


def test_a_record_with_a_broken_format_string_is_kept_redacted() -> None:
    redactor = Redactor()
    redactor.add(TOKEN)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d items", (TOKEN,), None)
    assert RedactionFilter(redactor).filter(record)
    assert TOKEN not in record.getMessage()


@pytest.mark.usefixtures("isolated_logging")
def test_secrets_passing_through_the_store_are_redacted_from_logs_from_then_on(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "socialinbox.log"
    configure_logging(log_file)
    store = RedactingSecretStore(MemorySecretStore())
    store.set("account-1", TOKEN)
    assert installed_redactors() and redact_text(f"got {TOKEN}") == f"got {MASK}"
    logging.getLogger("socialinbox.test").warning("the server echoed %s", TOKEN)
    remember_secret("another-secret-value")
    logging.getLogger("socialinbox.test").warning("and %s", "another-secret-value")
    for handler in logging.getLogger().handlers:
        if getattr(handler, "baseFilename", None) == str(log_file):
            handler.flush()
    written = log_file.read_text(encoding="utf-8")
    assert TOKEN not in written and "another-secret-value" not in written and written.count(MASK) == 2
    assert store.get("account-1") == TOKEN and "Zx8p" not in repr(store)


@pytest.mark.skipif(os.name != "posix", reason="0600 is POSIX")
@pytest.mark.usefixtures("isolated_logging")
def test_every_log_file_and_crash_report_is_owner_only_even_after_a_rollover(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        log_file = tmp_path / "logs" / "socialinbox.log"
        configure_logging(log_file)
        handler = next(h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(log_file))
        handler.doRollover()  # type: ignore[attr-defined]
        logging.getLogger("socialinbox.test").warning("after the rollover")
        report = write_crash_report(tmp_path / "logs" / "crash-reports", "report", datetime.now(UTC))
    finally:
        os.umask(previous)
    for path in (log_file, log_file.with_name("socialinbox.log.1"), report):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
