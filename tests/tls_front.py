"""A TLS front for a plain server on loopback (the test Dovecot): the e-mail connector's TLS path, as on port 993,
against a real IMAP server. Certificates are made for each run by a CA of the test's own (``make_certificates``), so
a test chooses whether the connector trusts it (``SSL_CERT_FILE``) and which names the certificate carries.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import ipaddress
import select
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclasses.dataclass(frozen=True)
class Certificates:
    ca_file: Path  # what a client must trust
    cert_file: Path
    key_file: Path


def make_certificates(folder: Path, names: Sequence[str] = ("127.0.0.1",)) -> Certificates:
    """A CA and a server certificate for ``names`` (IP addresses or host names), valid from yesterday to tomorrow."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Social Inbox test CA")])
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alternatives: list[x509.GeneralName] = [_general_name(name) for name in names]
    server = (
        _builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]), ca_name, key.public_key(), now)
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    made = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    made.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    made.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    made.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return made


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, now: dt.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False,
    )  # fmt: skip


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class TlsFront:
    """Listens with TLS on loopback and relays each connection, decrypted, to ``upstream_port``; a context manager.

    ``refused`` counts handshakes the client broke off (it did not trust the certificate); ``relayed_from_clients``
    counts the bytes clients sent past the handshake (none may pass before the certificate is trusted)."""

    def __init__(self, upstream_port: int, certificates: Certificates) -> None:
        self.upstream_port = upstream_port
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(certificates.cert_file, certificates.key_file)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.refused = 0
        self.relayed_from_clients = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> TlsFront:
        self._start(self._accept_loop)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def wait_for_refusals(self, count: int, timeout_s: float = 5.0) -> bool:
        """Whether ``count`` handshakes were broken off within ``timeout_s`` (the front notes them on its thread)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if self.refused >= count:
                    return True
            time.sleep(0.02)
        return False

    def _start(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stopping.is_set():
            try:
                raw, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by __exit__
                return
            self._start(self._serve, raw)

    def _serve(self, raw: socket.socket) -> None:
        raw.settimeout(10)
        try:
            client = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            with self._lock:
                self.refused += 1
            raw.close()
            return
        with client, socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10) as upstream:
            self._relay(client, upstream)

    def _relay(self, client: ssl.SSLSocket, upstream: socket.socket) -> None:
        while not self._stopping.is_set():
            # Bytes already decrypted wait in the TLS object, where select cannot see them.
            ready = [client] if client.pending() else select.select([client, upstream], [], [], 0.2)[0]
            for source in ready:
                with contextlib.suppress(TimeoutError):
                    data = source.recv(65536)
                    if not data:
                        return
                    if source is client:
                        with self._lock:
                            self.relayed_from_clients += len(data)
                        upstream.sendall(data)
                    else:
                        client.sendall(data)
