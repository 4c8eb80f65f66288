"""The ``socialinbox`` command: opens the app, or runs one headless command for scripts and always-on boxes.

Every command takes ``--data-dir``; none ever prompts. Exit codes: 0 done, 1 a command failed (an account,
a reply), 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from socialinbox import __version__
from socialinbox.domain import Account, Conversation, Message, OutboxState
from socialinbox.logging_setup import configure_logging
from socialinbox.paths import AppPaths, default_paths, paths_in
from socialinbox.secrets import account_key
from socialinbox.storage.repository import InboxView, NotFound
from socialinbox.wiring import Core, add_demo_account, build_core

Command = Callable[[Core, argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = paths_in(args.data_dir) if args.data_dir else default_paths()
    if args.command is None:
        return _open_gui(paths, args)
    configure_logging(paths.log_file, verbose=args.verbose, to_stderr=True)
    core = build_core(paths)
    try:
        command: Command = args.run
        return command(core, args)
    except NotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        core.close()


def _open_gui(paths: AppPaths, args: argparse.Namespace) -> int:
    from socialinbox.ui.app import run_app  # Qt is imported only when a window is wanted

    configure_logging(paths.log_file, verbose=args.verbose)
    return int(run_app(paths, demo=args.demo, smoke_test=args.smoke_test))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="socialinbox", description="Answer every customer within the hour.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", type=Path, help="keep the database, settings and logs in this folder")
    parser.add_argument("--verbose", action="store_true", help="debug logging (may include message text)")
    parser.add_argument("--demo", action="store_true", help="open the app with the demo shop connected")
    parser.add_argument("--smoke-test", action="store_true", help="build the app offscreen, check it and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    accounts = commands.add_parser("accounts", help="list, add or remove connected accounts")
    account_commands = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    listing = account_commands.add_parser("list", help="connected accounts and their health")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=accounts_list)
    add = account_commands.add_parser("add", help="connect an account")
    add_kinds = add.add_subparsers(dest="platform", metavar="PLATFORM", required=True)
    add_demo = add_kinds.add_parser("demo", help="the built-in demo shop (no account needed)")
    add_demo.add_argument("--seed", type=int, default=7)
    add_demo.set_defaults(run=accounts_add_demo)
    remove = account_commands.add_parser("remove", help="disconnect an account and delete what it brought in")
    remove.add_argument("account_id", type=int)
    remove.set_defaults(run=accounts_remove)

    sync = commands.add_parser("sync", help="poll accounts and send queued replies")
    sync.add_argument("--once", action="store_true", required=True, help="poll every account once, then exit")
    sync.set_defaults(run=sync_once)

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
    return parser


# --- accounts ----------------------------------------------------------------------------------


def account_json(account: Account) -> dict[str, Any]:
    budget = account.rate_budget
    return {
        "id": account.id,
        "platform": account.platform.value,
        "handle": account.handle,
        "name": account.display_name,
        "health": account.health.value,
        "detail": account.health_detail,
        "last_poll_at": _iso(account.last_poll_at),
        "last_success_at": _iso(account.last_success_at),
        "next_poll_at": _iso(account.next_poll_at),
        "poll_interval_s": account.poll_interval_s,
        "rate_limit_remaining": budget.remaining if budget else None,
    }


def accounts_list(core: Core, args: argparse.Namespace) -> int:
    accounts = core.repository.accounts()
    if args.json:
        _print_json([account_json(account) for account in accounts])
        return 0
    if not accounts:
        print("No accounts connected. Add the demo shop with: socialinbox accounts add demo")
    for account in accounts:
        last = _iso(account.last_success_at) or "never"
        detail = f" - {account.health_detail}" if account.health_detail else ""
        print(f"{account.id:>4}  {account.label:<40} {account.health.value:<16} last poll {last}{detail}")
    return 0


def accounts_add_demo(core: Core, args: argparse.Namespace) -> int:
    account = add_demo_account(core, seed=args.seed)
    print(f"Connected {account.label} as account {account.id}.")
    return 0


def accounts_remove(core: Core, args: argparse.Namespace) -> int:
    account = core.repository.account(args.account_id)
    core.repository.remove_account(account.id)
    core.secrets.delete(account_key(account.id))
    print(f"Removed {account.label} and its conversations.")
    return 0


# --- sync --------------------------------------------------------------------------------------


def sync_once(core: Core, args: argparse.Namespace) -> int:
    accounts = core.repository.accounts()
    if not accounts:
        print("No accounts connected. Add the demo shop with: socialinbox accounts add demo")
        return 0
    failed = 0
    for account in accounts:
        report = core.service.poll_account(account.id)
        if report.ok:
            print(f"{account.label}: {len(report.new_messages)} new")
            for warning in report.warnings:
                print(f"  note: {warning}")
        else:
            failed += 1
            print(f"{account.label}: FAILED - {report.error}", file=sys.stderr)
    for delivery in core.sender.send_due():
        print(f"reply {delivery.item.id}: {delivery.item.state.value} {delivery.item.last_error}".rstrip())
    return 1 if failed else 0


# --- conversations -----------------------------------------------------------------------------


def conversation_json(conversation: Conversation, accounts: dict[int, Account]) -> dict[str, Any]:
    account = accounts.get(conversation.account_id)
    return {
        "id": conversation.id,
        "platform": conversation.platform.value,
        "account": account.handle if account else conversation.account_id,
        "account_id": conversation.account_id,
        "contact": conversation.contact.handle,
        "contact_name": conversation.contact.display_name,
        "visibility": conversation.visibility.value,
        "status": conversation.status.value,
        "last_message_at": _iso(conversation.last_message_at),
        "waiting_since": _iso(conversation.waiting_since),
        "unread": conversation.unread,
        "preview": conversation.preview,
    }


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "remote_id": message.remote_id,
        "direction": message.direction.value,
        "author": message.author_handle,
        "author_name": message.author_name,
        "text": message.text,
        "sent_at": _iso(message.sent_at),
        "visibility": message.visibility.value,
        "in_reply_to": message.in_reply_to,
        "url": message.url,
    }


def inbox_list(core: Core, args: argparse.Namespace) -> int:
    conversations = core.repository.conversations(InboxView(args.status), limit=args.limit)
    accounts = {account.id: account for account in core.repository.accounts()}
    if args.json:
        _print_json([conversation_json(c, accounts) for c in conversations])
        return 0
    for c in conversations:
        print(
            f"{c.id:>6}  {c.status.value:<12} {c.platform.value:<9} {c.contact.handle:<22} {_one_line(c.preview, 60)}"
        )
    return 0


def show_conversation(core: Core, args: argparse.Namespace) -> int:
    conversation = core.repository.conversation(args.conversation_id)
    messages = core.repository.messages(conversation.id)
    if args.json:
        accounts = {account.id: account for account in core.repository.accounts()}
        _print_json({**conversation_json(conversation, accounts), "messages": [message_json(m) for m in messages]})
        return 0
    print(f"{conversation.contact.name} ({conversation.contact.handle}) · {conversation.visibility.value}")
    for message in messages:
        who = "you" if message.direction.value == "out" else message.author_handle
        print(f"[{_iso(message.sent_at)}] {who}: {message.text}")
    return 0


def reply_now(core: Core, args: argparse.Namespace) -> int:
    try:
        item = core.repository.queue_reply(args.conversation_id, args.text, core.clock.now())
    except (LookupError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
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


# --- output helpers ----------------------------------------------------------------------------


def _iso(moment: Any) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
