"""The owner's notification preferences around whichever notifier works here: on or off, quiet hours, sound."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialinbox.quiet_hours import is_quiet, parse_quiet_hours
from socialinbox.settings import Settings
from socialinbox.ui.notifications import Notifier

log = logging.getLogger(__name__)


class PoliteNotifier:
    """A Notifier that asks the settings first (read at each call, so a change in Preferences applies at once).

    Quiet hours are the owner's wall clock: the shop's time zone when set, else this computer's. A notification
    held back is only logged; the conversation still waits in "Needs reply".
    """

    def __init__(self, inner: Notifier, settings: Callable[[], Settings], now: Callable[[], datetime]) -> None:
        self.inner = inner
        self._settings = settings
        self._now = now

    @property
    def name(self) -> str:
        return self.inner.name

    def notify(self, title: str, body: str, conversation_id: int | None = None) -> None:
        settings = self._settings()
        if not settings.notifications_enabled:
            return
        if self.is_quiet_now(settings):
            log.info("notification held back: quiet hours (%s)", settings.quiet_hours)
            return
        if hasattr(self.inner, "sound"):
            self.inner.sound = settings.notification_sound
        self.inner.notify(title, body, conversation_id)

    def is_quiet_now(self, settings: Settings) -> bool:
        try:
            span = parse_quiet_hours(settings.quiet_hours)
        except ValueError:
            return False  # the Preferences dialog refuses such text; a hand-edited file must not mute everything
        return is_quiet(self._now().astimezone(_zone(settings.time_zone)).time(), span)

    def close(self) -> None:
        self.inner.close()


def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
