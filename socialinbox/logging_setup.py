"""Logs go to a rotating file in the platform's log folder (and stderr for the command line)."""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from pathlib import Path

from socialinbox.crash import CrashHandler
from socialinbox.redaction import RedactionFilter, Redactor

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CRASH_FOLDER = "crash-reports"


def configure_logging(log_file: Path, *, verbose: bool = False, to_stderr: bool = False) -> Redactor:
    """Set up the log file (owner-only, redacted) and crash reports; returns the redactor the filters share."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    _remove_our_handlers(root)  # configuring twice (tests, an in-process CLI) must not write everything twice
    redactor = Redactor()
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = _OwnerOnlyRotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        if os.name == "posix" and log_file.stat().st_mode & 0o077:
            log_file.chmod(0o600)  # a log file from an older version
    except OSError as error:  # a read-only or full disk: the app can still say so, on stderr and on screen
        unwritable: OSError | None = error
    else:
        unwritable = None
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactionFilter(redactor))
        _add_ours(root, handler)
    if to_stderr:
        console = logging.StreamHandler()
        console.setLevel(logging.DEBUG if verbose else logging.WARNING)
        console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        console.addFilter(RedactionFilter(redactor))
        _add_ours(root, console)
    install_crash_reports(log_file.parent / CRASH_FOLDER, redactor)
    # httpx logs every request URL at INFO; some platforms put the token in the path.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if unwritable is not None:
        logging.getLogger(__name__).warning("cannot write the log file %s (%s)", log_file, unwritable.strerror)
    return redactor


_OURS = "_socialinbox_handler"


def _add_ours(root: logging.Logger, handler: logging.Handler) -> None:
    setattr(handler, _OURS, True)
    root.addHandler(handler)


def _remove_our_handlers(root: logging.Logger) -> None:
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
        handler.close()


class _OwnerOnlyRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every log file, including each one a rollover starts, is created readable by the owner only."""

    def _open(self) -> io.TextIOWrapper:
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(descriptor, "a", encoding=self.encoding, errors=self.errors)  # appends, as rotation requires


def install_crash_reports(folder: Path, redactor: Redactor) -> CrashHandler:
    """Unhandled errors (main thread, worker threads) leave a redacted report in ``folder``."""
    handler = CrashHandler(folder, redactor=redactor)
    handler.install()
    return handler
