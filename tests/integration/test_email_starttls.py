"""The e-mail connector over STARTTLS (as on port 143) to the real Dovecot, set up with a certificate made for the
run: a plain greeting, then TLS before the sign-in. A trusted certificate reads the mail and Dovecot logs the sign-in
as made over TLS; an untrusted one is refused with words the owner can act on, and Dovecot logs no sign-in."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from socialinbox.connectors.base import TransientError
from tests.conftest import FakeClock
from tests.connectors.mail_servers import PASSWORD, Dovecot, dovecot_unavailable
from tests.integration.tls_reading import bread_order, reading_connector

if (reason := dovecot_unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)
pytest.importorskip("cryptography", reason="the test's certificates are made with cryptography (the keyring's)")

from tests.tls_front import Certificates, make_certificates


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture(scope="module")
def dovecot(certificates: Certificates) -> Iterator[Dovecot]:
    server = Dovecot(tls=(certificates.cert_file, certificates.key_file))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def box() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def test_a_trusted_certificate_reads_the_mail_over_starttls(
    dovecot: Dovecot, certificates: Certificates, box: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.deliver([(box, bread_order("Two rye loaves for Saturday, please."))])
    before = len(dovecot.sign_ins())
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))  # the system's trust, as if the CA were in it

    result = reading_connector(dovecot.port, "starttls", box, clock).poll(None, PASSWORD, None)

    assert [m.text for m in result.messages] == ["Subject: Bread order\n\nTwo rye loaves for Saturday, please."]
    (sign_in,) = dovecot.sign_ins()[before:]
    assert ", TLS," in sign_in  # the password went over the encrypted connection


def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(
    dovecot: Dovecot, box: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.deliver([(box, bread_order("Do you bake on Sundays?"))])
    before = len(dovecot.sign_ins())
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the test CA is not among the system's

    with pytest.raises(TransientError) as refused:
        reading_connector(dovecot.port, "starttls", box, clock).poll(None, PASSWORD, None)

    assert f"The certificate of 127.0.0.1:{dovecot.port} could not be verified" in str(refused.value)
    assert PASSWORD not in str(refused.value)
    assert dovecot.sign_ins()[before:] == []


def test_new_mail_ends_a_waiting_idle_over_starttls_within_a_second(
    dovecot: Dovecot, certificates: Certificates, box: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IDLE reads through TLS, whose buffer ``select`` on the socket cannot see (``ImapIdle._buffered``)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))
    dovecot.create(box)
    watch = reading_connector(dovecot.port, "starttls", box, clock).watch(PASSWORD)
    assert watch is not None, "Dovecot advertises IDLE"
    try:
        assert watch.wait(5) is True  # a fresh connection always asks for one poll first
        delivery = threading.Timer(0.3, lambda: dovecot.append(box, bread_order("Still open at six?")))
        delivery.start()
        started = time.monotonic()
        assert watch.wait(10) is True
        assert time.monotonic() - started < 1.3
        delivery.join()
        assert watch.wait(0.3) is False  # told once; the encrypted connection is fine for the next IDLE
    finally:
        watch.close()
