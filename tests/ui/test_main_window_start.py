"""Building the main window reads the first page of "Needs reply" once, and shows it as the chosen entry."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QWidget
from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform, PollResult
from socialinbox.storage.paging import InboxCounts, InboxView
from socialinbox.ui.inbox_sources import InboxSource, inbox_sources
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.models.navigation_model import NavEntry, NavigationModel
from socialinbox.ui.views.conversation_pane import ComposerStandIn
from tests.fakes import T0, make_repository, remote_message


def test_the_first_page_is_read_once_when_the_window_is_built(tmp_path: Path, qtbot: QtBot) -> None:
    repository = make_repository(tmp_path)
    account = repository.add_account(Platform.MASTODON, "@shop", T0)
    repository.save_poll(account.id, PollResult((remote_message("a"), remote_message("b")), "c"), T0)
    real = inbox_sources(lambda: repository)
    reads: list[InboxView] = []

    def counted(view: InboxView, account_id: int | None) -> InboxSource:
        source = real(view, account_id)

        def fetch_page(after: object, limit: int) -> list[object]:
            reads.append(view)
            return source.fetch_page(after, limit)  # type: ignore[arg-type,return-value]

        return dataclasses.replace(source, fetch_page=fetch_page)  # type: ignore[arg-type]

    window = MainWindow(counted, lambda: T0)
    qtbot.addWidget(window)

    assert reads == [InboxView.NEEDS_REPLY]
    assert window.inbox_model.rowCount() == 2
    chosen = window.navigation.currentIndex().data(NavigationModel.EntryRole)
    assert isinstance(chosen, NavEntry) and chosen.view is InboxView.NEEDS_REPLY


def test_a_warning_shown_while_the_app_starts_outlives_the_starting_message(tmp_path: Path, qtbot: QtBot) -> None:
    repository = make_repository(tmp_path)
    window = MainWindow(inbox_sources(lambda: repository), lambda: T0)
    qtbot.addWidget(window)
    window.show_starting()
    window.show_message("Sign-ins will not be kept: no keyring was found.", error=True)
    window.hide_starting()
    assert window.statusBar().currentMessage() == "Sign-ins will not be kept: no keyring was found."


def test_the_count_needing_a_reply_goes_out_to_whoever_shows_it(tmp_path: Path, qtbot: QtBot) -> None:
    """The tray's number (``InboxApp`` connects ``needs_reply_counted`` to it) and the window's title."""
    repository = make_repository(tmp_path)
    window = MainWindow(inbox_sources(lambda: repository), lambda: T0)
    qtbot.addWidget(window)
    heard: list[int] = []
    window.needs_reply_counted.connect(heard.append)
    by_view = dict.fromkeys(InboxView, 0) | {InboxView.NEEDS_REPLY: 4, InboxView.ALL: 4}
    window.set_counts(InboxCounts(by_view=by_view, needs_reply_by_account={}))
    assert heard == [4]
    assert window.windowTitle() == "Social Inbox (4 need a reply)"


def test_a_stand_in_replaced_by_the_real_part_is_hidden_at_once(tmp_path: Path, qtbot: QtBot) -> None:
    """Out of the layout, a stand-in stayed visible until deleted; built and replaced at once, it sat over the
    pane's title (seen in a screenshot)."""
    repository = make_repository(tmp_path)
    window = MainWindow(inbox_sources(lambda: repository), lambda: T0, composer_later=True)
    qtbot.addWidget(window)
    window.show()
    pane = window.pane
    stand_ins = [*pane.findChildren(ComposerStandIn), *pane.findChildren(QCheckBox)]
    assert stand_ins and all(widget.isVisible() for widget in stand_ins)
    pane.install_composer()
    pane.add_footer(QWidget())
    assert not any(widget.isVisible() for widget in stand_ins)  # before their deletion, which comes later
