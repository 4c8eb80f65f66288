"""The inbox's lean read path gives exactly what the ORM path gives, field by field, in the same order."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from socialinbox.domain import Contact, Conversation, Direction, Platform, PollResult, RemoteAuthor, Status, Visibility
from socialinbox.storage.convert import to_conversation
from socialinbox.storage.models import AccountRow, ContactRow, ConversationRow
from socialinbox.storage.paging import InboxView
from socialinbox.storage.repository import Repository
from socialinbox.storage.row_values import CONTACT_FIELDS, CONVERSATION_FIELDS
from tests.fakes import T0, make_repository, remote_message


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> Repository:
    repository = make_repository(tmp_path, database_url)
    shop = repository.add_account(Platform.MASTODON, "@shop", T0).id
    chats = repository.add_account(Platform.TELEGRAM, "@bot", T0).id
    for n in range(12):
        author = RemoteAuthor(f"u{n}", f"@c{n}", f"Zoë {n} 🌻" if n % 2 else "", followers=None if n % 3 else n * 10)
        message = remote_message(
            f"m{n}",
            author=author,
            text=f"order {n}\nsecond line",
            sent_at=T0 + timedelta(minutes=n, microseconds=n),
            visibility=Visibility.PRIVATE if n % 4 == 0 else Visibility.PUBLIC,
            thread_key=f"chat:{n}" if n % 4 == 0 else None,
        )
        repository.save_poll(chats if n % 4 == 0 else shop, PollResult((message,), "c"), T0)
    answer = remote_message("r3", direction=Direction.OUTBOUND, in_reply_to="m3", sent_at=T0 + timedelta(hours=1))
    repository.save_poll(shop, PollResult((answer,), "c"), T0)  # one conversation waits on its customer
    conversations = repository.conversations(InboxView.NEEDS_REPLY, limit=50)
    repository.mark_done(conversations[0].id)
    repository.snooze(conversations[1].id, T0 + timedelta(days=1))
    return repository


def _orm_conversations(repo: Repository) -> dict[int, Conversation]:
    query = (
        select(ConversationRow, ContactRow, AccountRow.platform)  # type: ignore[call-overload]
        .join(ContactRow, ContactRow.id == ConversationRow.contact_id)
        .join(AccountRow, AccountRow.id == ConversationRow.account_id)
    )
    with Session(repo._engine) as session:
        return {c.id: to_conversation(c, contact, platform) for c, contact, platform in session.execute(query)}


@pytest.mark.parametrize("view", list(InboxView))
def test_every_view_reads_the_same_values_as_the_orm_conversion(repo: Repository, view: InboxView) -> None:
    expected = _orm_conversations(repo)
    found = repo.conversations(view, limit=100)
    assert found, view
    for conversation in found:
        assert conversation == expected[conversation.id]
        assert conversation.last_message_at.tzinfo is not None


def test_pages_continue_exactly_where_the_last_one_ended(repo: Repository) -> None:
    everything = repo.conversations(InboxView.ALL, limit=100)
    paged: list[Conversation] = []
    page = repo.conversations(InboxView.ALL, limit=3)
    while page:
        paged += page
        page = repo.conversations(InboxView.ALL, limit=3, after=repo.page_after(InboxView.ALL, page[-1]))
    assert [c.id for c in paged] == [c.id for c in everything]


def test_needs_reply_streams_split_by_platform(repo: Repository) -> None:
    mastodon = repo.needs_reply_stream(only=[Platform.MASTODON])
    others = repo.needs_reply_stream(exclude=[Platform.MASTODON])
    assert {c.platform for c in mastodon} == {Platform.MASTODON}
    assert {c.platform for c in others} == {Platform.TELEGRAM}
    everything = repo.needs_reply_stream()
    assert sorted(c.id for c in everything) == sorted(c.id for c in mastodon + others)
    assert all(c.status is Status.NEEDS_REPLY for c in everything)
    waiting = [c.waiting_since for c in everything]
    assert waiting == sorted(waiting)  # type: ignore[type-var]


def test_the_lean_path_knows_every_field_of_the_values_it_builds() -> None:
    """Fails when Conversation or Contact gains a field: teach storage/conversation_rows.py about it."""
    conversation_fields = {f.name for f in dataclasses.fields(Conversation)}
    assert conversation_fields == {*CONVERSATION_FIELDS, "platform", "contact"}
    assert {f.name for f in dataclasses.fields(Contact)} == set(CONTACT_FIELDS)
