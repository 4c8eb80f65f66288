"""The "Add account" dialog: the platforms on the left, one page per platform on the right.

Each platform brings its own page (an ``AccountPage``); ``PAGES`` lists them, so a new platform plugs in by adding
its page class there. The same dialog reconnects an account: then only that platform's page shows, set to sign the
account in again, and every conversation stays.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from socialinbox.domain import Account, Platform
from socialinbox.ui.dialogs.account_page import AccountPage, PageContext
from socialinbox.ui.dialogs.bluesky_page import BlueskyPage
from socialinbox.ui.dialogs.email_page import EmailPage
from socialinbox.ui.dialogs.facebook_page import FacebookPage
from socialinbox.ui.dialogs.google_reviews_page import GoogleReviewsPage
from socialinbox.ui.dialogs.instagram_page import InstagramPage
from socialinbox.ui.dialogs.mastodon_page import MastodonPage
from socialinbox.ui.dialogs.telegram_page import TelegramPage
from socialinbox.ui.dialogs.x_page import XPage
from socialinbox.ui.views.platform_style import platform_colour

PAGES: tuple[type[AccountPage], ...] = (
    MastodonPage,
    BlueskyPage,
    TelegramPage,
    EmailPage,
    FacebookPage,
    InstagramPage,
    XPage,
    GoogleReviewsPage,
)
"""One page per platform, in the order the dialog lists them; a new platform adds its page here."""


class AddAccountDialog(QDialog):
    """Signals:
    account_connected(object): a new Account was added (the caller schedules its polling).
    account_reconnected(object): the Account given as ``reconnect`` signed in again (the caller resumes polling).
    """

    account_connected = Signal(object)
    account_reconnected = Signal(object)

    def __init__(
        self,
        context: PageContext,
        *,
        pages: Sequence[type[AccountPage]] = PAGES,
        reconnect: Account | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reconnect {reconnect.label}" if reconnect else "Add an account")
        self.resize(760, 560)
        self.platforms = QListWidget(self)
        self.platforms.setAccessibleName("Platforms")
        self.platforms.setIconSize(QSize(14, 14))
        self.platforms.setFixedWidth(230)
        self.platforms.setSpacing(3)
        self.platforms.setWordWrap(True)  # the one-line blurbs wrap instead of hiding behind a scroll bar
        self.platforms.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self)
        self.pages: list[AccountPage] = []
        for page_type in pages:
            if reconnect is None or page_type.platform is reconnect.platform:
                self._add_page(page_type(context, self.stack))
        self.platforms.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.platforms.setVisible(reconnect is None)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(self.platforms)
        top.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(buttons)
        if reconnect is not None and self.pages:
            self.pages[0].set_reconnect(reconnect)
        if self.pages:
            self.platforms.setCurrentRow(0)

    def _add_page(self, page: AccountPage) -> None:
        self.pages.append(page)
        self.stack.addWidget(page)
        item = QListWidgetItem(f"{page.title}\n{page.blurb}", self.platforms)
        item.setData(Qt.ItemDataRole.DecorationRole, platform_colour(page.platform))
        item.setData(Qt.ItemDataRole.UserRole, page.platform.value)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{page.title}: {page.blurb}")
        page.connected.connect(self._on_connected)
        page.reconnected.connect(self._on_reconnected)
        page.busy_changed.connect(lambda busy: self.platforms.setEnabled(not busy))

    def page_for(self, platform: Platform) -> AccountPage | None:
        return next((page for page in self.pages if page.platform is platform), None)

    def show_platform(self, platform: Platform) -> None:
        page = self.page_for(platform)
        if page is not None:
            self.platforms.setCurrentRow(self.pages.index(page))

    def _on_connected(self, account: object) -> None:
        self.account_connected.emit(account)
        self.accept()

    def _on_reconnected(self, account: object) -> None:
        self.account_reconnected.emit(account)
        self.accept()

    def done(self, result: int) -> None:
        """Override QDialog::done: whatever closes the dialog, no page keeps waiting for a browser."""
        for page in self.pages:
            page.stop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        for page in self.pages:
            page.stop()
        super().closeEvent(event)
