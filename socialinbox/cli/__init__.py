"""The ``socialinbox`` command: opens the app, or runs one headless command for scripts and always-on boxes.

Every command takes ``--data-dir``; none ever prompts (secrets are read from standard input when it is not a
terminal). Exit codes: 0 done, 1 a command failed (an account, a reply), 2 bad usage or input.
Each topic registers its own subcommands (``accounts``, ``sync``, conversations), so adding one is one module.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from socialinbox import __version__
from socialinbox.cli import accounts, attachments, conversations, report, sync_command, templates_command
from socialinbox.cli.output import Command
from socialinbox.logging_setup import configure_logging
from socialinbox.paths import AppPaths, default_paths, paths_in
from socialinbox.storage.problems import StorageUnavailable
from socialinbox.storage.repository import NotFound
from socialinbox.wiring import build_core

TOPICS = (
    accounts.register,
    sync_command.register,
    conversations.register,
    attachments.register,
    templates_command.register,
    report.register,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = paths_in(args.data_dir) if args.data_dir else default_paths()
    if args.command is None:
        return _open_gui(paths, args)
    configure_logging(paths.log_file, verbose=args.verbose, to_stderr=True)
    try:
        core = build_core(paths)
    except StorageUnavailable as error:  # locked, full, read-only, or an upgrade that failed and was undone
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        command: Command = args.run
        return command(core, args)
    except NotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except StorageUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `socialinbox inbox | head`: the reader left; that is not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit, so flushing at exit is quiet
        return 0
    finally:
        core.close()


def _open_gui(paths: AppPaths, args: argparse.Namespace) -> int:
    from socialinbox.ui.app import run_app  # Qt is imported only when a window is wanted

    configure_logging(paths.log_file, verbose=args.verbose)
    return int(run_app(paths, demo=args.demo, smoke_test=args.smoke_test, open_conversation=args.open))


def _conversation_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"a conversation id is a positive number, not {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="socialinbox", description="Answer every customer within the hour.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", type=Path, help="keep the database, settings and logs in this folder")
    parser.add_argument("--verbose", action="store_true", help="debug logging (may include message text)")
    parser.add_argument("--demo", action="store_true", help="open the app with the demo shop connected")
    parser.add_argument("--smoke-test", action="store_true", help="build the app offscreen, check it and exit")
    parser.add_argument(
        "--open", type=_conversation_id, metavar="CONVERSATION", help="open the app (or the running one) on it"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in TOPICS:
        register(commands)
    return parser
