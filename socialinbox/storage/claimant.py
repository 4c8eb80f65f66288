"""Who claimed a reply to send it: this computer's name and the process's id, so a start can tell a reply a stopped
process left in "sending" from one another process is sending right now (``outbox_queries.recover_interrupted``)."""

from __future__ import annotations

import os
import socket


def this_process() -> str:
    return f"{socket.gethostname()}/{os.getpid()}"


def has_stopped(claimant: str) -> bool:
    """True only when sure: a process of this computer that no longer runs. A process elsewhere (a team's other
    computer), an id this system cannot check, or one reused by a new process all answer False, and the claim then
    lapses with time instead (``SEND_LEASE``)."""
    host, _, pid_text = claimant.rpartition("/")
    if host != socket.gethostname() or not pid_text.isdigit() or os.name != "posix":
        return False  # Windows' os.kill would end the process it asks about
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # this process is running; what it claimed, it is sending
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists under another user, or the question is refused
        return False
    return False
