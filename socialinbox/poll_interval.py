"""How often an account is polled: its platform's usual pace, or the owner's global preference within safe bounds.

Each account is stored with its platform's usual interval (Mastodon and Bluesky 60 s, e-mail 30 s). The owner may
set one global interval in Preferences (``Settings.poll_interval_s``; 0 keeps each platform's pace). It applies to
every account that polls at an interval, except those with an interval of their own: long-polling accounts
(``poll_interval_s == 0``, Telegram: the server holds the request open, so a pace means nothing) and the demo
channel (a local simulation whose pace is part of the demo). Pure, no Qt.

Floors keep a poll's requests well inside each platform's published limits (../shared/reference/platform-apis.md):
Mastodon allows 300 requests per 5 minutes per account and a poll makes 2 or a few paged requests; Bluesky 3000 per
5 minutes per IP; X reads direct messages 15 times per 15 minutes; Meta's business-use-case limits and Google's
100 queries per minute are shared by every call of the app; IMAP servers throttle clients that log in often.
"""

from __future__ import annotations

from collections.abc import Mapping

from socialinbox.domain import Account, Platform

PLATFORM_PACE = 0  # the preference's value for "each platform's usual pace"
MIN_PREFERENCE_S = 30  # the lowest global interval Preferences accepts: the strictest floor that applies to it all
MAX_PREFERENCE_S = 900  # more than 15 minutes would eat a quarter of the one-hour response target before a look
DEFAULT_FLOOR_S = 60  # a platform added later without a floor of its own

MIN_POLL_INTERVAL_S: Mapping[Platform, int] = {
    Platform.MASTODON: 30,
    Platform.BLUESKY: 30,
    Platform.EMAIL: 30,
    Platform.X: 60,
    Platform.FACEBOOK: 60,
    Platform.INSTAGRAM: 60,
    Platform.GOOGLE_REVIEWS: 60,
}
OWN_INTERVAL_PLATFORMS = frozenset({Platform.DEMO})


def has_own_interval(account: Account) -> bool:
    """True for accounts the global preference leaves alone: long polling, and the demo channel."""
    return account.poll_interval_s == 0 or account.platform in OWN_INTERVAL_PLATFORMS


def effective_poll_interval(account: Account, preferred_s: int) -> int:
    """Seconds between two polls of ``account`` given the owner's global ``preferred_s`` (0: the platform's pace).

    A value from a hand-edited settings file is held within [the platform's floor, MAX_PREFERENCE_S].
    """
    if has_own_interval(account) or preferred_s <= PLATFORM_PACE:
        return account.poll_interval_s
    floor = MIN_POLL_INTERVAL_S.get(account.platform, DEFAULT_FLOOR_S)
    return max(floor, min(preferred_s, MAX_PREFERENCE_S))


def preference_problem(value: int) -> str | None:
    """Why Preferences refuses ``value`` as the global interval, or None when it is fine."""
    if value == PLATFORM_PACE or MIN_PREFERENCE_S <= value <= MAX_PREFERENCE_S:
        return None
    return f"choose 0 (each platform's usual pace) or {MIN_PREFERENCE_S} to {MAX_PREFERENCE_S} seconds"
