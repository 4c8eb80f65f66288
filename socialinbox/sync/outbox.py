"""Sending queued replies: each one exactly once, or a clear reason why not.

A reply is stored before any attempt (``Repository.queue_reply``) and claimed by one worker at a time. The
platform's idempotency key travels with every attempt. After an *uncertain* failure (the request may have
arrived) the reply is never sent again silently: it waits for the owner, with the reason.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from socialinbox.connectors.base import AuthError, RateLimited, Rejected, TransientError, UncertainDelivery
from socialinbox.domain import Clock, DeliveryReport
from socialinbox.storage.outbox_queries import ClaimedReply
from socialinbox.storage.repository import Repository
from socialinbox.sync.service import ConnectorPool, Credentials

log = logging.getLogger(__name__)

MAX_AUTOMATIC_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=15)


class OutboxSender:
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

    def send_due(self, account_id: int | None = None) -> list[DeliveryReport]:
        """Try every reply whose time has come; one report per reply tried."""
        claimed = self._repository.claim_due_replies(self._clock.now(), account_id=account_id)
        return [self._deliver(claim) for claim in claimed]

    def _deliver(self, claim: ClaimedReply) -> DeliveryReport:
        item = claim.item
        try:
            account = self._repository.account(item.account_id)
            connector = self._connectors.for_account(account)
            sent = connector.send(self._client, self._credentials.token_for(account), claim.reply)
        except UncertainDelivery as error:
            return self._fail(item.id, f"{error} It may have been posted: check the platform before retrying.")
        except AuthError as error:
            return self._fail(item.id, f"{error} The reply is kept; retry it after reconnecting.")
        except Rejected as error:
            return self._fail(item.id, f"{error} Edit the reply or answer on the platform itself.")
        except RateLimited as error:
            return self._retry(item.id, item.attempts, str(error), timedelta(seconds=error.retry_after))
        except TransientError as error:
            return self._retry(item.id, item.attempts, str(error), RETRY_BASE * (1 << max(item.attempts - 1, 0)))
        except Exception as error:
            log.exception("sending reply %s failed unexpectedly", item.id)
            return self._fail(item.id, f"Unexpected problem while sending ({type(error).__name__}); see the log.")
        return self._repository.mark_sent(item.id, sent, self._clock.now())

    def _retry(self, outbox_id: int, attempts: int, reason: str, wait: timedelta) -> DeliveryReport:
        if attempts >= MAX_AUTOMATIC_ATTEMPTS:
            return self._fail(outbox_id, f"{reason} Gave up after {attempts} attempts; retry when the network is back.")
        return self._repository.mark_send_failed(outbox_id, reason, self._clock.now() + wait)

    def _fail(self, outbox_id: int, reason: str) -> DeliveryReport:
        log.info("reply %s not sent: %s", outbox_id, reason)
        return self._repository.mark_send_failed(outbox_id, reason, None)
