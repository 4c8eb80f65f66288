"""``socialinbox attachment list | save``: an e-mail's attachments, fetched again from the mail server and saved.

``list CONVERSATION`` prints ``MESSAGE  INDEX  name (size)`` for every attachment in the thread; ``save MESSAGE
INDEX --to FOLDER`` writes that one into FOLDER under its (made safe) name, as ``name (2).ext`` when that name is
taken, and prints the path. Nothing is opened or run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from socialinbox.cli.output import fail, print_json
from socialinbox.connectors import TOKENLESS
from socialinbox.connectors.base import ConnectorError
from socialinbox.sync.attachments import AttachmentFetcher, listed_attachments, save_into
from socialinbox.sync.service import Credentials
from socialinbox.wiring import Core


def register(commands: Any) -> None:
    attachment = commands.add_parser("attachment", help="list or save the attachments of e-mails")
    actions = attachment.add_subparsers(dest="attachment_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="the attachments in a conversation")
    listing.add_argument("conversation_id", type=int)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_attachments)

    save = actions.add_parser("save", help="fetch one attachment from the mail server and save it")
    save.add_argument("message_id", type=int, help="the message's id (see 'attachment list')")
    save.add_argument("index", type=int, help="which attachment of the message, from 1")
    save.add_argument("--to", type=Path, required=True, metavar="FOLDER", help="an existing folder")
    save.set_defaults(run=save_attachment)


def list_attachments(core: Core, args: argparse.Namespace) -> int:
    rows = [
        {"message_id": message.id, "index": item.index, "name": item.name, "size": item.size}
        for message in core.repository.messages(core.repository.conversation(args.conversation_id).id)
        for item in listed_attachments(message.text)
    ]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("No attachments in this conversation.")
    for row in rows:
        print(f"{row['message_id']:>8}  {row['index']:>3}  {row['name']} ({row['size']})")
    return 0


def save_attachment(core: Core, args: argparse.Namespace) -> int:
    folder: Path = args.to
    if not folder.is_dir():
        return fail(f"{folder} is not a folder.")
    message = core.repository.message(args.message_id)
    fetcher = AttachmentFetcher(core.repository, core.connectors, Credentials(core.secrets, TOKENLESS))
    try:
        name, data = fetcher.fetch(message, args.index)
    except LookupError as error:
        return fail(str(error))
    except ConnectorError as error:
        return fail(str(error), code=1)
    try:
        written = save_into(folder, name, data)
    except OSError as error:
        return fail(f"Could not save into {folder}: {error.strerror or error}", code=1)
    print(f"Saved {written} ({len(data):,} bytes).")
    return 0
