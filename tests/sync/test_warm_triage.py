from __future__ import annotations

from socialinbox.domain import Contact, Conversation, Platform, Status, Visibility
from socialinbox.sync.tasks import TaskResult
from socialinbox.sync.warm_triage import warm_then
from socialinbox.triage import Triage, TriageCache
from tests.fakes import T0


def conversation(status: Status = Status.NEEDS_REPLY) -> Conversation:
    contact = Contact(1, 1, "u1", "@u1", "Customer 1")
    return Conversation(1, 1, Platform.MASTODON, contact, Visibility.PUBLIC, status, T0, "Where is my order?", T0)


def test_triage_is_warmed_before_a_result_is_published() -> None:
    seen: list[int] = []
    cache = TriageCache(Triage())
    publish = warm_then(cache, lambda result: seen.append(len(cache)))
    publish(conversation())
    assert seen == [1]


def test_only_conversations_that_need_a_reply_are_scored_and_everything_is_published() -> None:
    published: list[object] = []
    cache = TriageCache(Triage())
    publish = warm_then(cache, published.append)
    done = TaskResult("mark-done", conversation(status=Status.DONE))
    publish(done)
    publish("something else")
    assert len(cache) == 0
    assert published == [done, "something else"]
