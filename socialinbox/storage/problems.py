"""What the owner is told when the machine keeps the inbox database from working (lock, disk, folder).

Without SQLAlchemy: the first screen of a start reads before it is loaded, and the window shows these messages.
"""

from __future__ import annotations

import enum
import errno
import sqlite3
from pathlib import Path


class StorageProblem(enum.StrEnum):
    LOCKED = "locked"
    FULL = "full"
    READ_ONLY = "read-only"
    DISK_ERROR = "disk-error"
    DAMAGED = "damaged"
    UPGRADE_FAILED = "upgrade-failed"
    SERVER_UNREACHABLE = "server-unreachable"  # a team's database on a server (PostgreSQL)


class StorageUnavailable(Exception):
    """The database cannot be used right now, for a reason outside the app; the message is for the owner.

    Nothing was written half-way (each write is one transaction): once the cause goes away, the app carries on.
    """

    def __init__(self, problem: StorageProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


_SQLITE_PROBLEMS = {
    sqlite3.SQLITE_BUSY: StorageProblem.LOCKED,
    sqlite3.SQLITE_LOCKED: StorageProblem.LOCKED,
    sqlite3.SQLITE_FULL: StorageProblem.FULL,
    sqlite3.SQLITE_READONLY: StorageProblem.READ_ONLY,
    sqlite3.SQLITE_CANTOPEN: StorageProblem.READ_ONLY,
    sqlite3.SQLITE_PERM: StorageProblem.READ_ONLY,
    sqlite3.SQLITE_IOERR: StorageProblem.DISK_ERROR,
    sqlite3.SQLITE_CORRUPT: StorageProblem.DAMAGED,
    sqlite3.SQLITE_NOTADB: StorageProblem.DAMAGED,
}
_ADVICE = {
    StorageProblem.LOCKED: "The inbox database ({file}) is locked by another program, perhaps another copy of Social "
    "Inbox. Nothing was lost; Social Inbox keeps trying, and carries on once the other program lets go.",
    StorageProblem.FULL: "The disk holding the inbox database ({file}) is full. Nothing was lost; free some space and "
    "Social Inbox carries on.",
    StorageProblem.READ_ONLY: "Social Inbox cannot write to its data folder ({folder}): it is read-only or belongs to "
    "someone else. Nothing was lost; make the folder writable for you and Social Inbox carries on.",
    StorageProblem.DISK_ERROR: "The disk reported an error while Social Inbox used its database ({file}). Nothing "
    "was written half-way; check the disk, and Social Inbox carries on once it works again.",
    StorageProblem.DAMAGED: "The inbox database ({file}) is damaged or is not a Social Inbox database. Restore it "
    "from a backup, or move it aside to start a new one.",
}


def storage_problem(error: BaseException, database: Path | None = None) -> StorageUnavailable | None:
    """The owner-facing error for a SQLite failure caused by the machine (lock, disk, folder), else None (a bug)."""
    code = getattr(error, "sqlite_errorcode", None)
    if not isinstance(error, sqlite3.Error) or code is None:
        return None
    problem = _SQLITE_PROBLEMS.get(code & 0xFF)  # extended codes carry the primary code in the low byte
    if problem is None:
        return None
    file = str(database) if database else "the inbox database"
    folder = str(database.parent) if database else "the data folder"
    return StorageUnavailable(problem, _ADVICE[problem].format(file=file, folder=folder))


def server_problem(reason: str, where: str) -> StorageUnavailable:
    """The owner-facing error for a team database on a server that cannot be reached or refuses the app. ``reason``
    is the driver's first line ("Connection refused", "password authentication failed"); ``where`` never holds the
    password."""
    return StorageUnavailable(
        StorageProblem.SERVER_UNREACHABLE,
        f"Social Inbox cannot use the team's database ({where}): {reason}. Nothing was lost; check that the server "
        "is running and the database_url setting, and Social Inbox carries on once the server answers.",
    )


def folder_problem(error: OSError, database: Path) -> StorageUnavailable:
    """The owner-facing error for a file operation on the data folder that the machine refused."""
    problem = {
        errno.ENOSPC: StorageProblem.FULL,
        errno.EDQUOT: StorageProblem.FULL,
        errno.EROFS: StorageProblem.READ_ONLY,
        errno.EACCES: StorageProblem.READ_ONLY,
        errno.EPERM: StorageProblem.READ_ONLY,
    }.get(error.errno or 0, StorageProblem.DISK_ERROR)
    return StorageUnavailable(problem, _ADVICE[problem].format(file=database, folder=database.parent))
