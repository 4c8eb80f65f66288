"""Building the main window reads the first page of "Needs reply" once, and shows it as the chosen entry."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pytestqt.qtbot import QtBot

from socialinbox.domain import Platform, PollResult
from socialinbox.storage.paging import InboxView
from socialinbox.ui.inbox_sources import InboxSource, inbox_sources
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.models.navigation_model import NavEntry, NavigationModel
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
