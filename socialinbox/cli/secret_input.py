"""Reading a secret on the command line: from a pipe without a prompt, or typed unseen at a terminal."""

from __future__ import annotations

import getpass
import sys


def read_secret(what: str) -> str:
    """One line from standard input when it is not a terminal (scripts pipe it in), else typed without echo."""
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        return getpass.getpass(f"Paste the {what} (it is not shown): ").strip()
    return sys.stdin.readline().strip()
