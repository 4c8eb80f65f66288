"""An optional connector capability: being told the moment something new waits, so the normal poll runs now.

E-mail has it where the server speaks IMAP IDLE (``email_idle``). The sync layer checks with ``isinstance`` (as for
the capabilities in ``base``) and keeps one ``NewContentWatch`` open per account on a thread of its own; the watch
only says *that* something arrived: the poll stays the one way anything is stored (cursor, dedupe, threading).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class NewContentWatch(Protocol):
    """One open connection that waits for news. ``wait`` and ``close`` belong to one thread; ``interrupt`` to any."""

    def wait(self, timeout_s: float) -> bool:
        """Block until something new arrived (True) or ``timeout_s`` passed or ``interrupt`` was called (False).

        Raises only ``ConnectorError`` subclasses (a dropped connection is a ``TransientError``).
        """
        ...

    def interrupt(self) -> None:
        """From any thread: make the current (or next) ``wait`` return False at once."""
        ...

    def close(self) -> None:
        """Leave the server; never raises."""
        ...


@runtime_checkable
class WatchesForNewContent(Protocol):
    def watch(self, token: str) -> NewContentWatch | None:
        """Open a watch, or ``None`` when this server cannot push (the account is then polled on its interval only).

        Blocking (it signs in); raises only ``ConnectorError`` subclasses.
        """
        ...
