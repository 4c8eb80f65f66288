"""The Google reviews page of the Add account dialog, against the fake Google, with the browser played by a test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform
from socialinbox.google_reviews_setup import Endpoints
from socialinbox.secrets import account_key
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog
from socialinbox.ui.dialogs.google_reviews_page import GoogleReviewsPage
from socialinbox.wiring import Core
from tests.connectors.fake_google import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_LOCATION,
    OTHER_TITLE,
    TITLE,
    FakeGoogle,
)


class Browser:
    def __init__(self) -> None:
        self.opened: list[str] = []

    def open(self, url: str) -> bool:
        self.opened.append(url)

        def go() -> None:
            with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as client:
                client.get(url)

        threading.Thread(target=go, daemon=True).start()
        return True


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(lambda: datetime.now(UTC)) as fake:
        yield fake
    assert fake.violations == []


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def page(core: Core, google: FakeGoogle, browser: Browser, qtbot: QtBot) -> GoogleReviewsPage:
    dialog = AddAccountDialog(PageContext(core, browser.open))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_platform(Platform.GOOGLE_REVIEWS)
    found = dialog.page_for(Platform.GOOGLE_REVIEWS)
    assert isinstance(found, GoogleReviewsPage)
    found.endpoints = Endpoints(google.auth_url, google.token_url, google.url, google.url, google.url)
    found.dialog = dialog  # type: ignore[attr-defined]
    return found


def fill(page: GoogleReviewsPage, qtbot: QtBot) -> None:
    qtbot.keyClicks(page.client_id, CLIENT_ID)
    qtbot.keyClicks(page.client_secret, CLIENT_SECRET)


def test_the_page_explains_the_oauth_client_the_approval_and_the_one_reply(page: GoogleReviewsPage) -> None:
    said = " ".join(label.text() for label in page.findChildren(type(page.status)))
    for needed in ("Google Cloud console", "Desktop app", "approve", "quota is 0", "replaces your earlier reply"):
        assert needed in said


def test_signing_in_in_the_browser_connects_the_location(page, core, browser, qtbot) -> None:
    fill(page, qtbot)
    assert page.client_secret.echoMode() == page.client_secret.EchoMode.Password
    with qtbot.waitSignal(page.dialog.account_connected, timeout=15_000) as connected:
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    account = connected.args[0]
    assert (account.platform, account.handle) == (Platform.GOOGLE_REVIEWS, TITLE) and len(browser.opened) == 1
    assert CLIENT_SECRET in core.secrets.get(account_key(account.id))
    assert page.client_secret.text() == ""  # the secret does not stay in the field


def test_naming_one_of_several_locations_needs_no_second_sign_in(page, core, google, browser, qtbot) -> None:
    google.locations[ACCOUNT].append((OTHER_LOCATION, OTHER_TITLE))
    fill(page, qtbot)
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: OTHER_TITLE in page.status.text(), timeout=15_000)
    assert core.repository.accounts() == [] and "Location" in page.status.text()
    qtbot.keyClicks(page.location, OTHER_TITLE)
    with qtbot.waitSignal(page.dialog.account_connected, timeout=15_000) as connected:
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    assert connected.args[0].settings["location"] == OTHER_LOCATION
    assert len(browser.opened) == 1 and len(google.requests_to("POST token")) == 1


def test_a_declined_sign_in_is_explained(page, core, google, qtbot) -> None:
    google.decline = True
    fill(page, qtbot)
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in page.status.text(), timeout=15_000)
    assert core.repository.accounts() == [] and page.connect_button.isEnabled()
