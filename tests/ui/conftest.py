"""Fixtures for UI tests: a stub desktop notification service on a private bus, and a fresh core."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from socialinbox.domain import Clock
from socialinbox.paths import paths_in
from socialinbox.secrets import MemorySecretStore
from socialinbox.ui.app import InboxApp
from socialinbox.ui.notifications import Notifier
from socialinbox.wiring import build_core, ensure_demo_account
from tests.notification_stub import NotificationService, notification_service


@pytest.fixture(autouse=True)
def automatic_collection_back_on() -> Iterator[None]:
    """The app turns Python's automatic collection off while it runs (``ui/gui_gc``); a test whose app did not shut
    down (it failed first) must not leave it off for the tests after it, which then fail for no fault of theirs."""
    yield
    if not gc.isenabled():
        gc.enable()


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


def started_demo_app(
    folder: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, *, clock: Clock | None = None, rows: int = 1
) -> InboxApp:
    """The whole app on the demo shop in ``folder``, started, its list holding at least ``rows``; no desktop
    notifications unless the test sets a bus. The caller shuts it down."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    core = build_core(paths_in(folder), clock=clock, secrets=MemorySecretStore())
    ensure_demo_account(core)
    app = InboxApp(core)
    qtbot.addWidget(app.window)
    app.start()
    qtbot.waitUntil(lambda: app.window.inbox_model.rowCount() >= rows, timeout=10_000)
    return app
