"""The first copy running on a data folder holds that folder's lock file until it quits.

A start that finds the lock held knows a copy is running there, and hands its request over through the socket of
``single_instance`` instead of opening a window of its own. The lock, not the socket, answers "is a copy running?",
because it needs only QtCore: the first copy opens its socket (QtNetwork, about 4% of a start's instructions,
docs/performance.md B4) once its window has painted, and a later start waits for it that long.

A lock whose holder has gone (a crash, a kill) is stale: Qt reads the holder's process id and host from the file and
takes the lock over when that process is no longer running on this computer.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLockFile

from socialinbox.paths import AppPaths

log = logging.getLogger(__name__)


class FolderLock:
    """This copy's claim on one data folder (``AppPaths.instance_lock``)."""

    def __init__(self, paths: AppPaths) -> None:
        self._paths = paths
        self._file = QLockFile(str(paths.instance_lock))
        # Held for the whole run, so age says nothing: only a holder whose process has gone makes the lock stale.
        self._file.setStaleLockTime(0)
        self.held = False

    def take(self) -> bool:
        """False when another copy running on this folder holds the lock. True when this copy holds it now, and also
        when no lock can be kept in the folder at all (it is read-only): nothing then stops a second copy, as before
        the app had a lock, and the start goes on."""
        try:
            self._paths.create()  # a first start: the folder the lock lives in is not there yet
        except OSError as error:
            log.warning("cannot create the data folder for its lock (%s); not checking for another copy", error)
            return True
        if self._file.tryLock(0):
            self.held = True
            return True
        if self._file.error() == QLockFile.LockError.LockFailedError:
            return False
        log.warning("cannot keep the lock file %s; not checking for another copy", self._paths.instance_lock)
        return True

    def release(self) -> None:
        if self.held:
            self._file.unlock()
            self.held = False
