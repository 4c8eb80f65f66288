"""The last resort: a log line, so a notification is never lost without a trace."""

from __future__ import annotations

import logging

_LOG = logging.getLogger(__name__)


class LogNotifier:
    """One INFO line per notification. The body (customer text) only at DEBUG."""

    name = "log"

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        _LOG.info("notification: %s", title)
        _LOG.debug("notification body (conversation %s): %s", conversation_id, body)

    def close(self) -> None:
        pass
