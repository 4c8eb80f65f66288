"""What the Bluesky connector tests share: a started fake, a signed-in token, a connector on the fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from socialinbox.connectors.bluesky import BlueskyConnector
from socialinbox.connectors.bluesky_session import create_session
from socialinbox.domain import OutgoingReply, RemoteAuthor, RemoteMessage, Visibility
from tests.conftest import FakeClock
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import APP_PASSWORD, SHOP_HANDLE
from tests.lexicon_contract import LexiconContract


@contextmanager
def running_fake(clock: FakeClock, **options: Any) -> Iterator[FakeBluesky]:
    """A started fake that checks every exchange against the lexicons (where present) and fails the test on any
    violation when it stops."""
    with FakeBluesky(LexiconContract.load_if_present(), clock.now, **options) as fake:
        yield fake
        assert fake.violations == [], "\n".join(fake.violations)


def sign_in(fake: FakeBluesky, client: httpx.Client, clock: FakeClock) -> str:
    session = create_session(client, fake.url, SHOP_HANDLE, APP_PASSWORD, plc_url=fake.url, now=clock.now())
    return session.to_token()


def connector(fake: FakeBluesky, clock: FakeClock, **options: Any) -> BlueskyConnector:
    return BlueskyConnector(handle=SHOP_HANDLE, plc_url=fake.url, clock=clock, **options)


def reply_to(message: RemoteMessage, text: str, *, outbox_id: int = 1) -> OutgoingReply:
    """The reply the outbox would build for ``message``'s conversation."""
    return OutgoingReply(
        outbox_id=outbox_id,
        idempotency_key=f"key-{outbox_id}",
        text=text,
        visibility=message.visibility,
        thread_key=message.thread_key,
        in_reply_to=message.remote_id,
        recipient=RemoteAuthor(message.author.remote_id, message.author.handle, message.author.display_name),
    )


def private_reply(recipient: RemoteAuthor, text: str, thread_key: str | None = None) -> OutgoingReply:
    return OutgoingReply(1, "key-1", text, Visibility.PRIVATE, thread_key, None, recipient)
