"""Bluesky sign-in, the PDS from the DID document, transparent refresh with rotation, rate limits, token safety."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from socialinbox.connectors.base import AuthError, ConnectorError, RateLimited, TransientError
from socialinbox.connectors.bluesky_session import (
    BlueskySession,
    create_session,
    new_session_cache,
    normalize_handle,
    normalize_service_url,
    pds_from_did_doc,
)
from tests.conftest import FakeClock
from tests.connectors.bluesky_testkit import connector, sign_in
from tests.connectors.fake_bluesky import FakeBluesky
from tests.connectors.fake_bluesky_model import APP_PASSWORD, SHOP_DID, SHOP_HANDLE


def test_sign_in_keeps_the_session_and_the_pds_named_by_the_did_document(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    session = create_session(
        client, fake.url, "crumbandco.bsky.social", APP_PASSWORD, plc_url=fake.url, now=clock.now()
    )

    assert session.did == SHOP_DID and session.handle == SHOP_HANDLE
    assert session.pds_url == fake.pds_endpoint != fake.url  # the entryway signed us in; the PDS serves us
    assert session.dm_access is True
    blob = json.loads(session.to_token())
    assert set(blob) == {"accessJwt", "refreshJwt", "did", "handle", "pdsUrl"}
    assert BlueskySession.from_token(session.to_token()) == session
    assert "Jwt" not in repr(session) and session.access_jwt not in repr(session)


def test_without_a_did_document_in_the_session_the_plc_directory_names_the_pds(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    fake.did_doc_in_session = False
    session = create_session(client, fake.url, SHOP_HANDLE, APP_PASSWORD, plc_url=fake.url, now=clock.now())
    assert session.pds_url == fake.pds_endpoint


def test_a_wrong_app_password_is_an_auth_error_without_the_password(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    with pytest.raises(AuthError, match="did not accept that handle and app password") as raised:
        create_session(client, fake.url, SHOP_HANDLE, "wxyz-wrong-pass-word", plc_url=fake.url, now=clock.now())
    assert "wxyz" not in str(raised.value)


def test_sign_in_limits_are_reported_as_rate_limits(fake: FakeBluesky, client: httpx.Client, clock: FakeClock) -> None:
    fake.session_limit = 0
    with pytest.raises(RateLimited) as raised:
        create_session(client, fake.url, SHOP_HANDLE, APP_PASSWORD, plc_url=fake.url, now=clock.now())
    assert raised.value.retry_after == pytest.approx(300, abs=1)  # from RateLimit-Reset, epoch seconds


def test_an_expired_access_token_is_refreshed_once_and_polls_go_on(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    token = sign_in(fake, client, clock)
    bsky = connector(fake, clock)
    fake.mention(fake.customer("ana.bsky.social"), "Hi")
    fake.expire_access_tokens()  # expired early: the server says so with 400 ExpiredToken

    assert len(bsky.poll(client, token, None).messages) == 1
    assert len(list(fake.exchanges("com.atproto.server.refreshSession"))) == 1
    assert fake.sessions_created == 1  # never a new session per poll
    rotated = bsky.rotated_token(token)
    assert rotated is not None and json.loads(rotated)["refreshJwt"] != json.loads(token)["refreshJwt"]
    bsky.poll(client, token, None)  # the stored token is old, but the refreshed session is used
    assert len(list(fake.exchanges("com.atproto.server.refreshSession"))) == 1


def test_an_access_token_about_to_expire_is_renewed_before_the_request(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    token = sign_in(fake, client, clock)
    clock.advance(hours=2)  # the access token lives two hours
    connector(fake, clock).poll(client, token, None)
    statuses = [e.status for e in fake.traffic if e.nsid != "com.atproto.server.createSession"]
    assert fake.traffic[1].nsid == "com.atproto.server.refreshSession" and 400 not in statuses


def test_after_a_restart_the_stored_rotated_token_still_works(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    token = sign_in(fake, client, clock)
    clock.advance(hours=2)
    first_run = connector(fake, clock)
    first_run.poll(client, token, None)  # refreshes: the refresh token rotates
    stored = first_run.rotated_token(token)
    assert stored is not None
    clock.advance(hours=3)  # the old refresh token's grace period is long over

    second_run = connector(fake, clock)  # a new process: an empty session cache
    second_run.poll(client, stored, None)
    with pytest.raises(AuthError):
        connector(fake, clock).poll(client, token, None)  # the pre-rotation token alone would not


def test_a_revoked_sign_in_is_an_auth_error_that_asks_to_reconnect(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    token = sign_in(fake, client, clock)
    fake.revoke_sessions()
    fake.expire_access_tokens()
    with pytest.raises(AuthError, match="Reconnect") as raised:
        connector(fake, clock).poll(client, token, None)
    assert json.loads(token)["refreshJwt"] not in str(raised.value)
    assert json.loads(token)["accessJwt"] not in str(raised.value)


def test_concurrent_requests_refresh_only_once(fake: FakeBluesky, client: httpx.Client, clock: FakeClock) -> None:
    token = sign_in(fake, client, clock)
    bsky = connector(fake, clock, direct_messages=False)
    clock.advance(hours=2)
    fake.delay_next("com.atproto.server.refreshSession", 0.3)  # the others start while the first refresh runs
    errors: list[BaseException] = []

    def poll() -> None:
        try:
            bsky.poll(client, token, None)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(list(fake.exchanges("com.atproto.server.refreshSession"))) == 1


def test_a_request_that_saw_the_old_session_uses_the_refresh_another_one_just_made() -> None:
    stored = BlueskySession("access-0", "refresh-0", SHOP_DID, SHOP_HANDLE, "https://pds.example")
    cache, renewals = new_session_cache(), []

    def renew(current: BlueskySession) -> BlueskySession:
        renewals.append(current)
        return BlueskySession(
            f"access-{len(renewals)}", f"refresh-{len(renewals)}", SHOP_DID, SHOP_HANDLE, current.pds_url
        )

    first, second = cache.current(stored), cache.current(stored)  # two requests start with the stored session
    fresh = cache.refresh(stored, first, renew)
    assert cache.refresh(stored, second, renew) is fresh and len(renewals) == 1
    assert json.loads(cache.rotated_token(stored.to_token()) or "{}")["refreshJwt"] == "refresh-1"


def test_429_is_a_rate_limit_with_the_wait_from_the_reset_header(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    token = sign_in(fake, client, clock)
    fake.rate_remaining = 0
    with pytest.raises(RateLimited) as raised:
        connector(fake, clock).poll(client, token, None)
    assert raised.value.retry_after == pytest.approx(300, abs=1)


def test_server_trouble_is_transient(fake: FakeBluesky, client: httpx.Client, clock: FakeClock) -> None:
    token = sign_in(fake, client, clock)
    fake.fail_next("app.bsky.notification.listNotifications", 502, "UpstreamFailure", "upstream failed")
    with pytest.raises(TransientError, match="502"):
        connector(fake, clock).poll(client, token, None)


def test_an_unreadable_stored_sign_in_asks_to_reconnect(
    fake: FakeBluesky, client: httpx.Client, clock: FakeClock
) -> None:
    for broken in (
        "",
        "not json",
        '{"accessJwt": 1}',
        json.dumps({"accessJwt": "a", "refreshJwt": "r", "did": "d", "pdsUrl": "http://evil.test"}),
    ):
        with pytest.raises(AuthError, match="cannot be read"):
            connector(fake, clock).poll(client, broken, None)


def test_verify_names_the_account(fake: FakeBluesky, client: httpx.Client, clock: FakeClock) -> None:
    assert connector(fake, clock).verify(client, sign_in(fake, client, clock)) == SHOP_HANDLE


def test_no_connector_error_ever_carries_a_token(fake: FakeBluesky, client: httpx.Client, clock: FakeClock) -> None:
    token = sign_in(fake, client, clock)
    secrets = json.loads(token)
    for status, error in ((400, "InvalidToken"), (401, "AuthenticationRequired"), (500, "InternalServerError")):
        fake.fail_next("app.bsky.notification.listNotifications", status, error, f"echo {secrets['accessJwt'][:20]}")
        with pytest.raises(ConnectorError) as raised:
            connector(fake, clock).poll(client, token, None)
        assert secrets["refreshJwt"] not in str(raised.value) and secrets["accessJwt"] not in str(raised.value)
    assert "Jwt" not in repr(new_session_cache()) and "Jwt" not in repr(connector(fake, clock))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("@Crumbandco", "crumbandco.bsky.social"), ("crumb.shop", "crumb.shop"), (" Ana.Bsky.Social ", "ana.bsky.social")],
)
def test_handles_are_normalised_like_the_bluesky_apps_do(typed: str, expected: str) -> None:
    assert normalize_handle(typed) == expected


def test_only_https_or_this_computer_is_a_server(clock: FakeClock) -> None:
    assert normalize_service_url("bsky.social") == "https://bsky.social"
    assert normalize_service_url("http://127.0.0.1:2583/") == "http://127.0.0.1:2583"
    for bad in ("http://pds.example", "ftp://x", "https://x.example/path"):
        with pytest.raises(ValueError):
            normalize_service_url(bad)
    service = {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "http://pds.example"}
    document = {"id": "did:plc:a", "service": [service]}
    assert pds_from_did_doc(document, "did:plc:a") is None  # a DID document may not send tokens over plain http
    assert pds_from_did_doc(document, "did:plc:other") is None
