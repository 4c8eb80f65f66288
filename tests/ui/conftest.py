"""Fixtures for UI tests: a stub desktop notification service on a private bus, and a fresh core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.ui.notifications import Notifier
from socialinbox.wiring import Core, build_core
from tests.notification_stub import NotificationService, notification_service


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    """A core on an empty data folder, sign-ins in memory (a test module may define its own ``core`` instead)."""
    built = build_core(paths_in(tmp_path), secrets=MemorySecretStore())
    yield built
    built.close()


@pytest.fixture
def notification_stub() -> Iterator[NotificationService]:
    """A stub org.freedesktop.Notifications on a private bus; pass ``.address`` as the bus address."""
    with notification_service() as service:
        yield service


@pytest.fixture
def notifiers() -> Iterator[list[Notifier]]:
    """Collects notifiers made by a test and closes them even when the test fails."""
    made: list[Notifier] = []
    yield made
    for notifier in made:
        notifier.close()
