"""The last look before a reply that has waited goes out: stale replies are held for the owner, fresh ones go."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from socialinbox.domain import HELD_PREFIX, Direction, OutboxState, Platform, PollResult, Visibility
from socialinbox.sync.presend import STALE_AFTER
from tests.fakes import FakeConnector, customer, remote_message
from tests.sync.conftest import SyncWorld


@dataclasses.dataclass
class CheckingConnector(FakeConnector):
    """A fake platform that knows which customer messages were deleted."""

    deleted: set[str] = dataclasses.field(default_factory=set)
    checked: list[str] = dataclasses.field(default_factory=list)

    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        self.checked.append(remote_id)
        return remote_id not in self.deleted


def _world_with_thread(
    world: SyncWorld, platform: Platform = Platform.MASTODON, visibility: Visibility = Visibility.PUBLIC
) -> tuple[int, int, CheckingConnector]:
    account = world.add_account(platform)
    key = int(world.repo.account(account).settings["fake"])
    fake = CheckingConnector(platform=platform, clock=world.clock)
    world.fakes[key] = fake
    thread_key = "dm:1" if visibility is Visibility.PRIVATE else None
    first = remote_message("m1", sent_at=world.clock.now(), visibility=visibility, thread_key=thread_key)
    fake.script.append(PollResult((first,), "c1"))
    (conversation,) = world.service.poll_account(account).conversations
    return account, conversation.id, fake


def _poll(world: SyncWorld, account: int, fake: CheckingConnector, *messages: object) -> None:
    fake.script.append(PollResult(tuple(messages), "c2"))  # type: ignore[arg-type]
    world.service.poll_account(account)


def test_a_fresh_reply_goes_without_a_check(world: SyncWorld) -> None:
    _, conversation, fake = _world_with_thread(world)
    world.repo.queue_reply(conversation, "We open at 8", world.clock.now())
    world.clock.advance(seconds=STALE_AFTER.total_seconds() - 1)
    (report,) = world.sender.send_due()
    assert report.item.state is OutboxState.SENT and fake.checked == []


def test_a_reply_that_waited_and_is_still_right_goes(world: SyncWorld) -> None:
    _, conversation, fake = _world_with_thread(world)
    world.repo.queue_reply(conversation, "We open at 8", world.clock.now())
    world.clock.advance(minutes=30)
    (report,) = world.sender.send_due()
    assert report.item.state is OutboxState.SENT and fake.checked == ["m1"]


def test_a_reply_is_held_when_the_customer_wrote_again(world: SyncWorld) -> None:
    account, conversation, fake = _world_with_thread(world)
    world.repo.queue_reply(conversation, "We open at 8", world.clock.now())
    world.clock.advance(minutes=5)
    _poll(world, account, fake, remote_message("m2", text="never mind!", sent_at=world.clock.now(), in_reply_to="m1"))
    world.clock.advance(minutes=5)
    (report,) = world.sender.send_due()
    assert report.item.state is OutboxState.FAILED and report.item.held
    assert "the customer sent a new message after you wrote this" in report.item.last_error
    assert fake.posted == []


def test_a_reply_is_held_when_someone_answered_on_the_platform(world: SyncWorld) -> None:
    account, conversation, fake = _world_with_thread(world)
    world.repo.queue_reply(conversation, "We open at 8", world.clock.now())
    world.clock.advance(minutes=5)
    answer = remote_message(
        "app-1", author=customer(0), direction=Direction.OUTBOUND, sent_at=world.clock.now(), in_reply_to="m1"
    )
    _poll(world, account, fake, answer)
    (report,) = world.sender.send_due()
    assert report.item.held and "someone already answered on the platform itself" in report.item.last_error


def test_a_reply_is_held_when_the_original_was_deleted(world: SyncWorld) -> None:
    _, conversation, fake = _world_with_thread(world)
    fake.deleted.add("m1")
    world.repo.queue_reply(conversation, "We open at 8", world.clock.now())
    world.clock.advance(minutes=10)
    (report,) = world.sender.send_due()
    assert report.item.held and "has been deleted" in report.item.last_error


@pytest.mark.parametrize(("waited_hours", "held"), [(23, False), (25, True)])
def test_a_private_reply_is_held_once_the_messaging_window_closed(
    world: SyncWorld, waited_hours: int, held: bool
) -> None:
    _, conversation, _ = _world_with_thread(world, Platform.FACEBOOK, Visibility.PRIVATE)
    world.repo.queue_reply(conversation, "Sorry for the wait!", world.clock.now())
    world.clock.advance(hours=waited_hours)
    (report,) = world.sender.send_due()
    assert report.item.held is held
    assert ("24-hour messaging window closed" in report.item.last_error) is held


def test_a_chat_taken_private_from_a_comment_is_left_to_the_platforms_private_reply_rule(world: SyncWorld) -> None:
    """The customer's last direct message is days old, but the chat was taken private from a comment of today:
    Instagram's private reply to that comment is allowed (within 7 days), so the window does not hold it."""
    account = world.add_account(Platform.INSTAGRAM)
    fake = CheckingConnector(platform=Platform.INSTAGRAM, clock=world.clock)
    world.fakes[int(world.repo.account(account).settings["fake"])] = fake
    author = customer(1)
    old_dm = remote_message(
        "dm-1", author=author, sent_at=world.clock.now(), visibility=Visibility.PRIVATE, thread_key="dm:user-1"
    )
    fake.script.append(PollResult((old_dm,), "c1"))
    world.service.poll_account(account)
    world.clock.advance(hours=72)
    _poll(world, account, fake, remote_message("c-1", author=author, text="Broken again!", sent_at=world.clock.now()))
    public = next(c for c in world.repo.conversations(limit=10) if c.visibility is Visibility.PUBLIC)
    private = world.repo.open_private_conversation(public.id, "dm:user-1", world.clock.now())
    world.repo.queue_reply(private.id, "So sorry, let's sort it out here.", world.clock.now())
    world.clock.advance(minutes=10)  # it waited: the last look runs
    (report,) = world.sender.send_due()
    assert report.item.state is OutboxState.SENT, report.item.last_error
    assert [r.taken_from for r in fake.posted] == ["c-1"]


def test_the_window_does_not_apply_to_public_replies_or_other_channels(world: SyncWorld) -> None:
    _, conversation, _ = _world_with_thread(world, Platform.TELEGRAM, Visibility.PRIVATE)
    world.repo.queue_reply(conversation, "Sorry for the wait!", world.clock.now())
    world.clock.advance(hours=48)
    assert world.sender.send_due()[0].item.state is OutboxState.SENT


def test_send_anyway_sends_a_held_reply_once_and_discard_removes_it(world: SyncWorld) -> None:
    account, conversation, fake = _world_with_thread(world)
    kept = world.repo.queue_reply(conversation, "We open at 8", world.clock.now())
    dropped = world.repo.queue_reply(conversation, "Also: bring cash", world.clock.now())
    world.clock.advance(minutes=5)
    _poll(world, account, fake, remote_message("m2", text="hello?", sent_at=world.clock.now(), in_reply_to="m1"))
    reports = world.sender.send_due()
    assert all(report.item.held for report in reports) and len(reports) == 2
    assert world.sender.send_due() == []  # held replies wait for the owner
    world.repo.confirm_reply(kept.id, world.clock.now())
    world.repo.discard_reply(dropped.id)
    world.clock.advance(minutes=10)  # sent later than STALE_AFTER after confirming: nothing new since, so it goes
    (report,) = world.sender.send_due()
    assert report.item.id == kept.id and report.item.state is OutboxState.SENT
    assert [r.text for r in fake.posted] == ["We open at 8"]
    assert [i.id for i in world.repo.outbox(conversation)] == [kept.id]


def test_held_reasons_are_marked_so_the_window_can_tell_them_from_failures(world: SyncWorld) -> None:
    _, conversation, fake = _world_with_thread(world)
    fake.deleted.add("m1")
    world.repo.queue_reply(conversation, "hi", world.clock.now())
    world.clock.advance(minutes=3)
    (report,) = world.sender.send_due()
    assert report.item.last_error.startswith(HELD_PREFIX)
    assert report.item.last_error.endswith("Send it anyway, or discard it.")
