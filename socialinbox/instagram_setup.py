"""Connecting an Instagram professional account, one of two ways: the flows the command line and the GUI share.

Through the Facebook Page it is linked to (Instagram's "Facebook Login" way, ``connect_instagram``): the account is
reached with the Page's access token, so the owner pastes the same tokens the Facebook set-up takes (the Page's own,
or a person's or system user's that manages the Page: see ``facebook_setup.page_for``); then
``GET /{page}?fields=instagram_business_account{id,username}`` names the linked account. Only the Page's own token is
kept, in the keyring; the Page's id, the account's id and username go to the account's settings.

Without a Facebook Page (the "Instagram Login" way, ``connect_instagram_login``): the owner pastes a long-lived
Instagram User token made in Meta's App Dashboard, ``GET graph.instagram.com/me?fields=user_id,username`` names the
account, and the token (with when it was obtained: ``instagram_login.InstagramToken``) goes to the keyring; the
settings say ``"login": "instagram"``, with the account's id and username. The connector renews the token before its
60 days are up. No client secret is involved: a desktop app cannot keep one, so Instagram's own sign-in flow (whose
code exchange needs it) is not used. ``reconnect_instagram`` serves both ways, by the account's settings.

Qt-free; every function may block on the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialinbox.accounts_setup import AlreadyConnected, SetupError, reconnect, setup_step, store_new_account
from socialinbox.connectors.base import AuthError
from socialinbox.domain import Account, Platform
from socialinbox.facebook_setup import given_token, page_for
from socialinbox.wiring import Core

if TYPE_CHECKING:  # the connector is imported by the functions that use it: the GUI loads this module at start
    from socialinbox.connectors.instagram_login import InstagramLoginConnector

INSTAGRAM_POLL_INTERVAL_S = 120  # Instagram's limits are per account and per hour, like the Page's
PERMISSIONS = (
    "pages_show_list, pages_read_engagement, instagram_basic, instagram_manage_comments, instagram_manage_messages, "
    "pages_messaging"
)
INSTAGRAM_TOKEN_HELP = (
    "Social Inbox reads your Instagram professional account's comments and direct messages through the Facebook Page "
    "it is linked to, with an access token from Meta. In Meta's Graph API Explorer (developers.facebook.com/tools/"
    f"explorer), choose your app, add the permissions {PERMISSIONS} and click 'Generate Access Token'. Explorer's "
    "token lasts about an hour: open it in the Access Token Debugger (developers.facebook.com/tools/debug/"
    "accesstoken) and click 'Extend Access Token', then paste the extended token here (a system user's token from "
    "Meta Business Suite works too). Social Inbox takes your Page's own token from it, which does not expire, and "
    "keeps it in your system's keyring."
)
LOGIN_PERMISSIONS = "instagram_business_basic, instagram_business_manage_comments, instagram_business_manage_messages"
LOGIN_TOKEN_HELP = (
    "Without a Facebook Page, Social Inbox reads your Instagram professional account with a token you make in "
    "Meta's App Dashboard, developers.facebook.com/apps:\n"
    "1. Open your app (a Business app), then Instagram > 'API setup with Instagram business login'.\n"
    "2. Click 'Generate token' next to your Instagram account, and log in to Instagram.\n"
    "3. Copy the token and paste it here.\n"
    f"The app needs the permissions {LOGIN_PERMISSIONS}. The token lasts 60 days; Social Inbox renews it by itself "
    "if it runs at least once a month, and keeps it in your system's keyring."
)
NOT_LINKED = (
    "The Facebook Page {page} has no Instagram professional account linked to it. Switch your Instagram account to a "
    "professional (business or creator) account and link it to the Page (Page settings, Linked accounts), then try "
    "again."
)


@setup_step
def connect_instagram(core: Core, token: str, *, page: str | None = None, api_base: str | None = None) -> Account:
    """Add the Instagram account linked to a Page: ``token`` is the Page's own, or one that manages it (``page``,
    its name or id, says which when there are several). The Page's own token goes to the keyring."""
    from socialinbox.connectors.facebook import API_BASE, build_facebook

    settings = {"api_base": (api_base or API_BASE).rstrip("/")}
    facebook = build_facebook(settings, core.clock)
    page_id, name, page_token = page_for(
        core, facebook, given_token(token, INSTAGRAM_TOKEN_HELP), page, INSTAGRAM_TOKEN_HELP
    )
    ig_user_id, username = _linked(core, {**settings, "page_id": page_id}, page_token, name)
    return _add(core, {**settings, "page_id": page_id}, ig_user_id, username, page_token, "Page access token")


@setup_step
def reconnect_instagram(core: Core, account_id: int, token: str) -> Account:
    """Give ``account_id`` a new token (its Page's own, or one that manages the Page; for an account without a Page,
    a new token from the App Dashboard): history kept, polling resumes. The connector's verify refuses another Page's
    token, a Page no longer linked to this account, and another Instagram account's token."""
    from socialinbox.connectors.facebook import build_facebook
    from socialinbox.connectors.instagram import LOGIN_INSTAGRAM

    account = core.repository.account(account_id)
    if account.platform is not Platform.INSTAGRAM:
        raise SetupError(f"{account.label} is not an Instagram account.")
    if account.settings.get("login") == LOGIN_INSTAGRAM:
        return _reconnect_login(core, account_id, token)
    facebook = build_facebook(account.settings, core.clock)
    wanted = str(account.settings.get("page_id") or "")
    _, _, page_token = page_for(core, facebook, given_token(token, INSTAGRAM_TOKEN_HELP), wanted, INSTAGRAM_TOKEN_HELP)
    return reconnect(core, account_id, page_token)


def _add(core: Core, settings: dict[str, str], ig_user_id: str, username: str, token: str, what: str) -> Account:
    """The account, either way in, unless that Instagram account is connected already (either way)."""
    for account in core.repository.accounts():
        if account.platform is Platform.INSTAGRAM and str(account.settings.get("ig_user_id")) == ig_user_id:
            raise AlreadyConnected(account)
    settings = {**settings, "ig_user_id": ig_user_id, "username": username}
    return store_new_account(
        core, Platform.INSTAGRAM, username, username, settings, INSTAGRAM_POLL_INTERVAL_S, token, what=what
    )


def _linked(core: Core, settings: dict[str, str], page_token: str, page_name: str) -> tuple[str, str]:
    """(id, username) of the Instagram professional account linked to the Page."""
    from socialinbox.connectors.instagram import build_instagram

    try:
        linked = build_instagram(settings, core.clock).linked_account(core.client, page_token)
    except AuthError as error:
        raise SetupError(f"{error} The token needs the permissions {PERMISSIONS}.") from None
    if linked is None:
        raise SetupError(NOT_LINKED.format(page=page_name))
    return linked


@setup_step
def connect_instagram_login(core: Core, token: str, *, api_base: str | None = None) -> Account:
    """Add the Instagram account without a Facebook Page that ``token`` (a long-lived Instagram User token from
    Meta's App Dashboard) belongs to; the token goes to the keyring only."""
    from socialinbox.connectors.instagram import LOGIN_INSTAGRAM
    from socialinbox.connectors.instagram_login import API_BASE, InstagramToken, build_instagram_login

    settings = {"login": LOGIN_INSTAGRAM, "api_base": (api_base or API_BASE).rstrip("/")}
    stored = InstagramToken.pasted(given_token(token, LOGIN_TOKEN_HELP), core.clock.now()).to_token()
    ig_user_id, username = _identity(core, build_instagram_login(settings, core.clock), stored)
    return _add(core, settings, ig_user_id, username, stored, "Instagram access token")


def _reconnect_login(core: Core, account_id: int, token: str) -> Account:
    """A new App Dashboard token for an account without a Page; the connector's verify refuses another account's."""
    from socialinbox.connectors.instagram_login import InstagramToken

    stored = InstagramToken.pasted(given_token(token, LOGIN_TOKEN_HELP), core.clock.now()).to_token()
    try:
        return reconnect(core, account_id, stored)
    except AuthError as error:
        raise SetupError(f"{error} {_HOW_TO_MAKE_ONE}") from None


def _identity(core: Core, connector: InstagramLoginConnector, stored: str) -> tuple[str, str]:
    try:
        return connector.identity(core.client, stored)
    except AuthError as error:
        raise SetupError(f"{error} {_HOW_TO_MAKE_ONE}") from None


_HOW_TO_MAKE_ONE = (
    f"The token needs the permissions {LOGIN_PERMISSIONS}. (A token that starts with EAA is a Facebook token: for "
    "that, choose the Facebook Page way instead.)"
)
