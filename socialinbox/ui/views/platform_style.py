"""How channels, statuses and account health look: one colour and letter per platform, chip colours, short labels.

Shared by the inbox delegate, the left column and any other view, so a channel has the same face everywhere. Colours
are kept as hex strings (QColor is mutable, so none is shared) and every one was picked to stay readable on both the
light and the dark palette.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from PySide6.QtGui import QColor

from socialinbox.domain import PLATFORM_LABELS, Health, Platform, Status


@dataclasses.dataclass(frozen=True, slots=True)
class PlatformStyle:
    letter: str  # drawn inside the round channel badge
    colour: str  # the badge fill, "#rrggbb"
    label: str


_STYLES: Mapping[Platform, tuple[str, str]] = {
    Platform.DEMO: ("D", "#8e44ad"),
    Platform.MASTODON: ("M", "#6364ff"),
    Platform.BLUESKY: ("B", "#1185fe"),
    Platform.TELEGRAM: ("T", "#229ed9"),
    Platform.EMAIL: ("@", "#6b7280"),
    Platform.FACEBOOK: ("f", "#1877f2"),
    Platform.INSTAGRAM: ("I", "#d62976"),
    Platform.X: ("X", "#3a3f44"),  # X's own black would vanish on a dark palette
    Platform.GOOGLE_REVIEWS: ("G", "#34a853"),
}

STATUS_LABELS: Mapping[Status, str] = {
    Status.NEEDS_REPLY: "Needs reply",
    Status.WAITING: "Waiting",
    Status.DONE: "Done",
    Status.SNOOZED: "Snoozed",
}

_STATUS_COLOURS: Mapping[Status, str] = {
    Status.NEEDS_REPLY: "#e8590c",
    Status.WAITING: "#1c7ed6",
    Status.DONE: "#2f9e44",
    Status.SNOOZED: "#868e96",
}

HEALTH_LABELS: Mapping[Health, str] = {
    Health.NEW: "not checked yet",
    Health.CONNECTED: "connected",
    Health.RATE_LIMITED: "rate limited, waiting",
    Health.TRANSIENT_ERROR: "connection trouble, retrying",
    Health.NEEDS_RECONNECT: "needs reconnecting",
    Health.BROKEN: "not working",
}

_HEALTH_COLOURS: Mapping[Health, str] = {
    Health.NEW: "#868e96",
    Health.CONNECTED: "#2f9e44",
    Health.RATE_LIMITED: "#f08c00",
    Health.TRANSIENT_ERROR: "#f08c00",
    Health.NEEDS_RECONNECT: "#e03131",
    Health.BROKEN: "#e03131",
}

_FINE = frozenset({Health.NEW, Health.CONNECTED})


def platform_style(platform: Platform) -> PlatformStyle:
    letter, colour = _STYLES[platform]
    return PlatformStyle(letter, colour, PLATFORM_LABELS[platform])


def platform_colour(platform: Platform) -> QColor:
    return QColor(_STYLES[platform][1])


def status_colour(status: Status) -> QColor:
    return QColor(_STATUS_COLOURS[status])


def health_colour(health: Health) -> QColor:
    return QColor(_HEALTH_COLOURS[health])


def health_needs_attention(health: Health) -> bool:
    """True when the owner should look at the account (it is not fetching messages normally)."""
    return health not in _FINE


def text_colour_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background`` (WCAG relative luminance)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    luminance = (
        0.2126 * channel(background.redF())
        + 0.7152 * channel(background.greenF())
        + 0.0722 * channel(background.blueF())
    )
    # 0.179 is where the contrast ratio against black and against white is equal.
    return QColor("#000000") if luminance > 0.179 else QColor("#ffffff")
