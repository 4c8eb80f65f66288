"""The clock's scheduler tick: wake snoozes, work out which reminders fire, queue away replies.

``ClockTick`` runs on an APScheduler worker (``SyncScheduler.add_tick``) and returns frozen values for the one door
to the GUI: the conversations a snooze released, a ``ReminderBatch`` (the GUI groups it into notifications) and the
promised follow-ups (``FollowUps``, for the badges). Which reminders fired is remembered in memory for the run; a
reminder whose moment passed before the app started is marked fired without being delivered, so opening the app
after a weekend brings no storm of stale "about to miss the hour" notifications.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from socialinbox.domain import Clock, Conversation, Status
from socialinbox.drafts import template_context
from socialinbox.reports import EventKind
from socialinbox.responsetime import ClockItem, Reminder, ReminderKey, ResponsePolicy, away_reply_due, reminders_to_fire
from socialinbox.settings import Settings
from socialinbox.templates import TemplateError, TemplateLibrary, render

if TYPE_CHECKING:  # the GUI imports this module before its first paint, before SQLAlchemy loads
    from socialinbox.storage.history import ClockRow
    from socialinbox.storage.repository import Repository

log = logging.getLogger(__name__)

CLOCK_TICK_S = 30  # reminders fire at most this late; the badges are repainted by the GUI every minute


@dataclasses.dataclass(frozen=True, slots=True)
class ReminderBatch:
    """Reminders that fired at one tick; the GUI groups them into a few notifications."""

    reminders: tuple[Reminder, ...]
    labels: Mapping[int, str]  # conversation id -> "Anna on Mastodon"
    now: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class FollowUps:
    """Every promised follow-up time by conversation id (sent when it changes)."""

    by_conversation: Mapping[int, datetime]


AwayText = Callable[[Conversation], str | None]  # the away reply for a conversation, or None (no template)


class ClockTick:
    """One object per run of the app; call it from one scheduler job (never two at once)."""

    def __init__(
        self,
        repository: Repository,
        clock: Clock,
        policy: Callable[[], ResponsePolicy],
        *,
        away_text: Callable[[], AwayText | None] = lambda: None,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._policy = policy
        self._away_text = away_text  # None while away replies are off
        self._started_at = clock.now()
        self._fired: set[ReminderKey] = set()
        self._follow_ups: Mapping[int, datetime] | None = None

    def __call__(self) -> list[object]:
        now = self._clock.now()
        policy = self._policy()
        results: list[object] = list(self._repository.wake_snoozed(now))
        rows = self._repository.clock_rows()
        batch = self.reminders(rows, now, policy)
        if batch is not None:
            results.append(batch)
        follow_ups = {row.conversation_id: row.follow_up_at for row in rows if row.follow_up_at is not None}
        if follow_ups != self._follow_ups:
            self._follow_ups = follow_ups
            results.append(FollowUps(follow_ups))
        results += self.send_away_replies(rows, now, policy)
        return results

    def reminders(self, rows: Iterable[ClockRow], now: datetime, policy: ResponsePolicy) -> ReminderBatch | None:
        """The reminders that fire now, each once per run; those whose moment passed before start-up stay quiet."""
        rows = list(rows)
        items = [
            ClockItem(r.conversation_id, r.platform, r.waiting_since, r.snoozed_until, r.follow_up_at) for r in rows
        ]
        fresh = reminders_to_fire(items, self._fired, now, policy)
        self._fired.update(reminder.key for reminder in fresh)
        self._forget_gone({row.conversation_id for row in rows})
        deliver = tuple(r for r in fresh if r.moment(policy) >= self._started_at)
        if not deliver:
            return None
        labels = {row.conversation_id: row.label for row in rows}
        return ReminderBatch(deliver, {r.conversation_id: labels[r.conversation_id] for r in deliver}, now)

    def _forget_gone(self, present: set[int]) -> None:
        """A conversation that left the tick's rows ended its waiting period: its keys can never match again."""
        self._fired = {key for key in self._fired if key.conversation_id in present}

    def send_away_replies(self, rows: Iterable[ClockRow], now: datetime, policy: ResponsePolicy) -> list[object]:
        """Queue one away reply per conversation per closed period (the outbox sends it); returns nothing to show."""
        render = self._away_text()
        hours = policy.business_hours
        if render is None or hours is None:
            return []
        for row in rows:
            if row.status is not Status.NEEDS_REPLY:
                continue
            if not away_reply_due(now, hours, row.last_message_at, row.away_replied_at):
                continue
            conversation = self._repository.conversation(row.conversation_id)
            text = render(conversation)
            if text is None:
                return []
            # Noted before it is queued: a crash in between loses one acknowledgement rather than sending two.
            self._repository.note_away_reply(row.conversation_id, now)
            self._repository.queue_reply(row.conversation_id, text, now, kind=EventKind.AWAY_REPLY.value)
            log.info("away reply queued for conversation %s", row.conversation_id)
        return []


def away_replies_from(
    settings: Callable[[], Settings], library: Callable[[], TemplateLibrary]
) -> Callable[[], AwayText | None]:
    """The away reply as the owner set it up: off, or a template filled for each conversation."""

    def current() -> AwayText | None:
        chosen = settings()
        if not chosen.away_reply_enabled:
            return None

        def text(conversation: Conversation) -> str | None:
            context = template_context(conversation, chosen)
            context["opening_hours"] = context["opening_hours"] or chosen.business_hours.strip()
            try:
                return render(library().get(chosen.away_reply_template), context)
            except (KeyError, TemplateError) as error:
                log.warning("away reply not sent: template %r cannot be used (%s)", chosen.away_reply_template, error)
                return None

        return text

    return current
