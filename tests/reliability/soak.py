"""R8's run, shared by the test (small) and the long run (100,000 messages): 24 hours compressed by a fake clock.

Five accounts (two Mastodon servers, a Telegram bot, two demo shops), and a sixth, an e-mail shop on the real
Dovecot and aiosmtpd behind fault-injecting proxies, where those can run (``soak_mail``), poll as the scheduler would
(each when its report says, backing off and waiting out rate limits), faults are injected at random on every real
platform, the owner answers and closes conversations, the outbox sends, and the clock's reminder tick runs.
Measured: the process's memory after warm-up and at the end, messages written versus stored, reminders delivered
versus due.

The platforms here hold O(1) state (Mastodon's mentions are numbered and generated on demand; Telegram's fake is
pruned as it goes; the mail shop's lists of what it wrote and what its SMTP server took are emptied each round;
Dovecot is a process of its own), so the process's memory is the app's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import gc
import os
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from socialinbox.domain import Health, Platform
from socialinbox.responsetime import ReminderKind, ResponsePolicy
from socialinbox.storage.paging import InboxView
from socialinbox.sync.reminders import ClockTick, ReminderBatch
from tests.connectors.fake_telegram import FakeTelegram
from tests.faults import TELEGRAM, Fault, faults_for
from tests.reliability.mail_platform import MailShop, mail_servers, mail_shop, unavailable
from tests.reliability.mail_sends import imap_mix, smtp_mix
from tests.reliability.platforms import FakeMastodon, Live, TelegramPlatform, mastodon_live
from tests.reliability.world import World


class NumberedMastodon(FakeMastodon):
    """Mentions numbered 1..written, generated from their number when asked for: memory does not grow with them."""

    def __init__(self, host: str, now: Any) -> None:
        super().__init__(host, now=now)
        self.written = 0
        self._base = 500_000_000_000_000_000

    def customer_writes(self, count: int = 1, **_: Any) -> list[str]:
        with self._lock:
            self.written += count
        return []

    def _page(self, items: list[dict[str, Any]], params: httpx.QueryParams, path: str) -> httpx.Response:
        if "notifications" not in path:
            self.created[:] = self.created[-300:]  # the shop's own posts: only recent ones are ever looked up
            return super()._page(items, params, path)
        limit, last = min(int(params.get("limit", "40")), 80), self._base + self.written
        if "min_id" in params:
            low = int(params["min_id"]) + 1
            numbers = list(range(min(low + limit, last + 1) - 1, low - 1, -1))
        else:
            high = min(int(params.get("max_id", str(last + 1))) - 1, last)
            numbers = list(range(high, max(high - limit, self._base), -1))
        return super()._page([self._mention(n) for n in numbers], httpx.QueryParams(), path)

    def _post_status(self, request: httpx.Request) -> httpx.Response:
        answer = super()._post_status(request)
        if len(self.statuses_by_key) > 500:  # only a recent reply is ever sent again with the same key
            for key in list(self.statuses_by_key)[:-300]:
                del self.statuses_by_key[key]
            self.post_attempts.clear()
        return answer

    def _status_or_context(self, rest: str) -> httpx.Response:
        status_id = rest.partition("/")[0]
        if status_id.isdigit() and self._base < int(status_id) <= self._base + self.written:
            if rest.endswith("/context"):
                answers = [s for s in self.created if s.get("in_reply_to_id") == status_id]
                return self._json({"ancestors": [], "descendants": answers})
            return self._json(self._mention(int(status_id))["status"])
        return super()._status_or_context(rest)

    def _mention(self, number: int) -> dict[str, Any]:
        person = number % 23
        account = self._account(f"30000{person}", f"buyer{person}")
        status = self._status(str(number), f"<p>@cornerbakery is order {number} ready?</p>", "public", account)
        return {
            "id": str(number),
            "type": "mention",
            "created_at": status["created_at"],
            "account": account,
            "status": status,
        }


class DeliveredLog:
    """Every reminder delivered, kept on disk: a day of 100,000 messages delivers over 100,000 reminders, and
    holding them in memory would be the test's growth, not the app's."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS delivered (key TEXT PRIMARY KEY)")
        self.total = self.twice = 0

    def add(self, keys: Iterable[tuple[Any, ...]]) -> None:
        for key in keys:
            self.total += 1
            inserted = self._db.execute("INSERT OR IGNORE INTO delivered VALUES (?)", (_key(key),)).rowcount
            self.twice += inserted == 0
        self._db.commit()

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        return self._db.execute("SELECT 1 FROM delivered WHERE key = ?", (_key(key),)).fetchone() is not None


def _key(key: tuple[Any, ...]) -> str:
    return "|".join(str(part) for part in key)


@dataclasses.dataclass
class SoakOutcome:
    hours: float = 0.0
    written: int = 0
    stored: int = 0
    mail_written: int = 0  # of ``written``: the e-mail shop's (0 where e-mail cannot run here)
    mail_stored: int = 0
    mail_sent_twice: int = 0  # replies the SMTP server took more than once (by Message-ID)
    demo_stored: int = 0
    doubles: int = 0
    faults_met: int = 0
    replies_sent: int = 0
    memory_after_warmup_mb: float = 0.0
    memory_at_end_mb: float = 0.0
    reminders_delivered: int = 0
    reminders_twice: int = 0
    overdue_missed: int = 0  # conversations past due at the end whose overdue reminder never came
    backlog_at_end: int = 0  # messages still on the platforms, not yet fetched, when the day ended
    catch_up_rounds: int = 0  # polling rounds (a minute apart) it then took to fetch them
    seconds: float = 0.0

    @property
    def memory_growth(self) -> float:
        return (self.memory_at_end_mb - self.memory_after_warmup_mb) / self.memory_after_warmup_mb


def rss_mb() -> float:
    """This process's resident memory (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def fault_mix(live: Live, now: datetime) -> list[tuple[Fault, float]]:
    faults = faults_for(live.style, now, retry_after=120)
    weights = {"500": 0.02, "reset": 0.02, "timeout": 0.01, "429": 0.01, "malformed_json": 0.01, "401": 0.002}
    return [(faults[name], weight) for name, weight in weights.items()]


MAIL_SHARE = 0.1  # of the customers' messages, those that come by e-mail (where e-mail can run here)


@contextlib.contextmanager
def soak_mail(seed: int = 24) -> Iterator[MailShop | None]:
    """The e-mail shop for a soak, or None where the real mail servers cannot run here (``unavailable`` says why)."""
    if unavailable() is not None:
        yield None
        return
    with mail_servers() as servers, mail_shop(*servers, seed=seed) as shop:
        yield shop


def run_soak(
    world: World,
    messages: int,
    *,
    hours: float = 24.0,
    step: timedelta = timedelta(minutes=1),
    seed: int = 24,
    mail: MailShop | None = None,
) -> SoakOutcome:
    """``step``: how far the clock moves between rounds (the scheduler's tick); a round polls what is due.
    ``mail``: an e-mail shop (``soak_mail``) that gets ``MAIL_SHARE`` of the messages, with faults on both servers."""
    rng = random.Random(seed)
    started, outcome = time.monotonic(), SoakOutcome(hours=hours)
    steps = int(timedelta(hours=hours) / step)
    per_step = messages / steps
    world.plan.keep_seen = False  # a day of requests would be the test's memory, not the app's
    with FakeTelegram(now=lambda: world.clock.now().timestamp()) as telegram_server:
        lives, telegram = _connect(world, telegram_server)
        mail_account = mail.add_to(world) if mail is not None else None
        if mail is not None:
            mail.imap_proxy.chaos(imap_mix())
            mail.smtp_proxy.chaos(smtp_mix())
        tick = ClockTick(world.repo, world.clock, ResponsePolicy)
        tick_started = world.clock.now()
        delivered = DeliveredLog(world.folder / "reminders-delivered.sqlite3")
        owed = 0.0
        taken: Counter[str] = Counter()
        for round_number in range(steps):
            owed += per_step
            batch, owed = int(owed), owed - int(owed)
            mailed = round(batch * MAIL_SHARE) if mail is not None else 0
            mastodon_one, mastodon_two = (batch - mailed) * 4 // 10, (batch - mailed) * 3 // 10
            lives[0].fake.customer_writes(mastodon_one)
            lives[1].fake.customer_writes(mastodon_two)
            _telegram_writes(telegram, batch - mailed - mastodon_one - mastodon_two)
            if mail is not None and mailed:
                mail.customer_writes(mailed, world.clock.now())
                mail.written.clear()  # counted by the soak, not kept
            outcome.written += batch
            outcome.mail_written += mailed
            _poll_due(world)
            _owner_works(world, rng)
            if mail_account is not None:
                _owner_answers_mail(world, mail_account)
            outcome.replies_sent += sum(1 for r in world.sender.send_due() if r.item.state.value == "sent")
            if mail is not None:  # what the SMTP server took, by Message-ID; the mails themselves are not kept
                taken.update(email.message_from_bytes(sent.data)["Message-ID"] for sent in mail.smtp.received)
                mail.smtp.received.clear()
            for result in tick():
                if isinstance(result, ReminderBatch):
                    delivered.add((r.conversation_id, r.kind, r.waiting_since) for r in result.reminders)
            telegram_server.traffic.clear()  # the fake's own log, index and outbox: not the app's memory
            telegram_server._messages.clear()
            telegram_server.sent.clear()
            if round_number == steps // 4:
                gc.collect()
                outcome.memory_after_warmup_mb = rss_mb()
            world.clock.advance(seconds=step.total_seconds())
        world.plan.clear()
        if mail is not None:
            mail.imap_proxy.clear()
            mail.smtp_proxy.clear()
        outcome.backlog_at_end = outcome.written - _stored(world)
        day_end = world.clock.now()  # reminders are checked up to here: the catch-up below runs no clock tick
        while _poll_due(world, everyone=True) and outcome.catch_up_rounds < 1000:  # the network is back
            outcome.catch_up_rounds += 1
            world.clock.advance(seconds=step.total_seconds())
        gc.collect()
        outcome.memory_at_end_mb = rss_mb()
        _count(world, outcome, delivered, (tick_started, day_end), step)
        if mail is not None:
            outcome.faults_met += len(mail.imap_proxy.met) + len(mail.smtp_proxy.met)
            taken.update(email.message_from_bytes(sent.data)["Message-ID"] for sent in mail.smtp.received)
            outcome.mail_sent_twice = sum(count - 1 for count in taken.values())
    outcome.seconds = time.monotonic() - started
    return outcome


def _connect(world: World, telegram_server: FakeTelegram) -> tuple[list[Live], TelegramPlatform]:
    lives = []
    for host in ("one.example", "two.example"):
        with mastodon_live(world.clock.now, host) as live:
            live.fake = live.route = NumberedMastodon(host, world.clock.now)
            world.add(live)
            lives.append(live)
    telegram = TelegramPlatform(telegram_server)
    settings = {"api_base": telegram_server.api_base, "long_poll_seconds": 0, "bot_username": "corner_bakery_bot"}
    host = telegram_server.api_base.removeprefix("http://")
    live = Live(
        Platform.TELEGRAM,
        host,
        httpx.HTTPTransport(),
        settings,
        telegram_server.token,
        TELEGRAM,
        telegram.customer_writes,
        telegram.remote_ids,
        telegram_server,
    )
    world.add(live)
    lives.append(live)
    for live in lives:
        world.plan.chaos(fault_mix(live, world.clock.now()), host=live.host)
    world.add_demo(seed=7, pace_seconds=600)  # a customer every ten minutes or so, each
    world.add_demo(seed=8, pace_seconds=600)
    return lives, telegram


def _telegram_writes(telegram: TelegramPlatform, count: int) -> None:
    if count:
        telegram.customer_writes(count)
        telegram.forget()  # counted by the soak, not kept


def _poll_due(world: World, *, everyone: bool = False) -> int:
    """Poll every account whose time has come, as the scheduler would; how many new messages came in from the
    platforms (the demo shops make up new ones as time passes)."""
    now, new = world.clock.now(), 0
    for account in world.repo.accounts():
        if account.health is Health.NEEDS_RECONNECT:
            world.repo.mark_reconnected(account.id, "")  # the owner signs in again
            continue
        if everyone or account.next_poll_at is None or account.next_poll_at <= now:
            report = world.service.poll_account(account.id)
            new += len(report.new_messages) if account.platform is not Platform.DEMO else 0
    return new


def _stored(world: World) -> int:
    with world.engine.connect() as connection:
        query = "SELECT COUNT(*) FROM message m JOIN account a ON a.id = m.account_id "
        query += "WHERE m.direction = 'in' AND a.platform != 'demo'"
        return int(connection.execute(text(query)).scalar() or 0)


def _owner_works(world: World, rng: random.Random) -> None:
    """The owner answers a few of the newest conversations, closes a few others, and clears out what waited more
    than two hours (answered elsewhere, or not worth an answer), so the backlog stays what a shop would have."""
    newest = world.repo.conversations(limit=12)
    for conversation in newest[:6]:
        if rng.random() < 0.8:
            world.repo.queue_reply(conversation.id, "Thanks! It is ready for pick-up.", world.clock.now())
    for conversation in newest[6:10]:
        if rng.random() < 0.5:
            world.repo.mark_done(conversation.id)
    stale = world.clock.now() - timedelta(hours=2)
    while oldest := [
        c
        for c in world.repo.conversations(InboxView.NEEDS_REPLY, limit=200)
        if c.waiting_since and c.waiting_since < stale
    ]:
        for conversation in oldest:
            world.repo.mark_done(conversation.id)


def _owner_answers_mail(world: World, account_id: int) -> None:
    """Mail arrives a minute old and is seldom among the newest conversations: the owner answers the newest one
    waiting there each round, so replies go out through the faulty SMTP proxy too."""
    for conversation in world.repo.conversations(InboxView.NEEDS_REPLY, account_id=account_id, limit=1):
        world.repo.queue_reply(conversation.id, "Thanks! It is ready for pick-up.", world.clock.now())


def _count(
    world: World,
    outcome: SoakOutcome,
    delivered: DeliveredLog,
    ticking: tuple[datetime, datetime],
    step: timedelta,
) -> None:
    with world.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.platform, COUNT(*), COUNT(DISTINCT m.remote_id) FROM message m JOIN account a "
                "ON a.id = m.account_id WHERE m.direction = 'in' GROUP BY a.id"
            )
        ).all()
    outcome.stored = sum(total for platform, total, _ in rows if platform != "demo")
    outcome.mail_stored = sum(total for platform, total, _ in rows if platform == "email")
    outcome.demo_stored = sum(total for platform, total, _ in rows if platform == "demo")
    outcome.doubles = sum(total - distinct for _, total, distinct in rows)
    outcome.faults_met = sum(world.plan.met.values())
    outcome.reminders_delivered, outcome.reminders_twice = delivered.total, delivered.twice
    (tick_started, now), policy = ticking, ResponsePolicy()
    for row in world.repo.clock_rows():
        if row.waiting_since is None or row.snoozed_until is not None:
            continue
        due = row.waiting_since + policy.target_for(row.platform)
        if (
            tick_started <= due <= now - step
            and (row.conversation_id, ReminderKind.OVERDUE, row.waiting_since) not in delivered
        ):
            outcome.overdue_missed += 1
