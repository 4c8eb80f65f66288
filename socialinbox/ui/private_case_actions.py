"""Take it private, as one case: a short public acknowledgement, a private chat with the same customer, and a
reminder to close the loop in public once the private chat is done. The case banner shows both halves.

Part of the answering tools (``ui/answering.py`` builds it and lends it the composer's services); its reads and
writes run on the background task runner and come back through the bridge like every other result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QObject

from socialinbox.domain import Conversation
from socialinbox.drafts import fill
from socialinbox.private_case import (
    ACKNOWLEDGEMENT_SHORTCUT,
    CLOSE_LOOP_SHORTCUT,
    OPENER_SHORTCUT,
    private_place,
    private_thread_key,
    unavailable_reason,
)
from socialinbox.storage.answering_queries import LinkedCase
from socialinbox.storage.repository import Repository
from socialinbox.sync.tasks import BackgroundTasks, TaskResult
from socialinbox.templates import Template, TemplateLibrary
from socialinbox.tone import Finding, ReviewContext
from socialinbox.ui.dialogs.take_private_dialog import TakePrivateDialog
from socialinbox.ui.main_window import MainWindow
from socialinbox.ui.views.notices import CaseBanner

FALLBACK_ACKNOWLEDGEMENT = "Sorry to hear this. We've sent you a direct message and we'll put it right there."


def case_of(repository: Repository, conversation_id: int) -> LinkedCase | None:
    """The conversation's case, if it is one half of one; None for a conversation that is gone meanwhile."""
    try:
        return repository.linked_case(conversation_id)
    except LookupError:
        return None


class Answering(Protocol):
    """What the case actions borrow from the answering tools around them (``AnsweringController``)."""

    @property
    def library(self) -> TemplateLibrary: ...

    def once_shown(self, conversation_id: int, action: Callable[[], None]) -> None: ...

    def open_conversation(self, conversation_id: int) -> None: ...

    def review(self, text: str, context: ReviewContext) -> list[Finding]: ...

    def templates_used(self, names: Sequence[str], customer_message: str) -> None: ...


class PrivateCaseActions(QObject):
    def __init__(
        self,
        window: MainWindow,
        repository: Repository,
        tasks: BackgroundTasks,
        answering: Answering,
        banner: CaseBanner,
        send_now: Callable[[], None],
        now: Callable[[], datetime],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._repository = repository
        self._tasks = tasks
        self._answering = answering
        self._send_now = send_now
        self._now = now
        self.banner = banner
        self.dialog: TakePrivateDialog | None = None  # the last one opened, for tests and screenshots
        banner.open_requested.connect(answering.open_conversation)
        banner.close_loop_requested.connect(self.on_close_loop)
        banner.loop_dismissed.connect(self.on_loop_dismissed)

    def on_task_result(self, result: TaskResult) -> None:
        """The results of this part's tasks (and "done", which may end a private chat); others are ignored."""
        if not result.ok:
            return
        if result.name == "take-private" and isinstance(result.value, Conversation):
            self._private_chat_ready(result.value)
        elif result.name == "done" and isinstance(result.value, Conversation):
            self._remind_to_close_loop(result.value)
        elif result.name == "close-loop":
            self.refresh_banner()
        elif result.name == "case":
            self._show_case(result.value, result.context)
        elif result.name == "loop-check":
            self._loop_checked(result.value, result.context)

    # --- take it private -------------------------------------------------------------------------

    def on_take_private(self) -> None:
        conversation = self._window.opened_conversation()
        if conversation is None:
            self._window.show_message("Open a conversation first.")
            return
        reason = unavailable_reason(conversation)
        if reason:
            self._window.show_message(reason, error=True)
            return
        setup = self._window.pane.composer.setup
        template = self._answering.library.by_shortcut(ACKNOWLEDGEMENT_SHORTCUT)
        text = fill(template, setup.context, {}) if template else FALLBACK_ACKNOWLEDGEMENT
        review = setup.review or ReviewContext()
        dialog = TakePrivateDialog(
            conversation.contact.name,
            private_place(conversation.platform),
            text,
            lambda draft: self._answering.review(draft, review),
            self._window,
        )
        dialog.accepted.connect(lambda: self._take_private(conversation, dialog.text, template))
        self.dialog = dialog
        dialog.open()

    def _take_private(self, public: Conversation, acknowledgement: str, template: Template | None) -> None:
        key = private_thread_key(public)
        if key is None or not acknowledgement:
            return
        now = self._now()

        def work() -> Conversation:
            self._repository.queue_reply(public.id, acknowledgement, now)
            return self._repository.open_private_conversation(public.id, key, now)

        if template is not None:
            self._answering.templates_used([template.name], self._window.pane.composer.setup.customer_message)
        self._tasks.run("take-private", work, context=public.id)

    def _private_chat_ready(self, private: Conversation) -> None:
        self._send_now()  # the public acknowledgement is queued: send it now
        self._answering.open_conversation(private.id)
        opener = self._answering.library.by_shortcut(OPENER_SHORTCUT)
        if opener is not None:
            self._answering.once_shown(private.id, lambda: self._window.pane.composer.prefill(opener))
        self._window.show_message(f"Acknowledged in public; now write to {private.contact.name} in private.")

    # --- closing the loop ------------------------------------------------------------------------

    def _remind_to_close_loop(self, conversation: Conversation) -> None:
        repository = self._repository
        self._tasks.run("loop-check", lambda: case_of(repository, conversation.id), context=conversation)

    def _loop_checked(self, case: LinkedCase | None, conversation: Conversation) -> None:
        if case is not None and case.loop_open and conversation.id == case.private.id:
            self._window.show_message(
                f"The private chat with {conversation.contact.name} is done: close the loop in the public thread?"
            )
            self.refresh_banner()

    def on_close_loop(self, public_id: int) -> None:
        self._answering.open_conversation(public_id)
        template = self._answering.library.by_shortcut(CLOSE_LOOP_SHORTCUT)
        if template is not None:
            self._answering.once_shown(public_id, lambda: self._window.pane.composer.prefill(template))
        self.on_loop_dismissed(public_id)

    def on_loop_dismissed(self, public_id: int) -> None:
        now = self._now()
        self._tasks.run("close-loop", lambda: self._repository.close_loop(public_id, now))

    # --- the banner ------------------------------------------------------------------------------

    def refresh_banner(self) -> None:
        """The shown conversation's case (public and private halves), read on the task runner."""
        shown = self._window.pane.conversation
        if shown is None:
            self.banner.show_case(None, 0)
            return
        if self.banner.shown_id != shown.id:  # another conversation's case must not show while this one's is read
            self.banner.show_case(None, shown.id)
        repository = self._repository
        self._tasks.run("case", lambda: case_of(repository, shown.id), context=shown.id)

    def _show_case(self, case: LinkedCase | None, conversation_id: int) -> None:
        shown = self._window.pane.conversation
        if shown is not None and shown.id == conversation_id:  # else the owner has moved on
            self.banner.show_case(case, conversation_id)
