"""Connector results for the write benchmarks: what polls of a busy shop bring, as ``PollResult`` values.

Threads stay open across polls, so later polls reply to messages stored by earlier ones (the database lookups of
ingest are exercised, not only its in-memory index). Public threads chain with ``in_reply_to``; private chats share a
``thread_key``; the shop's own replies (outbound) are mixed in as a platform's own app would show them.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

from bench.corpus import TextMaker
from socialinbox.domain import Direction, PollResult, RemoteAuthor, RemoteMessage, Visibility

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # after the generated history ends


@dataclasses.dataclass
class _Thread:
    key: str | None  # private chats
    last_id: str | None  # public threads reply to the latest message
    author: RemoteAuthor
    visibility: Visibility
    left: int


def poll_batches(
    total: int, batch: int, account_ids: list[int], seed: int = 7, start: datetime | None = None
) -> list[tuple[int, PollResult]]:
    """``total`` messages for the accounts, as polls of ``batch`` messages, in the order they would arrive."""
    rng = random.Random(seed)
    share, extra = divmod(total, len(account_ids))
    counts = [share + (1 if n < extra else 0) for n in range(len(account_ids))]
    streams = [
        _stream(rng, count, f"a{account_id}", start or START)
        for account_id, count in zip(account_ids, counts, strict=True)
    ]
    polls: list[tuple[int, PollResult]] = []
    offset = 0
    while any(offset < len(stream) for stream in streams):
        for account_id, stream in zip(account_ids, streams, strict=True):
            chunk = stream[offset : offset + batch]
            if chunk:
                polls.append((account_id, PollResult(tuple(chunk), f"cursor-{offset + len(chunk)}")))
        offset += batch
    return polls


def _stream(rng: random.Random, count: int, prefix: str, start: datetime) -> list[RemoteMessage]:
    texts = TextMaker(rng)
    shop = RemoteAuthor(f"{prefix}-shop", f"@shop-{prefix}", "The shop")
    people = [
        RemoteAuthor(f"{prefix}-u{n}", *texts.person(), followers=rng.randrange(5_000)) for n in range(count // 12 + 1)
    ]
    threads: list[_Thread] = []
    messages: list[RemoteMessage] = []
    moment = start
    for n in range(count):
        moment += timedelta(seconds=rng.expovariate(1 / 20))
        remote_id = f"{prefix}-m{n}"
        if not threads or rng.random() < 0.3:
            private = rng.random() < 0.4
            thread = _Thread(
                key=f"chat:{prefix}-{n}" if private else None,
                last_id=None,
                author=rng.choice(people),
                visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
                left=rng.choice((1, 1, 2, 3, 5, 8, 20, 60)),
            )
            threads.append(thread)
            inbound = True
        else:
            thread = rng.choice(threads)
            inbound = rng.random() < 0.6
        messages.append(
            RemoteMessage(
                remote_id=remote_id,
                author=thread.author if inbound else shop,
                text=texts.customer_text() if inbound else texts.shop_text(),
                sent_at=moment,
                visibility=thread.visibility,
                direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                thread_key=thread.key,
                in_reply_to=thread.last_id if thread.key is None else None,
            )
        )
        thread.last_id = remote_id
        thread.left -= 1
        if thread.left <= 0:
            threads.remove(thread)
    return messages
