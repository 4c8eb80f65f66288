"""Signing in to Google in the (played) browser and connecting a Business Profile location, against the fake Google."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from socialinbox.accounts_setup import AlreadyConnected, SetupError
from socialinbox.connectors.base import AuthError
from socialinbox.connectors.google_session import GoogleSession, authorization_request, exchange_code
from socialinbox.domain import Platform
from socialinbox.google_reviews_setup import (
    GOOGLE_POLL_INTERVAL_S,
    ChooseLocation,
    Endpoints,
    begin_google_sign_in,
    connect_google_reviews,
    reconnect_google_reviews,
)
from socialinbox.secrets import account_key
from socialinbox.wiring import Core
from tests.connectors.fake_google import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    LOCATION,
    OTHER_LOCATION,
    OTHER_TITLE,
    TITLE,
    FakeGoogle,
    quota_zero,
)


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(lambda: datetime.now(UTC)) as fake:
        yield fake
    assert fake.violations == []


def endpoints(fake: FakeGoogle) -> Endpoints:
    return Endpoints(fake.auth_url, fake.token_url, fake.url, fake.url, fake.url)


def browse(url: str, pages: list[httpx.Response]) -> threading.Thread:
    """The browser: Google's page approves at once and sends it back to the app's loopback listener."""

    def go() -> None:
        with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as browser:
            pages.append(browser.get(url))

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread


def sign_in(core: Core, fake: FakeGoogle, timeout: float = 10) -> tuple[str, list[httpx.Response]]:
    pages: list[httpx.Response] = []
    with begin_google_sign_in(core, CLIENT_ID, CLIENT_SECRET, endpoints(fake)) as started:
        browse(started.browser_url, pages)
        token = started.token_from_browser(timeout=timeout)
    return token, pages


def test_the_browser_sign_in_exchanges_the_code_with_the_pkce_verifier(core: Core, google: FakeGoogle) -> None:
    token, pages = sign_in(core, google)

    session = GoogleSession.from_token(token)
    assert session.client_secret == CLIENT_SECRET and session.refresh_token in google.refresh_tokens
    assert pages[0].status_code == 200 and "close this tab" in pages[0].text
    (asked,) = google.requests_to("GET authorize")
    assert asked.params["redirect_uri"].startswith("http://127.0.0.1:") and asked.params["redirect_uri"].endswith(
        "/callback"
    )
    (exchanged,) = google.requests_to("POST token")
    assert exchanged.status == 200 and exchanged.body["redirect_uri"] == asked.params["redirect_uri"]


def test_a_code_exchanged_without_its_verifier_is_refused(core: Core, google: FakeGoogle) -> None:
    request = authorization_request(CLIENT_ID, "http://127.0.0.1:1/callback", state="s", auth_url=google.auth_url)
    with httpx.Client(follow_redirects=False) as browser:
        code = httpx.URL(browser.get(request.url).headers["Location"]).params["code"]
    forged = authorization_request(CLIENT_ID, request.redirect_uri, state="s", auth_url=google.auth_url)  # other PKCE
    with pytest.raises(AuthError, match="did not accept the sign-in code"):
        exchange_code(
            core.client, CLIENT_ID, CLIENT_SECRET, code, forged, token_url=google.token_url, now=core.clock.now()
        )


def test_a_forged_state_is_turned_away_and_the_sign_in_times_out(core: Core, google: FakeGoogle) -> None:
    google.forge_state = True
    with pytest.raises(AuthError, match="in time"):
        sign_in(core, google, timeout=1.5)
    assert google.requests_to("POST token") == []


def test_declining_in_the_browser_says_so(core: Core, google: FakeGoogle) -> None:
    google.decline = True
    with pytest.raises(AuthError, match="cancelled"):
        sign_in(core, google)


def test_a_wrong_client_secret_is_explained(core: Core, google: FakeGoogle) -> None:
    pages: list[httpx.Response] = []
    with begin_google_sign_in(core, CLIENT_ID, "GOCSPX-wrong", endpoints(google)) as started:
        browse(started.browser_url, pages)
        with pytest.raises(AuthError, match="Desktop app") as refused:
            started.token_from_browser(timeout=10)
    assert "GOCSPX-wrong" not in str(refused.value)
    with pytest.raises(SetupError, match="client's id and secret"):
        begin_google_sign_in(core, CLIENT_ID, " ")


def test_the_only_location_is_connected_and_the_sign_in_goes_to_the_keyring(core: Core, google: FakeGoogle) -> None:
    token, _ = sign_in(core, google)
    account = connect_google_reviews(core, CLIENT_ID, token, endpoints=endpoints(google))

    assert (account.platform, account.handle, account.poll_interval_s) == (
        Platform.GOOGLE_REVIEWS,
        TITLE,
        GOOGLE_POLL_INTERVAL_S,
    )
    assert account.settings["account"] == ACCOUNT and account.settings["location"] == LOCATION
    assert account.settings["client_id"] == CLIENT_ID
    assert CLIENT_SECRET not in json.dumps(dict(account.settings)) and "ya29" not in json.dumps(dict(account.settings))
    assert core.secrets.get(account_key(account.id)) == token
    (listed,) = google.requests_to("GET locations")
    assert listed.path == f"/v1/{ACCOUNT}/locations" and listed.params["readMask"] == "name,title"
    with pytest.raises(AlreadyConnected):
        connect_google_reviews(core, CLIENT_ID, token, endpoints=endpoints(google))


def test_several_locations_are_listed_and_the_one_named_is_connected(core: Core, google: FakeGoogle) -> None:
    google.locations[ACCOUNT].append((OTHER_LOCATION, OTHER_TITLE))
    token, _ = sign_in(core, google)
    with pytest.raises(ChooseLocation, match=f"{TITLE} \\({LOCATION}\\); {OTHER_TITLE}") as several:
        connect_google_reviews(core, CLIENT_ID, token, endpoints=endpoints(google))
    assert len(several.value.labels) == 2 and core.repository.accounts() == []
    with pytest.raises(SetupError, match="no location called Nowhere; it manages"):
        connect_google_reviews(core, CLIENT_ID, token, location="Nowhere", endpoints=endpoints(google))
    account = connect_google_reviews(core, CLIENT_ID, token, location=TITLE.upper(), endpoints=endpoints(google))
    assert account.settings["location"] == LOCATION


def test_an_unapproved_project_is_explained_while_connecting(core: Core, google: FakeGoogle) -> None:
    token, _ = sign_in(core, google)
    google.fail("GET accounts", 429, quota_zero())
    with pytest.raises(AuthError, match="has not approved the Business Profile API"):
        connect_google_reviews(core, CLIENT_ID, token, endpoints=endpoints(google))
    assert core.repository.accounts() == []


def test_reconnecting_keeps_the_account_and_takes_the_new_sign_in(core: Core, google: FakeGoogle) -> None:
    token, _ = sign_in(core, google)
    account = connect_google_reviews(core, CLIENT_ID, token, endpoints=endpoints(google))
    fresh, _ = sign_in(core, google)
    assert reconnect_google_reviews(core, account.id, fresh, client_id=CLIENT_ID).id == account.id
    assert core.secrets.get(account_key(account.id)) == fresh
