"""Poll one account: connector -> repository -> report. No threads, no sleeping: the scheduler decides when.

Each outcome sets the account's health and when it should be polled next:
- success: connected, next poll after the account's interval;
- ``RateLimited``: wait at least what the platform asked;
- ``TransientError``: back off exponentially (capped), keep the cursor;
- ``AuthError`` or no stored sign-in: "needs reconnect", polling stops until the owner signs in again;
- anything else is a bug: logged with its traceback, shown as such, retried with backoff so one bad
  answer does not silence the account forever.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import httpx

from socialinbox.connectors.base import (
    AuthError,
    Connector,
    ConnectorFactory,
    RateLimited,
    Rejected,
    RotatesCredentials,
    TransientError,
)
from socialinbox.connectors.watch import NewContentWatch, WatchesForNewContent
from socialinbox.domain import Account, Clock, Health, Platform, SyncReport
from socialinbox.secrets import SecretStore, account_key
from socialinbox.storage.problems import StorageUnavailable
from socialinbox.storage.repository import Repository

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=30)
MIN_BACKOFF = timedelta(seconds=5)


class MissingSignIn(AuthError):
    """No token is stored for an account that needs one (for example the keyring was unavailable last run)."""


class ConnectorPool:
    """One connector object per account, built on first use and kept, because some keep state between calls."""

    def __init__(self, registry: Mapping[Platform, ConnectorFactory], clock: Clock) -> None:
        self._registry = registry
        self._clock = clock
        self._built: dict[int, Connector] = {}
        self._lock = threading.Lock()

    def for_account(self, account: Account) -> Connector:
        with self._lock:
            connector = self._built.get(account.id)
            if connector is None:
                factory = self._registry.get(account.platform)
                if factory is None:
                    raise LookupError(f"This version of Social Inbox cannot connect to {account.platform.value}.")
                connector = factory(account.settings, self._clock)
                self._built[account.id] = connector
            return connector

    def forget(self, account_id: int) -> None:
        with self._lock:
            self._built.pop(account_id, None)


class Credentials:
    """The token for an account, from the secret store; empty for platforms that need none."""

    def __init__(self, secrets: SecretStore, tokenless: frozenset[Platform]) -> None:
        self._secrets = secrets
        self._tokenless = tokenless

    def token_for(self, account: Account) -> str:
        if account.platform in self._tokenless:
            return ""
        token = self._secrets.get(account_key(account.id))
        if not token:
            raise MissingSignIn("No sign-in is stored for this account. Reconnect it to resume.")
        return token

    def keep_rotated(self, account_id: int, connector: Connector | None, token: str | None) -> None:
        """Store the sign-in a connector renewed while using ``token`` (see ``RotatesCredentials``).

        Only while ``token`` is still the stored one: a reconnect meanwhile wins. Never raises: a keyring hiccup here
        must not hide the outcome of the poll or send that just ran.
        """
        if token is None or connector is None:
            return
        if not isinstance(connector, RotatesCredentials):
            return
        try:
            rotated = connector.rotated_token(token)
            key = account_key(account_id)
            if rotated and rotated != token and self._secrets.get(key) == token:
                self._secrets.set(key, rotated)
        except Exception as error:  # the secret store's own errors vary by backend
            log.warning("account %s: could not store the renewed sign-in (%s)", account_id, type(error).__name__)


class AccountWorker:
    """What polling (``SyncService``) and sending (``OutboxSender``) both reach a platform with: the stored accounts,
    each account's connector and sign-in, the shared HTTP client and the clock."""

    def __init__(
        self,
        repository: Repository,
        connectors: ConnectorPool,
        credentials: Credentials,
        client: httpx.Client,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._connectors = connectors
        self._credentials = credentials
        self._client = client
        self._clock = clock

    def now(self) -> datetime:
        """The time on this worker's clock, the one each report's ``next_poll_at`` is reckoned on."""
        return self._clock.now()


class SyncService(AccountWorker):
    def __init__(
        self,
        repository: Repository,
        connectors: ConnectorPool,
        credentials: Credentials,
        client: httpx.Client,
        clock: Clock,
        poll_interval: Callable[[Account], int] | None = None,
    ) -> None:
        """``poll_interval``: seconds between an account's polls, asked at each poll (the composition root passes
        the owner's preference); by default each account's own interval."""
        super().__init__(repository, connectors, credentials, client, clock)
        self._failures: dict[int, int] = {}
        self._failures_lock = threading.Lock()
        self._last_seen: dict[int, Account] = {}  # for reporting when the database cannot even be read
        self.poll_interval = poll_interval or _own_interval

    def poll_account(self, account_id: int) -> SyncReport:
        try:
            return self._poll_account(account_id)
        except StorageUnavailable as error:
            return self._storage_problem(account_id, error)

    def open_watch(self, account_id: int) -> NewContentWatch | None:
        """A watch for new content (IMAP IDLE) on the account's server, or None where its platform cannot push."""
        account = self._repository.account(account_id)
        connector = self._connectors.for_account(account)
        if not isinstance(connector, WatchesForNewContent):
            return None
        return connector.watch(self._credentials.token_for(account))

    def _storage_problem(self, account_id: int, error: StorageUnavailable) -> SyncReport:
        """The database is locked, full or read-only: nothing can be recorded, so the report alone carries the news
        (with the last account state seen) and the next poll comes after a backoff, by when the cause may be gone."""
        account = self._last_seen.get(account_id)
        if account is None:
            raise error  # never read at all: there is no account to report on
        log.warning("account %s: storage unavailable (%s)", account_id, error.problem.value)
        wait = self._backoff(account)
        shown = dataclasses.replace(
            account, health=Health.TRANSIENT_ERROR, health_detail=str(error), next_poll_at=self._clock.now() + wait
        )
        return SyncReport(shown, (), (), error=str(error))

    def _poll_account(self, account_id: int) -> SyncReport:
        account = self._repository.account(account_id)
        self._last_seen[account_id] = account
        try:
            connector = self._connectors.for_account(account)
            token = self._credentials.token_for(account)
            try:
                result = connector.poll(self._client, token, self._repository.cursor(account_id))
            finally:
                self._credentials.keep_rotated(account.id, connector, token)
            now = self._clock.now()
            saved = self._repository.save_poll(account_id, result, now, now + self._interval(account))
        except AuthError as error:
            return self._problem(account, Health.NEEDS_RECONNECT, str(error), None)
        except RateLimited as error:
            wait = max(timedelta(seconds=error.retry_after), self._interval(account))
            return self._problem(account, Health.RATE_LIMITED, str(error), wait)
        except TransientError as error:
            return self._problem(account, Health.TRANSIENT_ERROR, str(error), self._backoff(account))
        except Rejected as error:
            # A refusal the connector did not expect while reading (a 404 for the account itself, say): the
            # platform's own words say more to the owner than "unexpected problem", and the log keeps the trace.
            log.warning("polling account %s (%s) was refused", account.id, account.platform.value, exc_info=True)
            detail = f"{error} Retrying later; if it goes on, reconnect the account."
            return self._problem(account, Health.BROKEN, detail, self._backoff(account))
        except StorageUnavailable:
            raise  # not a bug: poll_account reports it without writing
        except Exception as error:
            log.exception("polling account %s (%s) failed unexpectedly", account.id, account.platform.value)
            detail = f"Unexpected problem ({type(error).__name__}); retrying later. Details are in the log."
            return self._problem(account, Health.BROKEN, detail, self._backoff(account))
        self._reset_failures(account_id)
        return SyncReport(saved.account, saved.new_messages, saved.conversations, warnings=tuple(result.warnings))

    def _problem(self, account: Account, health: Health, detail: str, wait: timedelta | None) -> SyncReport:
        now = self._clock.now()
        next_poll = now + wait if wait is not None else None
        log.info("account %s: %s (%s)", account.id, health.value, detail)
        updated = self._repository.record_poll_problem(account.id, health, detail, now, next_poll)
        return SyncReport(updated, (), (), error=detail)

    def _interval(self, account: Account) -> timedelta:
        return timedelta(seconds=self.poll_interval(account))

    def _backoff(self, account: Account) -> timedelta:
        with self._failures_lock:
            failures = self._failures.get(account.id, 0) + 1
            self._failures[account.id] = failures
        # A long-polling account (interval 0) still waits between failed polls, or it would hammer the server.
        base = max(self._interval(account), MIN_BACKOFF)
        return min(base * (1 << min(failures, 10)), MAX_BACKOFF)

    def _reset_failures(self, account_id: int) -> None:
        with self._failures_lock:
            self._failures.pop(account_id, None)


def _own_interval(account: Account) -> int:
    return account.poll_interval_s
