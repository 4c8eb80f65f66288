"""A message the platform sends again with a new text (Telegram edits) is updated in place, never stored twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from socialinbox.domain import Direction, Platform, PollResult, Status
from socialinbox.storage.models import MessageRow
from socialinbox.storage.repository import Repository
from tests.fakes import T0, make_repository, remote_message


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> Repository:
    return make_repository(tmp_path, database_url)


@pytest.fixture
def account_id(repo: Repository) -> int:
    return repo.add_account(Platform.TELEGRAM, "@shop_bot", T0).id


def poll(*messages) -> PollResult:  # type: ignore[no-untyped-def]
    return PollResult(tuple(messages), "c1")


def edited_flags(repo: Repository) -> dict[str, bool]:
    with Session(repo._engine) as session:
        return {row.remote_id: row.edited for row in session.scalars(select(MessageRow))}


def test_an_edited_customer_message_replaces_the_text_and_is_flagged(repo: Repository, account_id: int) -> None:
    repo.save_poll(account_id, poll(remote_message("1:5", text="Do you have rye bred?")), T0)

    saved = repo.save_poll(account_id, poll(remote_message("1:5", text="Do you have rye bread?")), T0)

    (conversation,) = saved.conversations
    assert saved.new_messages == ()  # not new: no notification
    assert [m.text for m in repo.messages(conversation.id)] == ["Do you have rye bread?"]
    assert conversation.preview == "Do you have rye bread?"
    assert conversation.unread == 1 and conversation.message_count == 1
    assert edited_flags(repo) == {"1:5": True}


def test_the_same_text_again_is_no_edit_and_touches_nothing(repo: Repository, account_id: int) -> None:
    repo.save_poll(account_id, poll(remote_message("1:5")), T0)

    saved = repo.save_poll(account_id, poll(remote_message("1:5")), T0)

    assert (saved.new_messages, saved.conversations) == ((), ())
    assert edited_flags(repo) == {"1:5": False}


def test_an_edit_does_not_restart_the_clock_of_an_answered_conversation(repo: Repository, account_id: int) -> None:
    question = remote_message("1:5", text="Open on Sunday?")
    answer = remote_message("1:6", direction=Direction.OUTBOUND, in_reply_to="1:5", sent_at=T0 + timedelta(minutes=4))
    repo.save_poll(account_id, poll(question, answer), T0)

    saved = repo.save_poll(account_id, poll(remote_message("1:5", text="Open on Sunday morning?")), T0)

    (conversation,) = saved.conversations
    assert conversation.status is Status.WAITING
    assert conversation.preview.startswith("You: ")  # the latest message is still the shop's answer


def test_a_message_and_its_edit_in_one_poll_store_the_newest_text_once(repo: Repository, account_id: int) -> None:
    saved = repo.save_poll(
        account_id, poll(remote_message("1:5", text="See you at 5"), remote_message("1:5", text="See you at 6")), T0
    )

    assert [m.text for m in saved.new_messages] == ["See you at 6"]
    assert edited_flags(repo) == {"1:5": True}


def test_the_shops_own_reply_coming_back_reworded_is_left_as_stored(repo: Repository, account_id: int) -> None:
    repo.save_poll(account_id, poll(remote_message("1:5")), T0)
    mine = {"direction": Direction.OUTBOUND, "in_reply_to": "1:5", "sent_at": T0 + timedelta(minutes=1)}
    repo.save_poll(account_id, poll(remote_message("1:6", text="Yes!", **mine)), T0)  # type: ignore[arg-type]

    repo.save_poll(account_id, poll(remote_message("1:6", text="@customer1 Yes!", **mine)), T0)  # type: ignore[arg-type]

    conversation_id = repo.conversations()[0].id
    assert repo.messages(conversation_id)[-1].text == "Yes!"
    assert edited_flags(repo)["1:6"] is False
