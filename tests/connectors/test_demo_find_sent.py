"""The demo channel remembers what it posted, so a reply whose answer was lost is found instead of sent twice."""

from __future__ import annotations

import httpx

from socialinbox.connectors.base import FindsSentReplies
from socialinbox.connectors.demo import DemoConnector
from socialinbox.domain import OutgoingReply, RemoteAuthor, Visibility
from tests.conftest import FakeClock


def _reply(key: str) -> OutgoingReply:
    author = RemoteAuthor("demo-user-anna", "anna", "Anna")
    return OutgoingReply(1, key, "Thanks!", Visibility.PUBLIC, None, "demo-7-1", author)


def test_a_sent_demo_reply_is_found_by_its_idempotency_key(clock: FakeClock) -> None:
    demo = DemoConnector(clock)
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(599)))
    assert isinstance(demo, FindsSentReplies)
    assert demo.find_sent(client, "", _reply("k1")) is None
    sent = demo.send(client, "", _reply("k1"))
    assert demo.find_sent(client, "", _reply("k1")) == sent
    assert demo.find_sent(client, "", _reply("k2")) is None
