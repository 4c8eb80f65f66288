"""Logs go to a rotating file in the platform's log folder (and stderr for the command line)."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from socialinbox.crash import CrashHandler
from socialinbox.redaction import RedactionFilter, Redactor

if TYPE_CHECKING:
    import logging.handlers

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
        handler = LogFile(log_file)
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


MAX_BYTES, BACKUPS = 2_000_000, 3  # socialinbox.log and socialinbox.log.1-3: at most 8 MB


class LogFile(logging.Handler):
    """The rotating log file, created (owner-only) at once, so a folder that cannot take it is told now; the
    standard library's rotating handler behind it is made at the first record. Its module, ``logging.handlers``,
    brings ``socket``, ``pickle`` and ``queue``: 22 M instructions, 1.7% of a start before its first paint, where
    nothing is logged (docs/performance.md, B4). Records come here under this handler's lock (``Handler.handle``),
    so the rotating handler is made once."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.baseFilename = os.path.abspath(path)  # the name logging's own file handlers go by
        os.close(_create_owner_only(self.baseFilename))
        self._file: logging.handlers.RotatingFileHandler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self._rotating().emit(record)  # formats with this handler's formatter, set on it when it was made

    def setFormatter(self, fmt: logging.Formatter | None) -> None:  # noqa: N802 -- logging's own name
        super().setFormatter(fmt)
        if self._file is not None:
            self._file.setFormatter(fmt)

    def doRollover(self) -> None:  # noqa: N802 -- the rotating handler's own name
        self.acquire()
        try:
            self._rotating().doRollover()
        finally:
            self.release()

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()

    def _rotating(self) -> logging.handlers.RotatingFileHandler:
        if self._file is None:
            self._file = _owner_only_rotating(self.baseFilename)
            self._file.setFormatter(self.formatter)
        return self._file


def _create_owner_only(path: str) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)


def _owner_only_rotating(path: str) -> logging.handlers.RotatingFileHandler:
    import logging.handlers

    class OwnerOnlyRotatingFileHandler(logging.handlers.RotatingFileHandler):
        """Every log file, including each one a rollover starts, is created readable by the owner only."""

        def _open(self) -> io.TextIOWrapper:
            descriptor = _create_owner_only(self.baseFilename)
            return open(descriptor, "a", encoding=self.encoding, errors=self.errors)  # appends, as rotation requires

    return OwnerOnlyRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)


def install_crash_reports(folder: Path, redactor: Redactor) -> CrashHandler:
    """Unhandled errors (main thread, worker threads) leave a redacted report in ``folder``."""
    handler = CrashHandler(folder, redactor=redactor)
    handler.install()
    return handler
