"""Connecting a Facebook Page with an access token: the flow the command line and the GUI share.

The owner pastes a token from Meta: the Page's own (``GET /me`` then answers with the Page), or their own extended
one or a system user's, which manages Pages (``GET /me/accounts`` lists them, each with its own Page token; with
several, the owner names one). Only the Page's own token is kept, in the keyring; the Page's id and the API address
go to the account's settings. A Page token made from a long-lived or a system user's token does not expire until
the owner changes their password or removes the app; Social Inbox cannot renew one itself (that needs an app
secret, which a desktop app must never carry). Qt-free; every function may block on the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialinbox.accounts_setup import AlreadyConnected, SetupError, reconnect, setup_step, store_new_account
from socialinbox.connectors.base import AuthError
from socialinbox.domain import Account, Platform
from socialinbox.wiring import Core

if TYPE_CHECKING:  # the connector is imported by the functions that use it: the GUI loads this module at start
    from socialinbox.connectors.facebook import FacebookConnector

FACEBOOK_POLL_INTERVAL_S = 120  # the Graph API's limits are per Page and per hour: comments need not be polled faster
PERMISSIONS = (
    "pages_show_list, pages_read_engagement, pages_read_user_content, pages_manage_engagement, pages_messaging"
)
PAGE_TOKEN_HELP = (
    "Social Inbox reads your Page's comments and Messenger inbox with an access token from Meta. In Meta's Graph API "
    f"Explorer (developers.facebook.com/tools/explorer), choose your app, add the permissions {PERMISSIONS} and "
    "click 'Generate Access Token'. Explorer's token lasts about an hour: open it in the Access Token Debugger "
    "(developers.facebook.com/tools/debug/accesstoken) and click 'Extend Access Token', then paste the extended "
    "token here (a system user's token from Meta Business Suite works too). Social Inbox takes your Page's own "
    "token from it, which does not expire, and keeps it in your system's keyring."
)


class ChoosePage(SetupError):
    """The token manages several Pages and none was named: the owner says which."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"That sign-in manages several Pages: {', '.join(names)}. Name the one to connect.")
        self.names = names


@setup_step
def connect_facebook(core: Core, token: str, *, page: str | None = None, api_base: str | None = None) -> Account:
    """Add a Page: ``token`` is the Page's own, or a person's (or system user's) that manages it, in which case
    ``page`` (its name or id) says which when there are several. The Page's own token goes to the keyring."""
    from socialinbox.connectors.facebook import API_BASE, build_facebook

    settings = {"api_base": (api_base or API_BASE).rstrip("/")}
    connector = build_facebook(settings, core.clock)
    page_id, name, page_token = page_for(core, connector, given_token(token), page)
    for account in core.repository.accounts():
        if account.platform is Platform.FACEBOOK and str(account.settings.get("page_id")) == page_id:
            raise AlreadyConnected(account)
    settings["page_id"] = page_id
    return store_new_account(
        core, Platform.FACEBOOK, name, name, settings, FACEBOOK_POLL_INTERVAL_S, page_token, what="Page access token"
    )


@setup_step
def reconnect_facebook(core: Core, account_id: int, token: str) -> Account:
    """Give ``account_id`` a new token (the Page's own, or one that manages it): history kept, polling resumes."""
    from socialinbox.connectors.facebook import build_facebook

    account = core.repository.account(account_id)
    if account.platform is not Platform.FACEBOOK:
        raise SetupError(f"{account.label} is not a Facebook Page.")
    connector = build_facebook(account.settings, core.clock)
    _, _, page_token = page_for(core, connector, given_token(token), str(account.settings.get("page_id") or ""))
    return reconnect(core, account_id, page_token)  # the connector's verify refuses another Page's token


def given_token(token: str, help_text: str = PAGE_TOKEN_HELP) -> str:
    if not token.strip():
        raise SetupError(f"No access token was given. {help_text}")
    return token.strip()


def page_for(
    core: Core, connector: FacebookConnector, token: str, wanted: str | None, help_text: str = PAGE_TOKEN_HELP
) -> tuple[str, str, str]:
    """(Page id, name, the Page's own token) for ``token``; Instagram's set-up uses it too, since an Instagram
    professional account is reached through its Page. ``help_text`` says how to make a token."""
    from socialinbox.connectors.facebook import NotAPageToken

    try:
        page_id, name = connector.page_identity(core.client, token)
        return page_id, name, token
    except NotAPageToken:
        pass  # a person's or a system user's token: the Pages it manages each have their own
    except AuthError as error:
        raise SetupError(f"{error} Make a new token: {help_text}") from None
    try:
        managed = connector.managed_pages(core.client, token)
    except AuthError as error:
        raise SetupError(f"{error} The token needs the permission pages_show_list.") from None
    if not managed:
        raise SetupError(f"That sign-in manages no Facebook Page Social Inbox can see. {help_text}")
    named = (wanted or "").strip()
    key = named.casefold()
    chosen = [p for p in managed if key in (p.page_id, p.name.casefold())] if key else managed
    if len(chosen) == 1:
        return chosen[0].page_id, chosen[0].name, chosen[0].token
    if key:
        names = ", ".join(p.name for p in managed)
        raise SetupError(f"That sign-in manages no Page called {named}; it manages {names}.")
    raise ChoosePage([p.name for p in managed])
