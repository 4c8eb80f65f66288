"""Ingest writes in bulk per poll; the inbox it leaves must not depend on how the messages were split into polls."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from socialinbox.domain import Conversation, Direction, Platform, PollResult, RemoteAuthor, RemoteMessage, Visibility
from socialinbox.storage.paging import InboxView
from socialinbox.storage.repository import Repository
from tests.fakes import T0, make_repository, remote_message


def busy_shop(count: int = 240, seed: int = 5) -> list[RemoteMessage]:
    """Threads that span polls: public reply chains, private chats, the shop answering, customers renaming."""
    rng = random.Random(seed)
    shop = RemoteAuthor("shop", "@shop", "The shop")
    messages: list[RemoteMessage] = []
    threads: list[dict[str, object]] = []
    for n in range(count):
        if not threads or rng.random() < 0.3:
            person = rng.randrange(25)
            private = rng.random() < 0.4
            threads.append({"person": person, "key": f"dm:{n}" if private else None, "last": None})
        thread = rng.choice(threads)
        inbound = thread["last"] is None or rng.random() < 0.6
        person = int(thread["person"])  # type: ignore[call-overload]
        author = RemoteAuthor(f"u{person}", f"@c{person}", f"Customer {person} v{n // 80}", followers=n)
        messages.append(
            remote_message(
                f"m{n}",
                author=author if inbound else shop,
                text=f"message {n}",
                sent_at=T0 + timedelta(minutes=n),
                visibility=Visibility.PRIVATE if thread["key"] else Visibility.PUBLIC,
                direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                thread_key=thread["key"],  # type: ignore[arg-type]
                in_reply_to=None if thread["key"] else thread["last"],  # type: ignore[arg-type]
            )
        )
        thread["last"] = f"m{n}"
    return messages


def ingest(folder: Path, messages: list[RemoteMessage], per_poll: int) -> Repository:
    folder.mkdir()
    repo = make_repository(folder)
    account_id = repo.add_account(Platform.MASTODON, "@shop", T0).id
    for start in range(0, len(messages), per_poll):
        repo.save_poll(account_id, PollResult(tuple(messages[start : start + per_poll]), f"c{start}"), T0)
    return repo


def inbox_state(repo: Repository) -> list[tuple[object, ...]]:
    found: list[Conversation] = []
    for view in (InboxView.ALL, InboxView.DONE, InboxView.SNOOZED):
        found += repo.conversations(view, limit=1000)

    def state(c: Conversation) -> tuple[object, ...]:
        messages = [m.remote_id for m in repo.messages(c.id)]
        return (messages, c.status, c.waiting_since, c.unread, c.message_count, c.preview, c.last_message_at,
                c.visibility, c.contact.remote_id, c.contact.display_name, c.contact.followers)  # fmt: skip

    return sorted((state(c) for c in found), key=lambda s: s[0])  # type: ignore[arg-type, return-value]


def test_one_big_poll_and_many_small_ones_leave_the_same_inbox(tmp_path: Path) -> None:
    messages = busy_shop()
    at_once = inbox_state(ingest(tmp_path / "one", messages, len(messages)))
    assert at_once == inbox_state(ingest(tmp_path / "sevens", messages, 7))
    assert at_once == inbox_state(ingest(tmp_path / "singles", messages, 1))
    assert sum(len(state[0]) for state in at_once) == sum(m.direction is Direction.INBOUND for m in messages) + sum(  # type: ignore[arg-type]
        m.direction is Direction.OUTBOUND for m in messages if m.thread_key or m.in_reply_to
    )


def test_a_poll_reports_every_new_message_with_the_conversation_it_joined(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    repo = make_repository(tmp_path / "db")
    account_id = repo.add_account(Platform.MASTODON, "@shop", T0).id
    saved = repo.save_poll(account_id, PollResult(tuple(busy_shop(120)), "c"), T0)
    by_id = {c.id: c for c in saved.conversations}
    assert len({m.id for m in saved.new_messages}) == len(saved.new_messages)
    for message in saved.new_messages:
        assert message.conversation_id in by_id
        assert message in repo.messages(message.conversation_id)  # every field as the table now holds it
    assert [m.id for m in saved.new_messages] == sorted(m.id for m in saved.new_messages)
    assert sorted(by_id) == sorted({m.conversation_id for m in saved.new_messages})
