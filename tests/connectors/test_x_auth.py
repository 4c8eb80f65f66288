"""Signing in to X with Authorization Code + PKCE against the fake X API: the browser is an httpx client that
follows the consent page's redirect to the loopback listener, as a real browser would."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from socialinbox.connectors.base import AuthError
from socialinbox.connectors.http import make_client
from socialinbox.connectors.oauth_loopback import LoopbackRedirectListener, new_state
from socialinbox.connectors.x_auth import (
    AUTHORIZE_URL,
    REDIRECT_URI,
    SCOPES,
    authorization_request,
    authorize_url,
    exchange_code,
)
from socialinbox.connectors.x_session import XSession, refresh_session
from tests.conftest import FakeClock
from tests.connectors.fake_x import CLIENT_ID, FakeX


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeX]:
    with FakeX(now=clock.now) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client() as shared:
        yield shared


def browse(url: str) -> httpx.Response:
    with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as browser:
        return browser.get(url)


def sign_in(fake: FakeX, client: httpx.Client, clock: FakeClock, *, wait_s: float = 0) -> XSession:
    state = new_state()
    with LoopbackRedirectListener(state, port=0) as listener:
        request = authorization_request(CLIENT_ID, state=state, api_base=fake.api_base, port=listener.port)
        landed = browse(request.url)
        code = listener.wait(timeout=5)
    assert "close this tab" in landed.text
    clock.advance(seconds=wait_s)
    return exchange_code(client, CLIENT_ID, code, request, api_base=fake.api_base, now=clock.now())


def test_the_consent_page_asks_for_pkce_s256_the_scopes_and_the_registered_callback() -> None:
    request = authorization_request(CLIENT_ID, state="s-1")
    url = httpx.URL(request.url)
    assert str(url).startswith(AUTHORIZE_URL) and authorize_url() == "https://x.com/i/oauth2/authorize"
    params = url.params
    assert params["redirect_uri"] == REDIRECT_URI == "http://127.0.0.1:53682/callback"
    assert (params["client_id"], params["state"], params["response_type"]) == (CLIENT_ID, "s-1", "code")
    assert params["scope"] == SCOPES and "offline.access" in SCOPES and "dm.write" in SCOPES
    digest = hashlib.sha256(request.code_verifier.encode()).digest()
    assert params["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert params["code_challenge_method"] == "S256" and request.code_verifier not in request.url
    assert request.code_verifier not in repr(request)


def test_a_sign_in_exchanges_the_code_at_once_for_a_lasting_session(fake, client, clock) -> None:
    session = sign_in(fake, client, clock, wait_s=5)
    assert session.access_token in fake.access_tokens and session.refresh_token in fake.refresh_tokens
    assert session.expires_at == clock.now() + timedelta(hours=2)
    assert XSession.from_token(session.to_token()) == session
    assert session.access_token not in repr(session)


def test_a_code_exchanged_after_30_seconds_is_refused(fake, client, clock) -> None:
    with pytest.raises(AuthError, match="30 seconds"):
        sign_in(fake, client, clock, wait_s=31)


def test_a_wrong_verifier_is_refused(fake, client, clock) -> None:
    state = new_state()
    with LoopbackRedirectListener(state, port=0) as listener:
        request = authorization_request(CLIENT_ID, state=state, api_base=fake.api_base, port=listener.port)
        browse(request.url)
        code = listener.wait(timeout=5)
    other = authorization_request(CLIENT_ID, state=state, api_base=fake.api_base, port=listener.port)
    with pytest.raises(AuthError):
        exchange_code(client, CLIENT_ID, code, other, api_base=fake.api_base, now=clock.now())


def test_an_answer_with_another_state_is_turned_away(fake) -> None:
    listener = LoopbackRedirectListener(new_state(), port=0)
    listener.start()
    try:
        forged = browse(f"http://127.0.0.1:{listener.port}/callback?state=not-ours&code=stolen")
        assert forged.status_code == 400
        with pytest.raises(AuthError, match="in time"):
            listener.wait(timeout=0.3)
    finally:
        listener.close()


def test_denying_in_the_browser_cancels_the_sign_in(fake) -> None:
    fake.deny = True
    state = new_state()
    with LoopbackRedirectListener(state, port=0) as listener:
        request = authorization_request(CLIENT_ID, state=state, api_base=fake.api_base, port=listener.port)
        assert "cancelled" in browse(request.url).text
        with pytest.raises(AuthError, match="cancelled"):
            listener.wait(timeout=5)


def test_a_sign_in_without_offline_access_is_refused(fake, client, clock) -> None:
    fake.give_refresh_token = False
    with pytest.raises(AuthError, match="offline access"):
        sign_in(fake, client, clock)


@pytest.mark.parametrize("error", ["invalid_grant", "invalid_request"])
def test_a_refused_grant_is_an_auth_error(fake, client, clock, error) -> None:
    fake.fail("POST token", 400, {"error": error, "error_description": "Value passed for the token was invalid."})
    with pytest.raises(AuthError):
        sign_in(fake, client, clock)


def test_a_developer_app_that_is_not_a_native_app_is_explained(fake, client, clock) -> None:
    """X asks a web app's client for its secret ("Missing valid authorization header"): signing in again as such
    cannot help, so the owner is told what to change, at the first sign-in as when renewing one."""
    refused = {"error": "unauthorized_client", "error_description": "Missing valid authorization header"}
    fake.fail("POST token", 401, refused)
    with pytest.raises(AuthError, match="'Native App'"):
        sign_in(fake, client, clock)
    session = XSession.from_token(fake.stored_token())
    fake.fail("POST token", 401, refused)
    with pytest.raises(AuthError, match="'Native App'") as renewing:
        refresh_session(client, fake.api_base, CLIENT_ID, session, now=clock.now())
    assert session.refresh_token not in str(renewing.value)


def test_a_fixed_port_another_program_holds_is_explained() -> None:
    with LoopbackRedirectListener(new_state(), port=0) as holder, pytest.raises(AuthError, match="is taken"):
        LoopbackRedirectListener(new_state(), port=holder.port)


def test_a_fixed_port_can_be_used_again_right_after_a_sign_in(fake, client, clock) -> None:
    with LoopbackRedirectListener(new_state(), port=0) as first:
        port = first.port
    for _ in range(2):  # the finished sign-in's connections linger in TIME_WAIT; the port must still bind
        state = new_state()
        with LoopbackRedirectListener(state, port=port) as listener:
            request = authorization_request(CLIENT_ID, state=state, api_base=fake.api_base, port=port)
            browse(request.url)
            assert listener.wait(timeout=5)
