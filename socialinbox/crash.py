"""Crash reports the owner can send in: where the error happened, never what it was about. No Qt.

A report holds the version, the platform, the exception *types* and the stack (files, lines, functions, the code
line). It leaves out exception messages and local values, because those are where a customer's message text or a
token would turn up (``KeyError: 'Is the blue mug back?'``); the code lines are the project's own source. Whatever
still looks like a secret is masked by the redactor as well. Files are written 0600 in a 0700 folder.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from socialinbox import __version__
from socialinbox.redaction import Redactor, write_crash_report

log = logging.getLogger(__name__)

MAX_CHAINED = 5  # "During handling of the above exception..." links followed, at most


def crash_report_text(
    error: BaseException,
    trace: TracebackType | None,
    *,
    when: datetime,
    thread: str = "",
    redactor: Redactor | None = None,
) -> str:
    """The report for ``error``: exception types and stack frames only, oldest cause first."""
    import platform  # only when a report is written: 8 M instructions (0.6%) of every start before its first paint

    lines = [
        "Social Inbox crash report",
        f"version: {__version__}",
        f"time: {when.astimezone(UTC).isoformat()}",
        f"platform: {platform.system()} {platform.release()} {platform.machine()}, Python {platform.python_version()}",
        *([f"thread: {thread}"] if thread else []),
        "(exception messages and values are left out on purpose: they can hold customers' messages)",
        "",
    ]
    for index, (link, link_trace) in enumerate(reversed(_chain(error, trace))):
        if index:
            lines.append("which then led to:")
        lines.append(f"{type(link).__module__}.{type(link).__qualname__}")
        for frame in traceback.extract_tb(link_trace):
            lines.append(f'  File "{_short_path(frame.filename)}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
    text = "\n".join(lines) + "\n"
    return redactor.redact(text) if redactor is not None else text


def _chain(error: BaseException, trace: TracebackType | None) -> list[tuple[BaseException, TracebackType | None]]:
    """The error and the ones it was raised from or during, newest first (bounded, and safe against cycles)."""
    chain: list[tuple[BaseException, TracebackType | None]] = [(error, trace)]
    seen = {id(error)}
    current = error
    while len(chain) < MAX_CHAINED:
        cause = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        if cause is None or id(cause) in seen:
            break
        chain.append((cause, cause.__traceback__))
        seen.add(id(cause))
        current = cause
    return chain


def _short_path(filename: str) -> str:
    """From ``.../site-packages/socialinbox/x.py`` keep ``socialinbox/x.py``: the home folder names the owner."""
    parts = Path(filename).parts
    for anchor in ("socialinbox", "site-packages", "_internal"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index + (anchor != "socialinbox") :]) or filename
    return Path(filename).name


class CrashHandler:
    """Installs sys.excepthook and threading.excepthook; each unhandled error writes one report into ``folder``.

    ``on_report(path)`` is called after a report was written, on the thread that crashed: a GUI marshals it to its
    own thread before showing anything. The hooks that were there before are restored by ``uninstall``; the
    interpreter's default printing to stderr still happens.
    """

    def __init__(
        self,
        folder: Path,
        *,
        on_report: Callable[[Path], None] | None = None,
        redactor: Redactor | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.folder = folder
        self._on_report = on_report
        self._redactor = redactor
        self._now = now
        self._previous: tuple[object, object] | None = None

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._hook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
            self._previous = None

    def report(self, error: BaseException, trace: TracebackType | None, thread: str = "") -> Path | None:
        """Write the report for ``error``; None when it could not be written (a full disk must not crash twice)."""
        if isinstance(error, KeyboardInterrupt | SystemExit):
            return None
        when = self._now()
        try:
            text = crash_report_text(error, trace, when=when, thread=thread, redactor=self._redactor)
            path = write_crash_report(self.folder, text, when)
        except OSError:
            log.exception("could not write a crash report")
            return None
        log.error("unexpected %s; crash report written to %s", type(error).__name__, path)
        if self._on_report is not None:
            self._on_report(path)
        return path

    def _hook(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        self.report(error, trace)
        sys.__excepthook__(kind, error, trace)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.report(args.exc_value, args.exc_traceback, args.thread.name if args.thread else "")
        threading.__excepthook__(args)
