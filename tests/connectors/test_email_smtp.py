"""Replies over SMTP against a real SMTP server (aiosmtpd) on loopback: headers, sign-in, and every failure."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from socialinbox.connectors.base import AuthError, ConnectorError, Rejected, TransientError, UncertainDelivery
from socialinbox.connectors.email_imap import Security, ServerSettings
from socialinbox.connectors.email_parse import Address, parse_mail
from socialinbox.connectors.email_smtp import Quote, build_reply, check_sign_in, send_message
from tests.connectors.mail_servers import PASSWORD, USER, SmtpSink, free_port

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

pytest.importorskip("aiosmtpd", reason="aiosmtpd (the test extra) runs the SMTP server these tests talk to")

SHOP = Address("Corner Bakery", USER)
MARIA = Address("María López", "maria.lopez@gmail.example")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(sink: SmtpSink) -> None:
    sink.mode = "ok"
    sink.received.clear()


def settings(sink: SmtpSink, timeout_s: float = 5.0) -> ServerSettings:
    return ServerSettings("127.0.0.1", sink.port, Security.PLAIN, USER, timeout_s)


def reply(**changes: object):
    values: dict[str, object] = {
        "sender": SHOP,
        "recipient": MARIA,
        "subject": "Re: Your order #1042",
        "text": "So sorry! Fresh croissants come on Friday.\n.\nA line with only a dot, too.",
        "message_id": "k1.socialinbox@cornerbakery.example",
        "in_reply_to": "CAJx9q@mail.gmail.com",
        "references": ("order-1042@cornerbakery.example", "CAJx9q@mail.gmail.com"),
        "now": NOW,
    }
    return build_reply(**(values | changes))  # type: ignore[arg-type]


def test_reply_headers_thread_it_under_the_customers_mail() -> None:
    message = reply(quote=Quote("María López", NOW, "The croissants were squashed."))
    assert message["From"] == "Corner Bakery <shop@cornerbakery.example>"
    assert message["Subject"] == "Re: Your order #1042"
    assert message["Message-ID"] == "<k1.socialinbox@cornerbakery.example>"
    assert message["In-Reply-To"] == "<CAJx9q@mail.gmail.com>"
    assert message["References"] == "<order-1042@cornerbakery.example> <CAJx9q@mail.gmail.com>"
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert body.startswith("So sorry! Fresh croissants come on Friday.")
    assert "On 23 Nov 2026 09:30 UTC, María López wrote:\n> The croissants were squashed." in body


def test_a_long_references_chain_keeps_the_root_and_the_latest() -> None:
    chain = tuple(f"m{n}@x.example" for n in range(40))
    refs = str(reply(references=chain, in_reply_to="m39@x.example")["References"]).split()
    assert len(refs) == 20 and refs[0] == "<m0@x.example>" and refs[-1] == "<m39@x.example>"


def test_reply_is_delivered_whole_with_dot_lines_intact(sink: SmtpSink) -> None:
    send_message(settings(sink), PASSWORD, reply(), "")
    (received,) = sink.received
    assert received.mail_from == USER and received.rcpt_tos == [MARIA.address]
    delivered = email.message_from_bytes(received.data, policy=email.policy.default)
    assert delivered["Message-ID"] == "<k1.socialinbox@cornerbakery.example>"
    assert "\n.\nA line with only a dot, too." in delivered.get_content().replace("\r\n", "\n")
    assert parse_mail(received.data).sender == SHOP  # the non-ASCII name survived the trip


def test_sign_in_is_checked_without_sending(sink: SmtpSink) -> None:
    check_sign_in(settings(sink), PASSWORD, "")
    assert sink.received == []


def test_wrong_password_is_an_auth_error_with_the_providers_hint_and_no_password(sink: SmtpSink) -> None:
    wrong = "hunter2-wrong-secret"
    with pytest.raises(AuthError) as caught:
        send_message(settings(sink), wrong, reply(), "Gmail needs an app password.")
    assert "Gmail needs an app password." in str(caught.value) and "535" in str(caught.value)
    assert_no_secret(caught.value, wrong)


def test_a_non_ascii_password_that_smtplib_cannot_send_never_leaks(sink: SmtpSink) -> None:
    with pytest.raises(ConnectorError) as caught:
        check_sign_in(settings(sink), "pässwörd-secret", "")
    assert_no_secret(caught.value, "pässwörd-secret")


def test_unknown_recipient_is_rejected_for_good(sink: SmtpSink) -> None:
    sink.mode = "unknown-recipient"
    with pytest.raises(Rejected, match=r"refused the address maria\.lopez@gmail\.example"):
        send_message(settings(sink), PASSWORD, reply(), "")


def test_temporary_refusal_of_the_text_is_transient_and_not_uncertain(sink: SmtpSink) -> None:
    sink.mode = "busy"
    with pytest.raises(TransientError) as caught:
        send_message(settings(sink), PASSWORD, reply(), "")
    assert not isinstance(caught.value, UncertainDelivery)


def test_refused_text_is_rejected(sink: SmtpSink) -> None:
    sink.mode = "spam"
    with pytest.raises(Rejected, match="554"):
        send_message(settings(sink), PASSWORD, reply(), "")


@pytest.mark.parametrize("mode", ["drop", "slow"])
def test_losing_the_server_after_handing_over_the_text_is_uncertain_delivery(sink: SmtpSink, mode: str) -> None:
    sink.mode = mode
    with pytest.raises(UncertainDelivery):
        send_message(settings(sink, timeout_s=1.0), PASSWORD, reply(), "")


def test_nothing_listening_is_transient() -> None:
    closed = ServerSettings("127.0.0.1", free_port(), Security.PLAIN, USER, 2.0)
    with pytest.raises(TransientError) as caught:
        send_message(closed, PASSWORD, reply(), "")
    assert not isinstance(caught.value, UncertainDelivery)


def test_a_server_that_never_greets_times_out_as_transient() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
        mute = ServerSettings("127.0.0.1", silent.getsockname()[1], Security.PLAIN, USER, 0.5)
        with pytest.raises(TransientError, match="did not answer in time"):
            check_sign_in(mute, PASSWORD, "")
        for connection in accepted:
            connection.close()


def test_plain_connections_are_refused_beyond_this_computer() -> None:
    with pytest.raises(ValueError, match="TLS or STARTTLS"):
        ServerSettings("smtp.example.com", 25, Security.PLAIN, USER)


def test_tls_to_a_plain_server_fails_as_transient(sink: SmtpSink) -> None:
    confused = ServerSettings("127.0.0.1", sink.port, Security.TLS, USER, 2.0)
    with pytest.raises(TransientError):
        check_sign_in(confused, PASSWORD, "")


def test_a_server_without_sign_in_is_refused_unless_it_is_a_local_test_server() -> None:
    with SmtpSink(password=None) as open_relay:
        check_sign_in(settings(open_relay), PASSWORD, "")  # plain on loopback: a local test server
        starttls = ServerSettings("127.0.0.1", open_relay.port, Security.STARTTLS, USER, 2.0)
        with pytest.raises(AuthError, match="does not offer STARTTLS"):  # never fall back to plain text
            check_sign_in(starttls, PASSWORD, "")


def assert_no_secret(error: BaseException, secret: str) -> None:
    """Not in the message, the arguments, or anything chained to it."""
    seen: BaseException | None = error
    while seen is not None:
        assert secret not in str(seen) and secret not in repr(seen.args)
        seen = seen.__cause__ or seen.__context__
