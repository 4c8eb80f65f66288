"""The composer: templates by "/", free fields asked inline, exact per-channel limits, placeholders that block
sending, and the public-reply check with its one-click fixes and "Send anyway"."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from socialinbox.domain import Contact, Conversation, Message, Platform, Status, Visibility
from socialinbox.drafts import template_context
from socialinbox.settings import Settings
from socialinbox.templates import Template, TemplateLibrary, load_default_templates
from socialinbox.tone import Finding, ReviewContext, ToneChecker
from socialinbox.ui.views.composer import Composer, DraftSetup
from tests.fakes import T0

SETTINGS = Settings(shop_name="Crumb & Co.", owner_name="Mia", opening_hours="Mon-Sat 8-18")
CHECKER = ToneChecker()


@dataclasses.dataclass
class Services:
    """The app's side of the composer, with the real library and tone check."""

    library: TemplateLibrary = dataclasses.field(default_factory=load_default_templates)
    settings: Settings = SETTINGS
    account_settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    complaint: bool = False
    used: list[tuple[list[str], str]] = dataclasses.field(default_factory=list)

    def draft_setup(self, conversation: Conversation, messages: Sequence[Message]) -> DraftSetup:
        public = conversation.visibility is Visibility.PUBLIC
        suggestions = tuple(t for t in self.library if t.shortcut in ("hours", "away"))
        return DraftSetup(
            context=template_context(conversation, self.settings),
            library=self.library,
            suggestions=suggestions,
            review=ReviewContext("are you open?", complaint=self.complaint) if public else None,
            account_settings=self.account_settings,
            customer_message="are you open?",
        )

    def review(self, text: str, context: ReviewContext) -> list[Finding]:
        return CHECKER.review(text, public=True, context=context)

    def templates_used(self, names: Sequence[str], customer_message: str) -> None:
        self.used.append((list(names), customer_message))


def conversation(platform: Platform = Platform.MASTODON, visibility: Visibility = Visibility.PUBLIC) -> Conversation:
    contact = Contact(1, 1, "r1", "anna@other.social", "Anna Schmidt")
    return Conversation(7, 1, platform, contact, visibility, Status.NEEDS_REPLY, T0, "", T0)


@pytest.fixture
def services() -> Services:
    return Services()


def make_composer(qtbot: QtBot, services: Services, chat: Conversation | None = None) -> tuple[Composer, list[str]]:
    composer = Composer()
    qtbot.addWidget(composer)
    composer.set_services(services)
    composer.set_conversation(chat or conversation())
    composer.set_thread([])
    with qtbot.waitExposed(composer):
        composer.show()
    composer.activateWindow()  # shortcuts (Ctrl+Enter) fire in the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is composer, timeout=3000)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    return composer, sent


def type_slash_and(qtbot: QtBot, composer: Composer, query: str) -> None:
    composer.editor.setFocus()
    qtbot.keyClick(composer.editor, Qt.Key.Key_Slash)
    qtbot.keyClicks(composer.picker.query, query)


def test_slash_at_the_start_of_a_word_opens_the_picker_and_enter_inserts_the_best_match(
    qtbot: QtBot, services: Services
) -> None:
    composer, _ = make_composer(qtbot, services)
    type_slash_and(qtbot, composer, "hrs")
    assert composer.picker.isVisible() and composer.picker.visible_templates()[0].shortcut == "hours"
    qtbot.keyClick(composer.picker.query, Qt.Key.Key_Return)
    assert composer.editor.toPlainText() == "Hi Anna! We're open Mon-Sat 8-18. Hope to see you soon!"
    assert not composer.picker.isVisible() and composer.editor.hasFocus()


def test_a_slash_inside_a_word_is_just_a_slash(qtbot: QtBot, services: Services) -> None:
    composer, _ = make_composer(qtbot, services)
    qtbot.keyClicks(composer.editor, "and/or")
    assert composer.editor.toPlainText() == "and/or" and not composer.picker.isVisible()


def test_escape_gives_back_what_was_typed(qtbot: QtBot, services: Services) -> None:
    composer, _ = make_composer(qtbot, services)
    qtbot.keyClicks(composer.editor, "see ")
    type_slash_and(qtbot, composer, "menu")
    qtbot.keyClick(composer.picker.query, Qt.Key.Key_Escape)
    assert composer.editor.toPlainText() == "see /menu" and not composer.picker.isVisible()


def test_an_empty_picker_lists_the_suggestions_first(qtbot: QtBot, services: Services) -> None:
    composer, _ = make_composer(qtbot, services)
    composer.open_picker()
    shown = [t.shortcut for t in composer.picker.visible_templates()]
    assert shown[:2] == ["hours", "away"] and len(shown) == len(services.library)


def test_free_fields_are_asked_inline_then_filled_in(qtbot: QtBot, services: Services) -> None:
    composer, _ = make_composer(qtbot, services)
    type_slash_and(qtbot, composer, "price")
    qtbot.keyClick(composer.picker.query, Qt.Key.Key_Return)
    assert composer.fields.isVisible() and composer.editor.toPlainText() == ""
    qtbot.keyClicks(composer.fields.edit_for("field:item"), "The lemon tart")
    qtbot.keyClick(composer.fields.edit_for("field:item"), Qt.Key.Key_Return)  # to the next empty field
    qtbot.keyClicks(composer.fields.edit_for("field:price"), "£3.50")
    qtbot.keyClick(composer.fields.edit_for("field:price"), Qt.Key.Key_Return)
    assert composer.editor.toPlainText().startswith("Hi Anna! The lemon tart is £3.50.")
    assert composer.send_button.isEnabled()


def test_skipped_fields_stay_as_placeholders_that_block_sending(qtbot: QtBot, services: Services) -> None:
    composer, sent = make_composer(qtbot, services)
    composer.insert_template(services.library.get("Price question"))
    qtbot.keyClick(composer.fields.edit_for("field:item"), Qt.Key.Key_Escape)
    assert "{field:item} is {field:price}" in composer.editor.toPlainText()
    assert not composer.send_button.isEnabled()
    assert composer.problems.text().splitlines() == ["Fill in the field 'item'.", "Fill in the field 'price'."]
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == []


def test_a_missing_shop_detail_is_asked_like_a_field(qtbot: QtBot, services: Services) -> None:
    services.settings = dataclasses.replace(SETTINGS, opening_hours="")
    composer, _ = make_composer(qtbot, services)
    composer.insert_template(services.library.get("Opening hours"))
    qtbot.keyClicks(composer.fields.edit_for("opening_hours"), "daily 7-19")
    qtbot.keyClick(composer.fields.edit_for("opening_hours"), Qt.Key.Key_Return)
    assert "We're open daily 7-19." in composer.editor.toPlainText()


def test_two_templates_combine_into_one_reply(qtbot: QtBot, services: Services) -> None:
    composer, _ = make_composer(qtbot, services)
    composer.insert_template(services.library.get("Opening hours"))
    qtbot.keyClick(composer.editor, Qt.Key.Key_End)
    composer.insert_template(Template("Sign", "sign", "– {owner_name}, {shop_name}"))
    assert composer.editor.toPlainText().endswith("Hope to see you soon! – Mia, Crumb & Co.")


def test_suggested_templates_sit_above_the_editor_and_insert_with_alt_number(qtbot: QtBot, services: Services) -> None:
    composer, _ = make_composer(qtbot, services)
    assert [b.text() for b in composer.suggestion_buttons] == ["Opening hours", "Away reply"]
    assert "Alt+1" in composer.suggestion_buttons[0].toolTip()
    composer.suggestion_buttons[0].click()
    assert composer.editor.toPlainText().startswith("Hi Anna! We're open")


def test_the_counter_counts_the_mastodon_mention_against_the_instance_limit(qtbot: QtBot, services: Services) -> None:
    services.account_settings = {"max_characters": 20}
    composer, _ = make_composer(qtbot, services)
    composer.editor.setPlainText("Thanks a lot!")  # "@anna Thanks a lot!" is 19
    assert composer.counter.text() == "1 left" and composer.send_button.isEnabled()
    composer.editor.setPlainText("Thanks a lot!!!")
    assert composer.counter.text() == "1 over the 20 limit" and not composer.send_button.isEnabled()


@pytest.mark.parametrize(
    ("platform", "visibility", "text", "counter"),
    [
        (Platform.BLUESKY, Visibility.PUBLIC, "👍🏽" * 300, "0 left"),
        (Platform.BLUESKY, Visibility.PRIVATE, "a" * 1000, "0 left"),
        (Platform.X, Visibility.PUBLIC, "漢" * 141, "2 over the 280 limit"),
        (Platform.EMAIL, Visibility.PRIVATE, "a" * 5000, "5000 characters"),
    ],
)
def test_the_counter_is_exact_per_channel(
    qtbot: QtBot, services: Services, platform: Platform, visibility: Visibility, text: str, counter: str
) -> None:
    composer, _ = make_composer(qtbot, services, conversation(platform, visibility))
    composer.editor.setPlainText(text)
    assert composer.counter.text() == counter


def test_a_public_draft_with_findings_waits_for_send_anyway(qtbot: QtBot, services: Services) -> None:
    composer, sent = make_composer(qtbot, services)
    composer.editor.setPlainText("Actually, as we already said, we open at 8.")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == [] and composer.findings.isVisible()
    assert composer.findings.send_anyway_button.isVisible() and composer.findings.send_anyway_button.hasFocus()
    qtbot.keyClick(composer.findings.send_anyway_button, Qt.Key.Key_Return)
    assert sent == ["Actually, as we already said, we open at 8."]


def test_a_one_click_fix_rewrites_the_draft(qtbot: QtBot, services: Services) -> None:
    composer, sent = make_composer(qtbot, services)
    composer.editor.setPlainText("Actually we open at 8.")
    composer.refresh_findings()
    assert composer.findings.isVisible() and len(composer.findings.fix_buttons) == 1
    composer.findings.fix_buttons[0].click()
    assert composer.editor.toPlainText() == "We open at 8."
    assert not composer.findings.isVisible()
    composer.send_button.click()
    assert sent == ["We open at 8."]


def test_a_complaint_reply_is_checked_for_an_apology(qtbot: QtBot, services: Services) -> None:
    services.complaint = True
    composer, _ = make_composer(qtbot, services)
    composer.editor.setPlainText("The cake left the shop in perfect shape.")
    composer.refresh_findings()
    assert {f.code.value for f in composer.findings.findings} >= {"complaint-no-apology", "complaint-no-next-step"}


def test_a_private_reply_is_never_checked(qtbot: QtBot, services: Services) -> None:
    composer, sent = make_composer(qtbot, services, conversation(Platform.DEMO, Visibility.PRIVATE))
    composer.editor.setPlainText("Actually, CALL ME at 0161 496 0123!!!")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent == ["Actually, CALL ME at 0161 496 0123!!!"] and not composer.findings.isVisible()


def test_templates_used_in_a_sent_reply_are_reported_to_learn_from(qtbot: QtBot, services: Services) -> None:
    composer, _ = make_composer(qtbot, services)
    composer.insert_template(services.library.get("Opening hours"))
    composer.send_button.click()
    assert services.used == [(["Opening hours"], "are you open?")]
