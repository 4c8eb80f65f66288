"""The real Dovecot the e-mail integration tests share: one per test module, in its own temporary folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connectors.mail_servers import Dovecot


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    server.start()
    try:
        yield server
    finally:
        server.stop()
