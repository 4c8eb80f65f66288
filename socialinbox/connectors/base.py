"""The connector boundary: the protocol every platform implements and the only errors it may raise.

A connector is small: a frozen dataclass holding the account's settings (instance URL, handle),
with methods that take the shared ``httpx.Client`` and the token as arguments. It never touches
storage, the keyring or Qt, and never creates its own client, so tests hand it one built on
``httpx.MockTransport`` or pointed at a local fake server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import httpx

from socialinbox.domain import Clock, OutgoingReply, Platform, PollResult, SentReply


class ConnectorError(Exception):
    """Base of the errors a connector may raise. Messages are for the owner: no tokens in them."""


class AuthError(ConnectorError):
    """The platform rejected the credentials: stop polling and ask the owner to reconnect."""


class RateLimited(ConnectorError):
    """The platform asked us to slow down; do not call it again for ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class TransientError(ConnectorError):
    """Network trouble, a timeout or a 5xx: worth trying again later with backoff."""


class Rejected(ConnectorError):
    """The platform refused this request for good (too long, original deleted, chat gone): retrying won't help."""


class UncertainDelivery(TransientError):
    """A send failed after the request may have reached the platform: it may or may not be posted."""


class Connector(Protocol):
    @property
    def platform(self) -> Platform:
        """Which platform this connector speaks to (read-only, so frozen dataclasses fit)."""
        ...

    def verify(self, client: httpx.Client, token: str) -> str:
        """Check the credentials and return the account's handle as the platform names it."""
        ...

    def poll(self, client: httpx.Client, token: str, cursor: str | None) -> PollResult:
        """Fetch what arrived after ``cursor`` (``None``: first poll, back-fill what the API offers).

        Blocking; runs on a worker thread. Raises only ``ConnectorError`` subclasses for expected trouble.
        """
        ...

    def send(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply:
        """Post one reply. Raises ``UncertainDelivery`` when it cannot tell whether the post went out."""
        ...


ConnectorFactory = Callable[[Mapping[str, Any], Clock], Connector]
"""Builds a connector from an account's stored settings; the clock matters to simulated channels."""


# --- optional capabilities: a connector has them or not; callers check with isinstance -------------------


@runtime_checkable
class FindsSentReplies(Protocol):
    def find_sent(self, client: httpx.Client, token: str, reply: OutgoingReply) -> SentReply | None:
        """Look on the platform for ``reply`` as an earlier, uncertain attempt may have posted it (``None``: not there).

        Called before sending again after ``UncertainDelivery``, so a reply that did go out is never posted twice.
        """
        ...


@runtime_checkable
class ChecksOriginals(Protocol):
    def original_exists(self, client: httpx.Client, token: str, remote_id: str) -> bool:
        """Whether the customer's message ``remote_id`` is still on the platform (a deleted one is not answered)."""
        ...


@runtime_checkable
class RotatesCredentials(Protocol):
    def rotated_token(self, token: str) -> str | None:
        """The secret to store in place of ``token`` once this run has renewed it, else ``None``.

        For sign-ins that change as they are used (Bluesky rotates its refresh token on every refresh, and the old one
        lapses two hours later): the connector never touches storage, so the sync layer stores what it hands back.
        """
        ...
