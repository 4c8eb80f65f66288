"""Results on their way from a worker to the GUI: the conversations in them that need a reply are scored by triage
first, on the worker, so the GUI thread never waits for VADER when it paints them.

Pure (no Qt), so a start can make its task runners before it imports the clock's widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from socialinbox.domain import Conversation, DeliveryReport, Status, SyncReport
from socialinbox.sync.tasks import TaskResult
from socialinbox.triage import TriageCache


def warm_then(triage: TriageCache, publish: Callable[[object], None]) -> Callable[[object], None]:
    """Wrap a bridge's publish so triage is scored on the worker thread, before the result reaches the GUI."""

    def warm_and_publish(result: object) -> None:
        triage.warm(c for c in _conversations_in(result) if c.status is Status.NEEDS_REPLY)
        publish(result)

    return warm_and_publish


def _conversations_in(result: object) -> Iterable[Conversation]:
    if isinstance(result, SyncReport):
        return result.conversations
    if isinstance(result, DeliveryReport):
        return [result.conversation] if result.conversation is not None else []
    if isinstance(result, TaskResult):
        return [result.value] if isinstance(result.value, Conversation) else []
    return [result] if isinstance(result, Conversation) else []
