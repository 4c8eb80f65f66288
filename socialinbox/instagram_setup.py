"""Connecting an Instagram professional account through the Facebook Page it is linked to: the flow the command line
and the GUI share.

Instagram's "Facebook Login" way reaches the account with the Page's access token, so the owner pastes the same
tokens the Facebook set-up takes (the Page's own, or a person's or system user's that manages the Page: see
``facebook_setup.page_for``); then ``GET /{page}?fields=instagram_business_account{id,username}`` names the linked
account. Only the Page's own token is kept, in the keyring; the Page's id, the account's id and username go to the
account's settings. Qt-free; every function may block on the network.
"""

from __future__ import annotations

from socialinbox.accounts_setup import AlreadyConnected, SetupError, reconnect, setup_step, store_new_account
from socialinbox.connectors.base import AuthError
from socialinbox.domain import Account, Platform
from socialinbox.facebook_setup import given_token, page_for
from socialinbox.wiring import Core

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
    for account in core.repository.accounts():
        if account.platform is Platform.INSTAGRAM and str(account.settings.get("ig_user_id")) == ig_user_id:
            raise AlreadyConnected(account)
    settings |= {"page_id": page_id, "ig_user_id": ig_user_id, "username": username}
    return store_new_account(
        core,
        Platform.INSTAGRAM,
        username,
        username,
        settings,
        INSTAGRAM_POLL_INTERVAL_S,
        page_token,
        what="Page access token",
    )


@setup_step
def reconnect_instagram(core: Core, account_id: int, token: str) -> Account:
    """Give ``account_id`` a new token (its Page's own, or one that manages the Page): history kept, polling
    resumes. The connector's verify refuses another Page's token, and a Page no longer linked to this account."""
    from socialinbox.connectors.facebook import build_facebook

    account = core.repository.account(account_id)
    if account.platform is not Platform.INSTAGRAM:
        raise SetupError(f"{account.label} is not an Instagram account.")
    facebook = build_facebook(account.settings, core.clock)
    wanted = str(account.settings.get("page_id") or "")
    _, _, page_token = page_for(core, facebook, given_token(token, INSTAGRAM_TOKEN_HELP), wanted, INSTAGRAM_TOKEN_HELP)
    return reconnect(core, account_id, page_token)


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
