from datetime import timedelta

import pytest

from socialinbox.connectors.base import AuthError, RateLimited, TransientError
from socialinbox.connectors.x_api import Gone
from socialinbox.domain import Health, Platform, PollResult
from socialinbox.storage import ingest
from tests.fakes import remote_message
from tests.sync.conftest import SyncWorld


def test_new_messages_are_reported_and_duplicates_are_not(world: SyncWorld) -> None:
    account = world.add_account()
    fake = world.fake(account)
    fake.script += [
        PollResult((remote_message("m1"),), "c1"),
        PollResult((remote_message("m1"), remote_message("m2")), "c2"),
    ]
    first = world.service.poll_account(account)
    second = world.service.poll_account(account)
    assert [m.remote_id for m in first.new_messages] == ["m1"]
    assert [m.remote_id for m in second.new_messages] == ["m2"]
    assert fake.polls == [None, "c1"]  # the stored cursor goes back to the connector
    assert second.account.health is Health.CONNECTED and second.ok


def test_token_comes_from_the_secret_store(world: SyncWorld) -> None:
    account = world.add_account(token="tok-123")
    world.service.poll_account(account)
    assert world.fake(account).tokens_seen == ["tok-123"]


def test_revoked_token_marks_account_for_reconnect(world: SyncWorld) -> None:
    account = world.add_account()
    world.fake(account).script.append(AuthError("Mastodon rejected the sign-in (HTTP 401). Reconnect the account."))
    report = world.service.poll_account(account)
    assert report.account.health is Health.NEEDS_RECONNECT
    assert report.account.next_poll_at is None and report.account.polling_stopped
    assert "Reconnect" in report.error


def test_missing_token_asks_for_reconnect_without_calling_the_platform(world: SyncWorld) -> None:
    account = world.add_account(token=None)
    report = world.service.poll_account(account)
    assert report.account.health is Health.NEEDS_RECONNECT
    assert world.fake(account).polls == []


def test_demo_needs_no_token(world: SyncWorld) -> None:
    account = world.add_account(Platform.DEMO, token=None)
    assert world.service.poll_account(account).ok


def test_rate_limit_waits_at_least_retry_after(world: SyncWorld) -> None:
    account = world.add_account(poll_interval_s=60)
    world.fake(account).script.append(RateLimited("slow down", retry_after=900))
    report = world.service.poll_account(account)
    assert report.account.health is Health.RATE_LIMITED
    assert report.account.next_poll_at == world.clock.now() + timedelta(seconds=900)


def test_transient_errors_back_off_exponentially_then_recover(world: SyncWorld) -> None:
    account = world.add_account(poll_interval_s=60)
    fake = world.fake(account)
    fake.script += [TransientError("down"), TransientError("down"), PollResult((remote_message("m1"),), "c1")]
    waits = [world.service.poll_account(account).account.next_poll_at - world.clock.now() for _ in range(2)]  # type: ignore[operator]
    assert waits == [timedelta(minutes=2), timedelta(minutes=4)]
    recovered = world.service.poll_account(account)
    assert recovered.account.health is Health.CONNECTED and len(recovered.new_messages) == 1
    assert recovered.account.next_poll_at == world.clock.now() + timedelta(seconds=60)


def test_unexpected_connector_bug_is_reported_not_raised(world: SyncWorld, caplog: pytest.LogCaptureFixture) -> None:
    account = world.add_account()
    world.fake(account).script.append(KeyError("statuses"))
    report = world.service.poll_account(account)
    assert report.account.health is Health.BROKEN and "KeyError" in report.error
    assert "failed unexpectedly" in caplog.text


def test_a_refusal_while_reading_is_told_in_the_platforms_words(
    world: SyncWorld, caplog: pytest.LogCaptureFixture
) -> None:
    account = world.add_account(poll_interval_s=60)
    world.fake(account).script.append(Gone("X says the account @crumbandco does not exist."))
    report = world.service.poll_account(account)
    assert report.account.health is Health.BROKEN
    assert report.error.startswith("X says the account @crumbandco does not exist. Retrying later")
    assert report.account.next_poll_at == world.clock.now() + timedelta(minutes=2)
    assert "was refused" in caplog.text


def test_one_failing_account_does_not_stop_others(world: SyncWorld) -> None:
    broken, fine = world.add_account(), world.add_account()
    world.fake(broken).script.append(AuthError("revoked"))
    world.fake(fine).script.append(PollResult((remote_message("m1"),), "c1"))
    assert not world.service.poll_account(broken).ok
    assert len(world.service.poll_account(fine).new_messages) == 1


def test_crash_between_poll_and_store_loses_nothing(world: SyncWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    account = world.add_account()
    fake = world.fake(account)
    page = PollResult((remote_message("m1"), remote_message("m2")), "c1")
    fake.script += [page, page]  # the platform answers the same again, as it does for an unadvanced cursor

    def crash(*args: object) -> list[int]:
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(ingest, "_insert_messages", crash)
    assert world.service.poll_account(account).account.health is Health.BROKEN
    monkeypatch.undo()
    report = world.service.poll_account(account)
    assert fake.polls == [None, None]  # the cursor did not move past unstored messages
    assert sorted(m.remote_id for m in report.new_messages) == ["m1", "m2"]


def test_token_never_appears_in_reports_or_logs(world: SyncWorld, caplog: pytest.LogCaptureFixture) -> None:
    account = world.add_account(token="tok-SUPERSECRET")
    world.fake(account).script += [AuthError("rejected"), TransientError("down"), KeyError("x")]
    reports = [world.service.poll_account(account) for _ in range(3)]
    assert "SUPERSECRET" not in repr(reports) + caplog.text
