"""The Instagram page: the access token of the Facebook Page the professional account is linked to."""

from __future__ import annotations

from socialinbox.domain import Account, Platform
from socialinbox.instagram_setup import INSTAGRAM_TOKEN_HELP, connect_instagram, reconnect_instagram
from socialinbox.ui.dialogs.facebook_page import FacebookPage

INTRO = (
    "Answer comments on your Instagram posts and reels, and your Instagram direct messages. Your Instagram account "
    "must be a professional (business or creator) account linked to a Facebook Page. Instagram lets you answer a "
    "direct message within 24 hours of the customer's last message, and a comment privately within 7 days."
)


class InstagramPage(FacebookPage):
    platform = Platform.INSTAGRAM
    title = "Instagram"
    blurb = "Comments on your posts, and direct messages (through your Facebook Page)"
    paragraphs = (INTRO, INSTAGRAM_TOKEN_HELP)
    checking = "Checking the token and the linked Instagram account…"
    connect_with = staticmethod(connect_instagram)
    reconnect_with = staticmethod(reconnect_instagram)

    def page_of(self, account: Account) -> str:
        return str(account.settings.get("page_id") or "")
