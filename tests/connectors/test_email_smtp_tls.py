"""Replies over SMTP with TLS against a real SMTP server (aiosmtpd) on loopback: STARTTLS as on port 587, which most
providers use for sending, and TLS from the first byte as on port 465. The certificate is checked before the password
leaves the computer. Certificates are made for each run by a CA of the test's own; trusting it stands for the system's
trust (``SSL_CERT_FILE``)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialinbox.connectors.base import TransientError
from socialinbox.connectors.email_imap import Security, ServerSettings
from socialinbox.connectors.email_parse import Address
from socialinbox.connectors.email_smtp import build_reply, check_sign_in, send_message
from tests.connectors.mail_servers import PASSWORD, USER, SmtpSink
from tests.tls_front import Certificates, make_certificates

pytest.importorskip("aiosmtpd", reason="aiosmtpd (the test extra) runs the SMTP server these tests talk to")
# aiosmtpd counts only STARTTLS as TLS for its sign-in rule, so the port-465 server leaves that rule off (and warns).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SHOP = Address("Corner Bakery", USER)
MARIA = Address("María López", "maria.lopez@gmail.example")


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return make_certificates(tmp_path)


def _sink(certificates: Certificates, security: Security) -> SmtpSink:
    return SmtpSink(tls=(certificates.cert_file, certificates.key_file), implicit_tls=security is Security.TLS)


@pytest.fixture(params=[Security.STARTTLS, Security.TLS], ids=["starttls (587)", "tls (465)"])
def security(request: pytest.FixtureRequest) -> Security:
    return Security(request.param)


@pytest.fixture
def sink(certificates: Certificates, security: Security) -> Iterator[SmtpSink]:
    with _sink(certificates, security) as server:
        yield server


def _reply() -> email.message.EmailMessage:
    return build_reply(
        sender=SHOP,
        recipient=MARIA,
        subject="Re: Your order #1042",
        text="Your croissants are in the oven. ¡Gracias!",
        message_id="k7.socialinbox@cornerbakery.example",
        in_reply_to="CAJx9q@mail.gmail.com",
        references=("CAJx9q@mail.gmail.com",),
        now=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
    )


def test_a_trusted_certificate_carries_the_reply_encrypted(
    sink: SmtpSink, security: Security, certificates: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))
    settings = ServerSettings("127.0.0.1", sink.port, security, USER, 5.0)
    check_sign_in(settings, PASSWORD, "")
    send_message(settings, PASSWORD, _reply(), "")
    (received,) = sink.received
    assert received.over_tls and received.rcpt_tos == [MARIA.address]
    delivered = email.message_from_bytes(received.data, policy=email.policy.default)
    assert delivered.get_content().startswith("Your croissants are in the oven. ¡Gracias!")  # type: ignore[attr-defined]
    assert sink.sign_ins == 2  # the check and the send, each after the handshake


def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(
    sink: SmtpSink, security: Security, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the test CA is not among the system's
    settings = ServerSettings("127.0.0.1", sink.port, security, USER, 5.0)
    with pytest.raises(TransientError, match="could not be verified; check the server name"):
        send_message(settings, PASSWORD, _reply(), "")
    assert sink.sign_ins == 0 and sink.received == []


def test_a_certificate_for_another_name_is_refused_even_from_a_trusted_authority(
    tmp_path: Path, security: Security, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_certificates(tmp_path, names=("smtp.other-shop.example",))
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca_file))
    with _sink(other, security) as sink:
        settings = ServerSettings("127.0.0.1", sink.port, security, USER, 5.0)
        with pytest.raises(TransientError, match="could not be verified"):
            check_sign_in(settings, PASSWORD, "")
        assert sink.sign_ins == 0
