"""Finding the servers for an address, the stored settings, the cursor, and mapping mail to the inbox's terms."""

from __future__ import annotations

import argparse
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialinbox.accounts_setup import SetupError
from socialinbox.cli.connect_email import _servers
from socialinbox.connectors import REGISTRY
from socialinbox.connectors.email import FolderCursor, MailCursor, build_email, format_cursor, parse_cursor
from socialinbox.connectors.email_imap import Security
from socialinbox.connectors.email_imap_wire import FetchedMail, parse_internal_date, quote_mailbox
from socialinbox.connectors.email_mapping import Shop, SubjectThreads, to_remote
from socialinbox.connectors.email_parse import parse_mail
from socialinbox.connectors.email_providers import PROVIDERS, guess_provider, hint_for, provider_for
from socialinbox.domain import Direction, Platform
from socialinbox.email_setup import EmailServers, connect_email, servers_for
from tests.conftest import FakeClock

FIXTURES = Path(__file__).parent / "fixtures" / "email"
SHOP = Shop("shop@cornerbakery.example", "Corner Bakery", frozenset({"orders@cornerbakery.example"}))
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("address", "key"),
    [("me@gmail.com", "gmail"), ("me@Hotmail.com", "outlook"), ("me@icloud.com", "icloud"), ("me@gmx.de", "gmx"),
     ("me@yahoo.co.uk", "yahoo"), ("me@fastmail.fm", "fastmail"), ("me@mail.com", "mailcom")],
)  # fmt: skip
def test_common_providers_are_found_from_the_address(address: str, key: str) -> None:
    found = provider_for(address)
    assert found is not None and found.key == key


def test_gmail_preset_files_no_copy_of_its_own_since_gmail_does() -> None:
    servers = servers_for("bakery@gmail.com")
    assert (servers.imap_host, servers.imap_port, servers.imap_security) == ("imap.gmail.com", 993, Security.TLS)
    assert servers.save_sent_copy is False and servers.provider == "gmail"


def test_a_domain_of_its_own_is_guessed_only_among_names_that_exist() -> None:
    existing = {"mail.cornerbakery.example", "smtp.cornerbakery.example"}
    servers = servers_for("shop@cornerbakery.example", lookup=existing.__contains__)
    assert (servers.imap_host, servers.smtp_host) == ("mail.cornerbakery.example", "smtp.cornerbakery.example")
    assert (servers.smtp_port, servers.smtp_security) == (587, Security.STARTTLS)
    assert guess_provider("shop@cornerbakery.example", lambda host: False) is None
    with pytest.raises(SetupError, match="could not find the mail servers"):
        servers_for("shop@cornerbakery.example", lookup=lambda host: False)


def test_a_named_provider_serves_a_custom_domain_and_bad_input_is_explained() -> None:
    assert servers_for("shop@cornerbakery.example", provider="fastmail").imap_host == "imap.fastmail.com"
    with pytest.raises(SetupError, match="not an e-mail address"):
        servers_for("cornerbakery.example")
    with pytest.raises(SetupError, match="Unknown provider"):
        servers_for("shop@cornerbakery.example", provider="nope")


def test_a_mail_server_that_cannot_be_reached_while_connecting_says_to_try_again(core) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on: connecting there is refused at once
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    servers = EmailServers("shop@cornerbakery.example", "127.0.0.1", "127.0.0.1", imap_port=port, smtp_port=port)
    with pytest.raises(SetupError, match=r"; try again in a moment\. Check the server names") as unreachable:
        connect_email(core, servers, "app-password")
    assert "will retry" not in str(unreachable.value) and core.repository.accounts() == []


def test_sign_in_advice_is_specific_to_the_provider() -> None:
    assert "app password" in hint_for("gmail") and "OAuth" in hint_for("outlook")
    assert hint_for("") == hint_for("unknown") and "app password" in hint_for("")
    assert all(p.hint for p in PROVIDERS.values())


def cli_args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = {"address": "Shop@CornerBakery.example", "name": "", "provider": None, "username": "",
                                 "folder": "INBOX"}  # fmt: skip
    for kind in ("imap", "smtp"):
        values |= {f"{kind}_host": None, f"{kind}_port": None, f"{kind}_security": None}
    return argparse.Namespace(**(values | given))


def test_command_line_options_override_the_preset_and_ports_follow_the_security() -> None:
    servers = _servers(cli_args(provider="gmail", smtp_security="starttls", name="Corner Bakery"))
    assert (servers.smtp_host, servers.smtp_port, servers.smtp_security) == ("smtp.gmail.com", 587, Security.STARTTLS)
    assert servers.address == "shop@cornerbakery.example" and servers.display_name == "Corner Bakery"
    manual = _servers(cli_args(imap_host="127.0.0.1", smtp_host="127.0.0.1", imap_security="plain", smtp_port=2525))
    assert (manual.imap_port, manual.smtp_port, manual.smtp_security) == (143, 2525, Security.TLS)


def test_stored_settings_build_the_registered_connector_and_hold_no_password() -> None:
    settings = EmailServers("shop@cornerbakery.example", "imap.x.example", "smtp.x.example", username="").settings()
    assert settings["username"] == "shop@cornerbakery.example" and "password" not in str(settings).lower()
    connector = REGISTRY[Platform.EMAIL](settings, FakeClock())
    assert connector.platform is Platform.EMAIL
    assert connector == build_email(settings, FakeClock())
    with pytest.raises(ValueError, match="TLS or STARTTLS"):
        build_email(settings | {"imap_security": "plain"}, FakeClock())


def test_cursor_round_trips_and_garbage_means_start_over() -> None:
    cursor = MailCursor(FolderCursor(1700000000, 42), FolderCursor(1700000001, 7))
    assert format_cursor(cursor) == "1700000000:42|sent:1700000001:7"
    assert parse_cursor(format_cursor(cursor)) == cursor
    assert parse_cursor("1700000000:42") == MailCursor(FolderCursor(1700000000, 42), None)
    assert parse_cursor("12|2026-01-01T00:00:00+00:00") == MailCursor(None, None)  # another connector's cursor
    assert format_cursor(MailCursor(None, None)) is None


def test_internal_dates_and_folder_names_speak_imap() -> None:
    assert parse_internal_date("17-Jul-1996 02:44:25 -0700") == datetime(1996, 7, 17, 9, 44, 25, tzinfo=UTC)
    assert parse_internal_date("garbage") is None
    assert quote_mailbox('Sent "old"') == '"Sent \\"old\\""'
    assert quote_mailbox("Éléments envoyés") == '"&AMk-l&AOk-ments envoy&AOk-s"'  # RFC 3501 modified UTF-7


def fetched(name: str, arrived: datetime = NOW) -> tuple[FetchedMail, object]:
    raw = (FIXTURES / name).read_bytes()
    return FetchedMail(1, raw, len(raw), frozenset(), arrived, False), parse_mail(raw)


def test_mail_from_the_shop_or_an_alias_is_the_shops_answer_and_joins_the_customers_thread() -> None:
    threads = SubjectThreads()
    customer = to_remote(*fetched("gmail_alternative_reply.eml"), SHOP, False, threads, NOW)  # type: ignore[arg-type]
    shop = to_remote(*fetched("shop_reply_from_phone.eml"), SHOP, False, threads, NOW)  # type: ignore[arg-type]
    assert customer.direction is Direction.INBOUND and shop.direction is Direction.OUTBOUND
    assert customer.thread_key == shop.thread_key == "order-1042.shipped@cornerbakery.example"
    assert shop.in_reply_to == customer.remote_id
    assert shop.author.handle == "shop@cornerbakery.example"


def test_a_reply_that_lost_its_headers_joins_its_thread_by_subject_and_correspondent() -> None:
    threads = SubjectThreads()
    first = parse_mail(b"From: Kim <kim@example.org>\r\nSubject: Rye bread\r\nMessage-ID: <k1@example.org>\r\n\r\nHi")
    again = parse_mail(
        b"From: Kim <kim@example.org>\r\nSubject: RE: Rye bread\r\nMessage-ID: <k2@example.org>\r\n\r\nSo?"
    )
    other = parse_mail(
        b"From: Ada <ada@example.org>\r\nSubject: Re: Rye bread\r\nMessage-ID: <a1@example.org>\r\n\r\nMe too"
    )
    mail = FetchedMail(1, b"", 0, frozenset(), NOW, False)
    keys = [to_remote(mail, parsed, SHOP, False, threads, NOW).thread_key for parsed in (first, again, other)]
    assert keys[0] == keys[1] == "k1@example.org" and keys[2] != keys[0]


def test_a_date_far_ahead_of_arrival_is_a_wrong_clock_and_arrival_counts() -> None:
    mail, parsed = fetched("koi8r_base64.eml", arrived=datetime(2026, 11, 20, tzinfo=UTC))
    message = to_remote(mail, parsed, SHOP, False, SubjectThreads(), NOW)  # type: ignore[arg-type]
    assert message.sent_at == datetime(2026, 11, 20, tzinfo=UTC)
    mail, parsed = fetched("koi8r_base64.eml", arrived=datetime(2026, 11, 23, 4, tzinfo=UTC))
    assert to_remote(mail, parsed, SHOP, False, SubjectThreads(), NOW).sent_at - mail.internal_date == timedelta(  # type: ignore[arg-type, operator]
        minutes=-15
    )
