"""The newest renewed sign-in per stored one, for the run of the app: what a connector whose access token lapses
(and is renewed with a refresh token) keeps between its calls, since it never touches storage itself.

Every call of one account (a poll and a send on two threads) goes through one cache, one renewal at a time, so a
refresh token is never spent twice; ``rotated_token`` hands the renewed sign-in to the sync layer to store
(``RotatesCredentials``). Entries are keyed by a digest of the stored refresh token, so a new sign-in (a reconnect)
starts afresh instead of being shadowed by an older renewed one.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from socialinbox.connectors.base import AuthError


class Renewable(Protocol):
    @property
    def refresh_token(self) -> str: ...

    def to_token(self) -> str:
        """The secret to keep in the keyring."""
        ...


S = TypeVar("S", bound=Renewable)


class SessionCache(Generic[S]):
    def __init__(self, parse: Callable[[str], S]) -> None:
        """``parse`` reads a stored secret into a session; it raises ``AuthError`` for one it cannot read."""
        self._parse = parse
        self._lock = threading.Lock()
        self._newest: dict[str, S] = {}

    def current(self, stored: S) -> S:
        with self._lock:
            return self._newest.get(_key(stored), stored)

    def refresh(self, stored: S, seen: S, renew: Callable[[S], S]) -> S:
        """A session newer than ``seen``: another thread's fresh one, or ``renew(seen)`` (holding the lock)."""
        with self._lock:
            newest = self._newest.get(_key(stored), stored)
            if newest != seen:
                return newest  # renewed meanwhile by another call
            fresh = renew(newest)
            self._newest[_key(stored)] = fresh
            return fresh

    def rotated_token(self, token: str) -> str | None:
        """The secret to store instead of ``token`` when this run renewed its sign-in, else None."""
        try:
            stored = self._parse(token)
        except AuthError:
            return None
        with self._lock:
            newest = self._newest.get(_key(stored))
        return newest.to_token() if newest is not None and newest != stored else None

    def __repr__(self) -> str:
        return f"SessionCache({len(self._newest)} sessions)"  # never the tokens


def _key(session: Renewable) -> str:
    return hashlib.sha256(session.refresh_token.encode("utf-8")).hexdigest()
