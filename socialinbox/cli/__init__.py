"""The ``socialinbox`` command: opens the app, or runs one headless command for scripts and always-on boxes.

Every command takes ``--data-dir``; none ever prompts (secrets are read from standard input when it is not a
terminal). Exit codes: 0 done, 1 a command failed (an account, a reply), 2 bad usage or input.
Each topic registers its own subcommands (``accounts``, ``sync``, conversations), so adding one is one module.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from socialinbox import __version__
from socialinbox.logging_setup import configure_logging
from socialinbox.paths import AppPaths, default_paths, paths_in
from socialinbox.storage.problems import StorageUnavailable
from socialinbox.wiring import build_core


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = _app_start(arguments)
    if args is None:  # a command, or a request for help
        args = build_parser().parse_args(arguments)
    paths = paths_in(args.data_dir) if args.data_dir else default_paths()
    if args.command is None:
        return _open_gui(paths, args)
    return _run_command(paths, args)


def _app_start(arguments: list[str]) -> argparse.Namespace | None:
    """The options of a start of the app, read without the commands' modules, or None when ``arguments`` name a
    command or ask for help. The commands import SQLAlchemy, httpx and the keyring: 0.7 s that every start paid before
    its window appeared, although the window paints before it needs them (docs/performance.md, B4)."""
    parser = argparse.ArgumentParser(prog="socialinbox", add_help=False)
    _add_app_options(parser)
    args, rest = parser.parse_known_args(arguments)
    if rest:
        return None
    args.command = None
    return args


def _run_command(paths: AppPaths, args: argparse.Namespace) -> int:
    from socialinbox.cli.output import Command
    from socialinbox.storage.repository import NotFound

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
    # The window's own collector takes over from Python's automatic one (ui/gui_gc.py); turned off here already, the
    # window's imports are not scanned for cycles they cannot have (about 1% of a start, docs/performance.md B4).
    gc.disable()
    from socialinbox.ui.app import run_app  # Qt is imported only when a window is wanted

    configure_logging(paths.log_file, verbose=args.verbose)
    return int(run_app(paths, demo=args.demo, smoke_test=args.smoke_test, open_conversation=args.open))


def _conversation_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"a conversation id is a positive number, not {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the app's options and every topic's commands (each topic registers its own)."""
    from socialinbox.cli import accounts, attachments, conversations, report, sync_command, templates_command

    parser = argparse.ArgumentParser(prog="socialinbox", description="Answer every customer within the hour.")
    _add_app_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for topic in (accounts, sync_command, conversations, attachments, templates_command, report):
        topic.register(commands)
    return parser


def _add_app_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", type=Path, help="keep the database, settings and logs in this folder")
    parser.add_argument("--verbose", action="store_true", help="debug logging (may include message text)")
    parser.add_argument("--demo", action="store_true", help="open the app with the demo shop connected")
    parser.add_argument("--smoke-test", action="store_true", help="build the app offscreen, check it and exit")
    parser.add_argument(
        "--open", type=_conversation_id, metavar="CONVERSATION", help="open the app (or the running one) on it"
    )
