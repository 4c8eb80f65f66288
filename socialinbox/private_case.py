"""Take it private: where a public conversation can go on in private, and the templates that go with it.

A public complaint is acknowledged in public ("we've sent you a message"), then answered in a private conversation
with the same customer on the same account; both are linked as one case, and once the private one is done the owner
is offered to close the loop in public ("glad we sorted it").

Where the private conversation lives is the connector's thread key for that customer, so a reply the customer sends
there threads into it:
* demo: ``dm:<handle>``, the simulated shop's direct-message threads;
* Mastodon: a direct mention (visibility ``direct``) to the customer; the customer's answer is a reply to it, which
  threads by ``in_reply_to``; the key only has to be unique per customer (``direct:<account id>``).
* Bluesky: the one-to-one chat with the customer (``dm:<DID>``; Bluesky keeps one per pair of accounts).
* Instagram: the direct-message conversation with the commenter (``dm:<IGSID>``; one per pair of accounts, and a
  comment's author id is the same IGSID). Its first message goes out as Instagram's private reply to the comment.
* Facebook: the customer's Messenger conversation with the Page. Facebook's ids for a commenter and for the same
  person in Messenger differ, so it is keyed by the commenter until its first message, Facebook's private reply to
  the comment (once, within 7 days), names their Messenger id; the conversation is keyed by that from then on.
* X: the one-to-one direct conversation with the customer (``dm:<user id>``), started by the first message; X
  refuses it when the customer takes direct messages only from people they follow, and the reply says so.
Telegram and e-mail conversations are private already; Google reviews have no private channel.
"""

from __future__ import annotations

from socialinbox.domain import PLATFORM_LABELS, Conversation, Platform, Visibility

ACKNOWLEDGEMENT_SHORTCUT = "private"  # the short public reply: "we've sent you a direct message"
OPENER_SHORTCUT = "dm"  # the first private message, pre-filled in the composer
CLOSE_LOOP_SHORTCUT = "sorted"  # the public follow-up once the private chat is done

_PLACES = {
    Platform.DEMO: "direct message",
    Platform.MASTODON: "direct message (a private mention)",
    Platform.BLUESKY: "direct message",
    Platform.INSTAGRAM: "direct message",
    Platform.X: "direct message",
    Platform.FACEBOOK: "Messenger message",
}


def private_thread_key(conversation: Conversation) -> str | None:
    """The thread key of the private conversation with this conversation's customer, where the channel has one."""
    contact = conversation.contact
    if conversation.platform is Platform.DEMO:
        return f"dm:{contact.handle}"
    if conversation.platform is Platform.MASTODON:
        return f"direct:{contact.remote_id}"
    if conversation.platform is Platform.BLUESKY:
        return f"dm:{contact.remote_id}"  # the connector's key for the one chat with this DID (bluesky_chat.dm_key)
    if conversation.platform is Platform.INSTAGRAM:
        return f"dm:{contact.remote_id}"  # the connector's key for the one conversation with this IGSID
    if conversation.platform is Platform.FACEBOOK:  # re-keyed to their Messenger id once the first message went
        return f"messenger-from-comment:{contact.remote_id}"  # (facebook_mapping.FROM_COMMENT_PREFIX)
    if conversation.platform is Platform.X:
        return f"dm:{contact.remote_id}"  # the one-to-one conversation (x_mapping.dm_thread_key)
    return None


def unavailable_reason(conversation: Conversation) -> str:
    """Why this conversation cannot be taken private; empty when it can."""
    if conversation.visibility is Visibility.PRIVATE:
        return "This conversation is already private."
    if private_thread_key(conversation) is None:
        return f"Taking a {PLATFORM_LABELS[conversation.platform]} conversation private is not supported yet."
    return ""


def private_place(platform: Platform) -> str:
    return _PLACES.get(platform, "private chat")
