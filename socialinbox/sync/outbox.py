"""Sending queued replies: each one exactly once, or a clear reason why not.

A reply is stored before any attempt (``Repository.queue_reply``) and claimed by one worker at a time. The
platform's idempotency key travels with every attempt. After an *uncertain* failure (the request may have
arrived) the reply is never sent again blindly: where the connector can look for it (``find_sent``) the next
attempt looks first and records what it finds; elsewhere it waits for the owner, with the reason. A reply that has
waited is checked once more just before it goes (``presend``) and held for the owner when it has gone stale.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from socialinbox.connectors.base import (
    AuthError,
    Connector,
    FindsSentReplies,
    RateLimited,
    Rejected,
    TransientError,
    UncertainDelivery,
)
from socialinbox.domain import DeliveryReport, SentReply
from socialinbox.storage.outbox_queries import ClaimedReply
from socialinbox.storage.problems import StorageUnavailable
from socialinbox.sync import presend
from socialinbox.sync.service import AccountWorker

log = logging.getLogger(__name__)

MAX_AUTOMATIC_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=15)


class OutboxSender(AccountWorker):
    def send_due(self, account_id: int | None = None) -> list[DeliveryReport]:
        """Try every reply whose time has come; one report per reply tried, and one per reply found interrupted
        (the process sending it stopped: ``recover_interrupted``)."""
        now = self._clock.now()
        interrupted: list[DeliveryReport] = []
        try:
            interrupted = self._repository.recover_interrupted(now)
            claimed = self._repository.claim_due_replies(now, account_id=account_id)
        except StorageUnavailable as error:  # locked, full, read-only: nothing claimed, so nothing at risk
            log.warning("outbox waits: storage unavailable (%s)", error.problem.value)
            return interrupted  # already marked: this is the one report of them
        for report in interrupted:
            log.warning("reply %s was interrupted mid-send and waits for the owner to check it", report.item.id)
        return [*interrupted, *(self._deliver(claim) for claim in claimed)]

    def _deliver(self, claim: ClaimedReply) -> DeliveryReport:
        item = claim.item
        can_find = False
        connector: Connector | None = None
        token: str | None = None  # both read by the finally below, which keeps a renewed sign-in
        try:
            account = self._repository.account(item.account_id)
            connector = self._connectors.for_account(account)
            can_find = isinstance(connector, FindsSentReplies)
            token = self._credentials.token_for(account)
            found = self._earlier_attempt(connector, token, claim)
            if found is not None:
                return self._repository.mark_sent(item.id, found, self._clock.now())
            now = self._clock.now()
            held = presend.check(self._repository, connector, self._client, token, claim, account.platform, now)
            if held is not None:
                return self._fail(item.id, held)
            sent = connector.send(self._client, token, claim.reply)
        except UncertainDelivery as error:
            if can_find:
                # Retried later, and the retry looks on the platform first: posted once, never twice.
                wait = RETRY_BASE * (1 << max(item.attempts - 1, 0))
                reason = f"{error} Checking the platform before trying again."
                return self._retry(item.id, item.attempts, reason, wait, uncertain=True)
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
        finally:
            self._credentials.keep_rotated(item.account_id, connector, token)
        return self._repository.mark_sent(item.id, sent, self._clock.now())

    def _retry(
        self, outbox_id: int, attempts: int, reason: str, wait: timedelta, *, uncertain: bool | None = None
    ) -> DeliveryReport:
        if attempts >= MAX_AUTOMATIC_ATTEMPTS:
            reason = f"{reason} Gave up after {attempts} attempts; retry when the network is back."
            return self._fail(outbox_id, reason, uncertain=uncertain)
        return self._repository.mark_send_failed(outbox_id, reason, self._clock.now() + wait, uncertain=uncertain)

    def _fail(self, outbox_id: int, reason: str, *, uncertain: bool | None = None) -> DeliveryReport:
        log.info("reply %s not sent: %s", outbox_id, reason)
        return self._repository.mark_send_failed(outbox_id, reason, None, uncertain=uncertain)

    def _earlier_attempt(self, connector: Connector, token: str, claim: ClaimedReply) -> SentReply | None:
        """After an uncertain attempt, the reply as the platform already has it, if it does."""
        if not claim.uncertain or not isinstance(connector, FindsSentReplies):
            return None
        found = connector.find_sent(self._client, token, claim.reply)
        if found is not None:
            log.info("reply %s was already posted by an earlier attempt; not sending it again", claim.item.id)
        return found
