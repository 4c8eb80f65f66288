"""The e-mail connector over TLS (as on port 993) to the real Dovecot, through a TLS front with certificates made
for the run: a trusted certificate reads the mail; an untrusted one, or one for another name, is refused with words
the owner can act on, before the password leaves the PC."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from socialinbox.connectors.base import TransientError
from tests.conftest import FakeClock
from tests.connectors.mail_servers import PASSWORD, Dovecot, dovecot_unavailable
from tests.integration.tls_reading import bread_order, reading_connector

if (reason := dovecot_unavailable()) is not None:
    pytest.skip(reason, allow_module_level=True)
pytest.importorskip("cryptography", reason="the test's certificates are made with cryptography (the keyring's)")

from tests.tls_front import Certificates, TlsFront, make_certificates


@pytest.fixture
def box() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def _front(dovecot: Dovecot, certificates: Certificates) -> Iterator[TlsFront]:
    with TlsFront(dovecot.port, certificates) as front:
        yield front


@pytest.fixture
def front(dovecot: Dovecot, tmp_path: Path) -> Iterator[TlsFront]:
    yield from _front(dovecot, make_certificates(tmp_path))


def test_a_trusted_certificate_reads_the_mail_over_tls(
    front: TlsFront, dovecot: Dovecot, box: str, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # the system's trust, as if the CA were in it
    dovecot.deliver([(box, bread_order("Two rye loaves for Saturday, please."))])

    result = reading_connector(front.port, "tls", box, clock).poll(None, PASSWORD, None)

    assert [m.text for m in result.messages] == ["Subject: Bread order\n\nTwo rye loaves for Saturday, please."]
    assert front.refused == 0 and front.relayed_from_clients > 0


def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(
    front: TlsFront, dovecot: Dovecot, box: str, clock: FakeClock
) -> None:
    dovecot.deliver([(box, bread_order("Do you bake on Sundays?"))])

    with pytest.raises(TransientError) as refused:
        reading_connector(front.port, "tls", box, clock).poll(None, PASSWORD, None)

    assert f"The certificate of 127.0.0.1:{front.port} could not be verified" in str(refused.value)
    assert PASSWORD not in str(refused.value)
    assert front.wait_for_refusals(1) and front.relayed_from_clients == 0  # not a byte of the sign-in went out


def test_a_certificate_for_another_name_is_refused_even_from_a_trusted_authority(
    dovecot: Dovecot, box: str, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificates = make_certificates(tmp_path, names=("mail.other-shop.example",))
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))
    for front in _front(dovecot, certificates):
        with pytest.raises(TransientError, match="could not be verified; check the server name"):
            reading_connector(front.port, "tls", box, clock).poll(None, PASSWORD, None)
        assert front.relayed_from_clients == 0
