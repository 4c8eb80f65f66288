"""Push for accounts whose server can say "something new is here" (IMAP IDLE): a poll the moment it arrives.

One daemon thread per watched account holds a ``NewContentWatch`` open (``connectors/watch.py``) and calls
``on_new(account_id)`` when it reports news; the scheduler then runs the account's normal poll, which alone stores
anything. The interval poll keeps running underneath, so a watch that breaks only costs speed, never mail.

A broken connection is opened again after a backoff (``MIN_BACKOFF_S`` doubling up to ``MAX_BACKOFF_S``). A refused
sign-in ends the thread: the poll reports "needs reconnect", and the next good poll starts a watch again. A server
without IDLE is remembered and not asked again this session. Daemon threads: a wait on the network never holds up
quitting, and ``stop`` wakes a waiting watch at once through its ``interrupt``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable

from socialinbox.connectors.base import AuthError, ConnectorError
from socialinbox.connectors.watch import NewContentWatch

log = logging.getLogger(__name__)

RENEW_S = 10 * 60  # one wait's longest; the connector may cap it further (IMAP IDLE: email_idle.IDLE_RENEW_S)
MIN_BACKOFF_S = 5.0
MAX_BACKOFF_S = 300.0
WatchOpener = Callable[[int], NewContentWatch | None]


@dataclasses.dataclass
class _Watching:
    stop: threading.Event
    thread: threading.Thread
    watch: NewContentWatch | None = None


class NewContentWatchers:
    def __init__(
        self,
        open_watch: WatchOpener,
        on_new: Callable[[int], None],
        *,
        renew_s: float = RENEW_S,
        min_backoff_s: float = MIN_BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
    ) -> None:
        self._open = open_watch
        self._on_new = on_new
        self._renew_s = renew_s
        self._min_backoff_s = min_backoff_s
        self._max_backoff_s = max_backoff_s
        self._lock = threading.Lock()
        self._watching: dict[int, _Watching] = {}
        self._cannot_push: set[int] = set()
        self._closed = False

    def ensure(self, account_id: int) -> None:
        """Watch ``account_id`` unless it is watched already or its server cannot push."""
        with self._lock:
            current = self._watching.get(account_id)
            if self._closed or account_id in self._cannot_push or (current and current.thread.is_alive()):
                return
            stop = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(account_id, stop), name=f"socialinbox-watch-{account_id}", daemon=True
            )
            self._watching[account_id] = _Watching(stop, thread)
            # Started while the lock is held: a shutdown on another thread then never finds it registered and not
            # yet started (joining that raises). The thread itself takes the lock only later, in its run.
            thread.start()

    def watching(self, account_id: int) -> bool:
        with self._lock:
            current = self._watching.get(account_id)
            return current is not None and current.thread.is_alive()

    def stop(self, account_id: int) -> None:
        """Stop watching (the account was removed or needs reconnecting); returns without waiting."""
        with self._lock:
            current = self._watching.pop(account_id, None)
            self._cannot_push.discard(account_id)  # a reconnect may have moved the account to another server
        if current is not None:
            _signal(current)

    def stop_all(self, wait_s: float = 2.0) -> None:
        """On shutdown: wake every watch and give the threads ``wait_s`` in all to sign out (daemons: a thread stuck
        on a dead network is left behind rather than holding up quitting)."""
        with self._lock:
            self._closed = True
            stopping = list(self._watching.values())
            self._watching.clear()
        for current in stopping:
            _signal(current)
        deadline = time.monotonic() + wait_s  # one wait for all: they sign out in parallel
        for current in stopping:
            current.thread.join(max(0.0, deadline - time.monotonic()))

    # --- one account's thread ---------------------------------------------------------------------

    def _run(self, account_id: int, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                watch = self._open(account_id)
            except AuthError:
                log.info("account %s: the server refused the sign-in for watching; polling continues", account_id)
                return
            except LookupError:
                return  # the account was removed meanwhile
            except Exception as error:  # ConnectorError, or the database briefly unavailable: try again later
                failures += 1
                self._backoff(account_id, stop, failures, error)
                continue
            if watch is None:
                log.info("account %s: the server cannot push new mail; polling on the interval", account_id)
                with self._lock:
                    self._cannot_push.add(account_id)
                return
            failures = self._listen(account_id, stop, watch, failures)

    def _listen(self, account_id: int, stop: threading.Event, watch: NewContentWatch, failures: int) -> int:
        """Wait on one open watch until stopped or it breaks; returns the count of failures in a row."""
        if not self._register(account_id, stop, watch):
            watch.close()
            return failures
        try:
            while not stop.is_set():
                if watch.wait(self._renew_s) and not stop.is_set():
                    self._on_new(account_id)
                failures = 0
        except ConnectorError as error:
            failures += 1
            self._backoff(account_id, stop, failures, error)
        except Exception as error:  # a bug must not end push for good: log it and reconnect after a backoff
            log.exception("account %s: watching for new content failed", account_id)
            failures += 1
            self._backoff(account_id, stop, failures, error)
        finally:
            watch.close()
        return failures

    def _register(self, account_id: int, stop: threading.Event, watch: NewContentWatch) -> bool:
        """Make ``watch`` reachable by ``stop``; False when stopping already (``stop`` may have run just before)."""
        with self._lock:
            current = self._watching.get(account_id)
            if current is None or current.stop is not stop or stop.is_set():
                return False
            current.watch = watch
            return True

    def _backoff(self, account_id: int, stop: threading.Event, failures: int, error: Exception) -> None:
        wait = min(self._min_backoff_s * (1 << min(failures - 1, 16)), self._max_backoff_s)
        log.info("account %s: watching for new content failed (%s); again in %.0f s", account_id, error, wait)
        stop.wait(wait)


def _signal(current: _Watching) -> None:
    current.stop.set()
    if current.watch is not None:
        current.watch.interrupt()
