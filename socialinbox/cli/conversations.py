"""``socialinbox inbox | show | reply | done | reopen``: reading and answering conversations."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from socialinbox.cli.output import conversation_json, fail, iso, message_json, one_line, print_json, speaker
from socialinbox.domain import OutboxState
from socialinbox.storage.paging import InboxView
from socialinbox.wiring import Core


def register(commands: Any) -> None:
    inbox = commands.add_parser("inbox", help="list conversations")
    inbox.add_argument("--status", choices=[view.value for view in InboxView], default=InboxView.ALL.value)
    inbox.add_argument("--limit", type=int, default=100)
    inbox.add_argument("--json", action="store_true")
    inbox.set_defaults(run=inbox_list)

    show = commands.add_parser("show", help="one conversation's thread, oldest first")
    show.add_argument("conversation_id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=show_conversation)

    reply = commands.add_parser("reply", help="queue a reply and send it now")
    reply.add_argument("conversation_id", type=int)
    reply.add_argument("--text", required=True)
    reply.set_defaults(run=reply_now)

    for name, helptext, runner in (
        ("done", "mark a conversation done", mark_done),
        ("reopen", "put a conversation back in needs reply", reopen),
    ):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("conversation_id", type=int)
        sub.set_defaults(run=runner)


def inbox_list(core: Core, args: argparse.Namespace) -> int:
    conversations = core.repository.conversations(InboxView(args.status), limit=args.limit)
    accounts = {account.id: account for account in core.repository.accounts()}
    if args.json:
        print_json([conversation_json(c, accounts) for c in conversations])
        return 0
    for c in conversations:
        print(f"{c.id:>6}  {c.status.value:<12} {c.platform.value:<9} {c.contact.handle:<22} {one_line(c.preview, 60)}")
    return 0


def show_conversation(core: Core, args: argparse.Namespace) -> int:
    conversation = core.repository.conversation(args.conversation_id)
    messages = core.repository.messages(conversation.id)
    if args.json:
        accounts = {account.id: account for account in core.repository.accounts()}
        print_json({**conversation_json(conversation, accounts), "messages": [message_json(m) for m in messages]})
        return 0
    print(f"{conversation.contact.name} ({conversation.contact.handle}) · {conversation.visibility.value}")
    for message in messages:
        print(f"[{iso(message.sent_at)}] {speaker(message)}: {message.text}")
    return 0


def reply_now(core: Core, args: argparse.Namespace) -> int:
    try:
        item = core.repository.queue_reply(args.conversation_id, args.text, core.clock.now())
    except (LookupError, ValueError) as error:
        return fail(str(error))
    deliveries = core.sender.send_due(account_id=item.account_id)
    mine = next((d.item for d in deliveries if d.item.id == item.id), None)
    if mine is not None and mine.state is OutboxState.SENT:
        print(f"Sent reply {mine.id} (platform id {mine.remote_id}).")
        return 0
    reason = mine.last_error if mine else "it is queued behind earlier replies"
    print(f"Reply {item.id} not sent yet: {reason}", file=sys.stderr)
    return 1


def mark_done(core: Core, args: argparse.Namespace) -> int:
    conversation = core.repository.mark_done(args.conversation_id)
    print(f"Conversation {conversation.id} is done.")
    return 0


def reopen(core: Core, args: argparse.Namespace) -> int:
    conversation = core.repository.reopen(args.conversation_id, core.clock.now())
    print(f"Conversation {conversation.id} needs a reply again.")
    return 0
