"""Connecting a Google Business Profile location's reviews: the flow the command line and the GUI share.

::

    with begin_google_sign_in(core, client_id, client_secret) as sign_in:   # listens on 127.0.0.1:<port>/callback
        open the browser on sign_in.browser_url
        token = sign_in.token_from_browser()                                 # the code is exchanged at once
    account = connect_google_reviews(core, client_id, token, location="Crumb & Co.")   # or reconnect_google_reviews

After the sign-in, the Account Management API lists the Business Profile accounts the owner can reach
(``GET /v1/accounts``) and the Business Information API each one's locations (``GET /v1/{account}/locations
?readMask=name,title``). With one location it is taken; with several the owner names one (``ChooseLocation`` lists
them). Each location is an account of its own in Social Inbox. The sign-in (client secret, refresh and access token,
as one JSON blob) goes to the keyring only; the location's names, its title and the client id (needed to renew the
sign-in) go to the account's settings. Qt-free; every function may block on the network or on the browser.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from socialinbox.accounts_setup import AlreadyConnected, SetupError, reconnect, setup_step, store_new_account
from socialinbox.browser_sign_in import BrowserSignIn
from socialinbox.connectors.base import RateLimited
from socialinbox.domain import Account, Platform
from socialinbox.wiring import Core

if TYPE_CHECKING:  # the connector is imported by the functions that use it: the GUI loads this module at start
    from socialinbox.connectors.google_session import GoogleApi
    from socialinbox.connectors.oauth_loopback import AuthorizationRequest

GOOGLE_POLL_INTERVAL_S = 120  # reviews come slowly, and the project's quota (300 a minute) is shared by every call
MAX_LIST_PAGES = 20
CLIENT_HELP = (
    "Social Inbox reads your Google reviews through an OAuth client of your own. In the Google Cloud console "
    "(console.cloud.google.com), pick or make a project, open 'Google Auth Platform', set up the consent screen, "
    "then under 'Clients' create a client of type 'Desktop app' and copy its client id and client secret here. "
    "Social Inbox keeps the secret in your system's keyring."
)
APPROVAL_NOTE = (
    "Google must approve the Business Profile API for that project first: request access at "
    'developers.google.com/my-business ("Prerequisites"), and once approved enable the \'My Business Account '
    "Management', 'My Business Business Information' and 'Google My Business' APIs. Until then Google's quota is 0 "
    "and every request is refused. While your OAuth app is in 'Testing', Google ends the sign-in after seven days; "
    "publish it to avoid signing in every week."
)
ONE_REPLY_NOTE = (
    "Google keeps one reply per review: answering a review again replaces your earlier reply there, for everyone."
)


@dataclasses.dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the Google APIs are; only tests point elsewhere."""

    auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url: str = "https://oauth2.googleapis.com/token"
    api_base: str = "https://mybusiness.googleapis.com"
    accounts_base: str = "https://mybusinessaccountmanagement.googleapis.com"
    locations_base: str = "https://mybusinessbusinessinformation.googleapis.com"


@dataclasses.dataclass(frozen=True, slots=True)
class Location:
    account: str  # "accounts/123"
    name: str  # "locations/456"
    title: str

    @property
    def label(self) -> str:
        return f"{self.title} ({self.name})"


class ChooseLocation(SetupError):
    """The sign-in manages several locations and none was named: the owner says which."""

    def __init__(self, labels: list[str]) -> None:
        super().__init__(
            f"That Google account manages several locations: {'; '.join(labels)}. Name the one to connect."
        )
        self.labels = labels


class GoogleSignIn(BrowserSignIn):
    """One sign-in in the browser, waiting on a loopback port the system picks (Google accepts any)."""

    def __init__(self, core: Core, client_id: str, client_secret: str, endpoints: Endpoints) -> None:
        from socialinbox.connectors.google_session import authorization_request
        from socialinbox.connectors.oauth_loopback import LoopbackRedirectListener, new_state

        self.client_id = client_id
        self._client_secret = client_secret
        self._core = core
        self._endpoints = endpoints
        state = new_state()
        listener = LoopbackRedirectListener(state)
        super().__init__(
            listener, authorization_request(client_id, listener.redirect_uri, state=state, auth_url=endpoints.auth_url)
        )

    @setup_step
    def _exchange(self, code: str, request: AuthorizationRequest) -> str:
        from socialinbox.connectors.google_session import exchange_code

        core = self._core
        session = exchange_code(
            core.client,
            self.client_id,
            self._client_secret,
            code,
            request,
            token_url=self._endpoints.token_url,
            now=core.clock.now(),
        )
        return session.to_token()


def begin_google_sign_in(
    core: Core, client_id: str, client_secret: str, endpoints: Endpoints | None = None
) -> GoogleSignIn:
    """Start signing in with the owner's own "Desktop app" OAuth client."""
    if not client_id.strip() or not client_secret.strip():
        raise SetupError(f"Give the OAuth client's id and secret. {CLIENT_HELP}")
    return GoogleSignIn(core, client_id.strip(), client_secret.strip(), endpoints or Endpoints())


@setup_step
def connect_google_reviews(
    core: Core, client_id: str, token: str, *, location: str | None = None, endpoints: Endpoints | None = None
) -> Account:
    """Add the location named ``location`` (its title or name; needed when the sign-in manages several)."""
    from socialinbox.connectors.google_reviews import build_google_reviews

    where = endpoints or Endpoints()
    chosen = choose_location(business_locations(core, client_id, token, where), location)
    for account in core.repository.accounts():
        if account.platform is Platform.GOOGLE_REVIEWS and account.settings.get("location") == chosen.name:
            raise AlreadyConnected(account)
    settings = {
        "account": chosen.account,
        "location": chosen.name,
        "location_title": chosen.title,
        "client_id": client_id,
        "api_base": where.api_base,
        "token_url": where.token_url,
    }
    connector = build_google_reviews(settings, core.clock)
    handle = connector.verify(core.client, token)  # the reviews themselves can be read (verified, approved)
    token = connector.rotated_token(token) or token
    return store_new_account(
        core, Platform.GOOGLE_REVIEWS, handle, chosen.title, settings, GOOGLE_POLL_INTERVAL_S, token, what="sign-in"
    )


def reconnect_google_reviews(core: Core, account_id: int, token: str, *, client_id: str) -> Account:
    """Give ``account_id`` a new sign-in (possibly with another OAuth client): history kept, polling resumes."""
    account = core.repository.account(account_id)
    if account.platform is not Platform.GOOGLE_REVIEWS:
        raise SetupError(f"{account.label} is not a Google reviews account.")
    if client_id and client_id != account.settings.get("client_id"):
        core.repository.update_account_settings(account_id, {"client_id": client_id})
        core.connectors.forget(account_id)  # the next use builds it with the new client id
    return reconnect(core, account_id, token)  # the connector's verify refuses a sign-in that cannot see the location


def business_locations(core: Core, client_id: str, token: str, endpoints: Endpoints) -> list[Location]:
    """Every location the signed-in owner can reach, across their Business Profile accounts."""
    api = _api(core, client_id, token, endpoints)
    try:
        accounts = _list(api, f"{endpoints.accounts_base.rstrip('/')}/v1/accounts", "accounts", {"pageSize": "20"})
        found = []
        for account in accounts:
            name = account.get("name")
            if isinstance(name, str) and name.startswith("accounts/"):
                found += _locations(api, endpoints, name)
    except RateLimited as error:
        raise SetupError(
            f"{error} If you have only just set up your Google Cloud project, its Business Profile API access may not "
            "be approved yet: the quota stays at 0 until Google approves it."
        ) from None
    return found


def choose_location(locations: list[Location], wanted: str | None) -> Location:
    if not locations:
        raise SetupError(
            "That Google account manages no Business Profile location. Sign in with the account that owns or manages "
            "your shop's profile on Google."
        )
    key = (wanted or "").strip().casefold()
    chosen = [loc for loc in locations if key in (loc.title.casefold(), loc.name, loc.name.removeprefix("locations/"))]
    if not key and len(locations) == 1:
        return locations[0]
    if len(chosen) == 1:
        return chosen[0]
    if key and not chosen:
        labels = "; ".join(loc.label for loc in locations)
        raise SetupError(f"That Google account manages no location called {wanted}; it manages {labels}.")
    raise ChooseLocation([loc.label for loc in (chosen or locations)])


def _locations(api: GoogleApi, endpoints: Endpoints, account: str) -> list[Location]:
    url = f"{endpoints.locations_base.rstrip('/')}/v1/{account}/locations"
    found = []
    for item in _list(api, url, "locations", {"readMask": "name,title", "pageSize": "100"}):
        name, title = item.get("name"), item.get("title")
        if isinstance(name, str) and name.startswith("locations/"):
            found.append(Location(account, name, title.strip() if isinstance(title, str) and title.strip() else name))
    return found


def _list(api: GoogleApi, url: str, key: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of a paged Google list (``nextPageToken``), up to ``MAX_LIST_PAGES`` pages."""
    items: list[dict[str, Any]] = []
    query = dict(params)
    for _ in range(MAX_LIST_PAGES):
        data = api.get(url, query)
        page = data.get(key, [])  # Google leaves an empty list out
        items += [item for item in page if isinstance(item, dict)] if isinstance(page, list) else []
        next_page = data.get("nextPageToken")
        if not isinstance(next_page, str) or not next_page:
            break
        query["pageToken"] = next_page
    return items


def _api(core: Core, client_id: str, token: str, endpoints: Endpoints) -> GoogleApi:
    from socialinbox.connectors.google_session import GoogleApi, new_session_cache

    return GoogleApi(
        core.client, token, new_session_cache(), client_id=client_id, token_url=endpoints.token_url, now=core.clock.now
    )
