"""Fixtures for UI tests: a stub desktop notification service on a private bus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notification_stub import NotificationService, notification_service


@pytest.fixture
def notification_stub() -> Iterator[NotificationService]:
    """A stub org.freedesktop.Notifications on a private bus; pass ``.address`` as the bus address."""
    with notification_service() as service:
        yield service
