"""Connecting, reconnecting and removing accounts: the flows ``socialinbox accounts add`` and the GUI's "Add account"
dialog share. Qt-free; every function may block on the network, so the GUI runs them off its thread.

Mastodon, in the browser::

    with begin_mastodon_sign_in(core, "mastodon.social") as sign_in:   # registers the app once per server
        open the browser on sign_in.browser_url                         # or show sign_in.paste_url
        token = sign_in.token_from_browser()                            # or sign_in.token_from_code(pasted)
    account = connect_mastodon(core, "mastodon.social", token)          # or reconnect(core, account_id, token)

Telegram: ``connect_telegram(core, bot_token)``; it raises ``WebhookInUse`` while a webhook is set, and the owner's
answer comes back as ``remove_webhook=True``. Reconnecting keeps every conversation: the account row stays, only
its token (and what the platform says about it now) changes, and polling resumes.

Errors for the owner are ``SetupError`` (its message says what to do) or a ``ConnectorError`` from the platform.
Tokens and app secrets go to the secret store only, never into settings, messages or logs.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from socialinbox.browser_sign_in import BrowserSignIn
from socialinbox.connectors.base import AuthError, RotatesCredentials, TransientError
from socialinbox.domain import Account, Platform
from socialinbox.secrets import account_key
from socialinbox.settings import save_settings
from socialinbox.wiring import Core

# Each platform's connector is imported by the function that signs in to it, not here: the GUI loads this module
# at every start, and a shop with no Mastodon or Telegram account should not pay for loading them.
if TYPE_CHECKING:
    from socialinbox.connectors.mastodon import MastodonConnector
    from socialinbox.connectors.mastodon_auth import AppCredentials, AuthorizationRequest
    from socialinbox.connectors.telegram import TelegramConnector

log = logging.getLogger(__name__)

MASTODON_POLL_INTERVAL_S = 60
TELEGRAM_LONG_POLL_S = 25  # Telegram holds each getUpdates this long unless a message comes sooner
LONG_POLL = 0  # poll_interval_s of an account that polls again as soon as its long poll returns
_WILL_RETRY = "; will retry."  # how every connector's TransientError ends: the sync layer polls again by itself
_TRY_AGAIN = "; try again in a moment."

_Args = ParamSpec("_Args")
_Result = TypeVar("_Result")


class SetupError(Exception):
    """Something the owner can put right; the message says how. Never carries a secret."""


class AlreadyConnected(SetupError):
    def __init__(self, account: Account) -> None:
        super().__init__(f"{account.label} is already connected. Use Reconnect on it instead of adding it again.")
        self.account = account


class NeedsSignIn(SetupError):
    """The stored sign-in no longer works: the owner has to sign in (or paste a new token) again."""


def setup_step(step: Callable[_Args, _Result]) -> Callable[_Args, _Result]:
    """A step the owner waits on while connecting or reconnecting. Nothing retries it by itself, so a platform's
    passing trouble (a ``TransientError``, which says "will retry" as polling does) says to try again instead."""

    @functools.wraps(step)
    def run(*args: _Args.args, **kwargs: _Args.kwargs) -> _Result:
        try:
            return step(*args, **kwargs)
        except TransientError as error:
            raise type(error)(try_again(str(error))) from None

    return run


def try_again(said: str) -> str:
    """``said`` (a ``TransientError``'s text) as set-up tells it: "try again in a moment", not "will retry"."""
    return said.removesuffix(_WILL_RETRY) + _TRY_AGAIN if said.endswith(_WILL_RETRY) else said


class WebhookInUse(SetupError):
    def __init__(self, bot: str, url: str) -> None:
        super().__init__(
            f"{bot} sends its messages to a webhook ({url}), so Social Inbox cannot fetch them. Remove the webhook "
            "to connect here; whatever service uses it will stop receiving this bot's messages."
        )
        self.url = url


# --- Mastodon ------------------------------------------------------------------------------------


def mastodon_app_key(instance_url: str) -> str:
    """The secret store's key for this app's client secret on one server."""
    return f"mastodon-app:{instance_url}"


def mastodon_instance(typed: str) -> str:
    from socialinbox.connectors.mastodon import normalize_instance_url

    try:
        return normalize_instance_url(typed)
    except ValueError as error:
        raise SetupError(str(error)) from None


def mastodon_app(core: Core, instance_url: str) -> AppCredentials:
    """This app's registration on ``instance_url``: cached (id in settings, secret in the keyring), else registered."""
    from socialinbox.connectors.mastodon_auth import (
        LOOPBACK_REDIRECT_URI,
        OOB_REDIRECT_URI,
        AppCredentials,
        register_app,
    )

    client_id = core.settings.mastodon_apps.get(instance_url)
    secret = core.secrets.get(mastodon_app_key(instance_url)) if client_id else None
    if client_id and secret:
        return AppCredentials(client_id, secret)
    app = register_app(core.client, instance_url, [LOOPBACK_REDIRECT_URI, OOB_REDIRECT_URI], clock=core.clock)
    core.secrets.set(mastodon_app_key(instance_url), app.client_secret)
    _save_mastodon_apps(core, {**core.settings.mastodon_apps, instance_url: app.client_id})
    return app


def forget_mastodon_app(core: Core, instance_url: str) -> None:
    """Drop a cached registration (a server may delete apps it thinks unused); the next sign-in registers again."""
    if instance_url in core.settings.mastodon_apps:
        _save_mastodon_apps(core, {k: v for k, v in core.settings.mastodon_apps.items() if k != instance_url})
    core.secrets.delete(mastodon_app_key(instance_url))


def _save_mastodon_apps(core: Core, apps: dict[str, str]) -> None:
    core.settings = dataclasses.replace(core.settings, mastodon_apps=apps)
    save_settings(core.paths.settings_file, core.settings)


class MastodonSignIn(BrowserSignIn):
    """One sign-in in the browser, waiting on a loopback listener; ``paste_url`` is the fallback that shows a code."""

    def __init__(self, core: Core, instance_url: str, app: AppCredentials, *, force_login: bool) -> None:
        from socialinbox.connectors.mastodon_auth import (
            OOB_REDIRECT_URI,
            LoopbackRedirectListener,
            authorization_url,
            new_state,
        )

        self.instance_url = instance_url
        self._core = core
        self._app = app
        state = new_state()
        listener = LoopbackRedirectListener(state)
        self._paste = authorization_url(instance_url, app.client_id, OOB_REDIRECT_URI, force_login=force_login)
        super().__init__(
            listener,
            authorization_url(instance_url, app.client_id, listener.redirect_uri, state=state, force_login=force_login),
        )

    @property
    def paste_url(self) -> str:
        """Where no browser can reach this computer: the server's page shows a code to paste instead."""
        return self._paste.url

    def token_from_code(self, code: str) -> str:
        self._listener.close()
        return self._exchange(code.strip(), self._paste)

    @setup_step
    def _exchange(self, code: str, request: AuthorizationRequest) -> str:
        from socialinbox.connectors.mastodon_auth import exchange_code

        try:
            return exchange_code(
                self._core.client,
                self.instance_url,
                self._app,
                code,
                request.redirect_uri,
                request.code_verifier,
                clock=self._core.clock,
            )
        except AuthError:
            # Possibly a registration the server has since deleted: the next attempt registers afresh.
            forget_mastodon_app(self._core, self.instance_url)
            raise


@setup_step
def begin_mastodon_sign_in(core: Core, instance: str, *, force_login: bool | None = None) -> MastodonSignIn:
    """Start signing in on ``instance``; ``force_login`` (default: when an account there is connected already)
    makes the server ask who is signing in instead of taking whoever is signed in in the browser."""
    instance_url = mastodon_instance(instance)
    if force_login is None:
        force_login = any(a.settings.get("instance_url") == instance_url for a in _accounts(core, Platform.MASTODON))
    return MastodonSignIn(core, instance_url, mastodon_app(core, instance_url), force_login=force_login)


@setup_step
def connect_mastodon(core: Core, instance: str, token: str) -> Account:
    """Add the Mastodon account ``token`` belongs to, with the server's own length limits for the composer."""
    from socialinbox.connectors.mastodon import MastodonConnector

    instance_url = mastodon_instance(instance)
    connector = MastodonConnector(instance_url, clock=core.clock)
    try:
        who = connector.verify_account(core.client, token.strip())
    except AuthError:
        raise SetupError(f"{connector.host} did not accept that sign-in. Sign in again.") from None
    for account in _accounts(core, Platform.MASTODON):
        if (
            account.settings.get("instance_url") == instance_url
            and str(account.settings.get("account_id")) == who.remote_id
        ):
            raise AlreadyConnected(account)
    settings = {"instance_url": instance_url, **_mastodon_facts(core, connector, who.remote_id, who.handle)}
    return store_new_account(
        core, Platform.MASTODON, who.handle, who.display_name, settings, MASTODON_POLL_INTERVAL_S, token.strip()
    )


def _mastodon_facts(core: Core, connector: MastodonConnector, account_id: str, handle: str) -> dict[str, Any]:
    limits = connector.instance_limits(core.client)
    return {
        "account_id": account_id,  # the shop's own statuses are its replies, whichever app posted them
        "handle": handle,
        "max_characters": limits.max_characters,  # the composer counts against the server's own limit
        "characters_per_url": limits.characters_per_url,
    }


# --- Telegram ------------------------------------------------------------------------------------


@setup_step
def connect_telegram(
    core: Core, bot_token: str, *, api_base: str | None = None, remove_webhook: bool = False
) -> Account:
    """Add the bot ``bot_token`` belongs to (checked with getMe); it listens continuously (long polling)."""
    from socialinbox.connectors.telegram import API_BASE, build_telegram

    token = bot_token.strip()
    settings: dict[str, Any] = {"api_base": api_base or API_BASE, "long_poll_seconds": TELEGRAM_LONG_POLL_S}
    connector = build_telegram(settings, core.clock)
    bot_id = token.partition(":")[0]
    for account in _accounts(core, Platform.TELEGRAM):
        if str(account.settings.get("bot_id")) == bot_id:
            raise AlreadyConnected(account)
    username = _check_bot(core, connector, token, remove_webhook)
    settings |= {"bot_username": username, "bot_id": bot_id}
    return store_new_account(core, Platform.TELEGRAM, f"@{username}", "", settings, LONG_POLL, token)


def _check_bot(core: Core, connector: TelegramConnector, token: str, remove_webhook: bool) -> str:
    """The bot's username, once getMe accepts the token and no webhook stands in the way of polling."""
    try:
        handle = connector.verify(core.client, token)
    except AuthError as error:
        raise SetupError(str(error)) from None
    webhook = connector.webhook_info(core.client, token)
    if webhook and not remove_webhook:
        raise WebhookInUse(handle, webhook)
    if webhook:
        connector.delete_webhook(core.client, token)
    return handle.removeprefix("@")


# --- any platform ----------------------------------------------------------------------------------


@setup_step
def reconnect(core: Core, account_id: int, token: str, *, remove_webhook: bool = False) -> Account:
    """Sign an existing account in again with ``token``: same account, all history kept, polling resumes.

    Refuses a token for another account (signing in as someone else would mix two shops' conversations).
    """
    account = core.repository.account(account_id)
    token = token.strip()
    changes: dict[str, Any] = {}
    handle = account.handle
    if account.platform is Platform.MASTODON:
        handle, changes = _reconnect_mastodon(core, account, token)
    elif account.platform is Platform.TELEGRAM:
        if account.settings.get("bot_id") and token.partition(":")[0] != str(account.settings["bot_id"]):
            raise SetupError(f"That token belongs to another bot, not {account.handle}. Paste the token of this bot.")
        from socialinbox.connectors.telegram import build_telegram

        connector = build_telegram(account.settings, core.clock)
        handle = "@" + _check_bot(core, connector, token, remove_webhook)
        changes = {"bot_username": handle.removeprefix("@"), "bot_id": token.partition(":")[0]}
    elif token:
        pooled = core.connectors.for_account(account)
        handle = pooled.verify(core.client, token)
        if isinstance(pooled, RotatesCredentials):  # verifying may have renewed a rotating sign-in (Bluesky)
            token = pooled.rotated_token(token) or token
    if token:
        core.secrets.set(account_key(account_id), token)
    if changes:
        core.repository.update_account_settings(account_id, changes)
    core.connectors.forget(account_id)  # rebuilt from the updated settings on the next poll
    return core.repository.mark_reconnected(account_id, handle)


def _reconnect_mastodon(core: Core, account: Account, token: str) -> tuple[str, dict[str, Any]]:
    from socialinbox.connectors.mastodon import build_mastodon

    connector = build_mastodon(account.settings, core.clock)
    try:
        who = connector.verify_account(core.client, token)
    except AuthError:
        raise NeedsSignIn(f"{connector.host} did not accept the sign-in for {account.handle}. Sign in again.") from None
    known = account.settings.get("account_id")
    if known is not None and str(known) != who.remote_id:
        raise SetupError(
            f"You signed in as {who.handle}, but this account is {account.handle}. Sign in as {account.handle}, "
            f"or add {who.handle} as a new account."
        )
    return who.handle, _mastodon_facts(core, connector, who.remote_id, who.handle)


def retry_stored_sign_in(core: Core, account_id: int) -> Account:
    """One-click reconnect: try the sign-in already stored (the trouble may have passed); ``NeedsSignIn`` if not."""
    account = core.repository.account(account_id)
    token = core.secrets.get(account_key(account_id)) or ""
    if not token and account.platform is not Platform.DEMO:
        raise NeedsSignIn(f"No sign-in is stored for {account.label}. Sign in again.")
    try:
        return reconnect(core, account_id, token)
    except AuthError:
        raise NeedsSignIn(f"{account.label} needs a new sign-in: the stored one was refused.") from None


def remove_account(core: Core, account_id: int) -> Account:
    """Disconnect an account and delete what it brought in, and its stored sign-in."""
    account = core.repository.account(account_id)
    core.repository.remove_account(account_id)
    core.secrets.delete(account_key(account_id))
    core.connectors.forget(account_id)
    return account


def _accounts(core: Core, platform: Platform) -> list[Account]:
    return [account for account in core.repository.accounts() if account.platform is platform]


def store_new_account(
    core: Core,
    platform: Platform,
    handle: str,
    display_name: str,
    settings: Mapping[str, Any],
    poll_interval_s: int,
    token: str,
    *,
    what: str = "sign-in",
) -> Account:
    """The account row, then its token (stored as given); an account whose token could not be stored is not left
    behind. Every platform's set-up ends here, so none can leave an account without its sign-in."""
    account = core.repository.add_account(
        platform,
        handle,
        core.clock.now(),
        display_name=display_name,
        settings=settings,
        poll_interval_s=poll_interval_s,
    )
    try:
        core.secrets.set(account_key(account.id), token)
    except Exception as error:  # any keyring backend failure
        core.repository.remove_account(account.id)
        log.warning("could not store the sign-in for a new %s account (%s)", platform.value, type(error).__name__)
        raise SetupError(f"The {what} could not be saved in the system keyring; the account was not added.") from None
    return account
