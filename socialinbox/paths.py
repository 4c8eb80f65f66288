"""Where files live: the platform's usual folders (platformdirs), or one folder given with ``--data-dir``."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import platformdirs

APP_NAME = "SocialInbox"


@dataclasses.dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "inbox.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def triage_file(self) -> Path:
        """The triage priorities kept between runs (``socialinbox.triage_file``)."""
        return self.data_dir / "triage-priorities.json"

    @property
    def instance_lock(self) -> Path:
        """Held by the copy of the app running on this folder (``ui/instance_lock.py``)."""
        return self.data_dir / "socialinbox.lock"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "socialinbox.log"

    @property
    def database_files(self) -> tuple[Path, Path, Path]:
        """The database and the two files SQLite keeps beside it in WAL mode: all three hold messages."""
        return self.database, sqlite_companion(self.database, "-wal"), sqlite_companion(self.database, "-shm")

    def create(self) -> None:
        """Create the folders readable by the owner only: they hold customers' messages."""
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
            if os.name == "posix" and folder.stat().st_mode & 0o777 != 0o700:
                folder.chmod(0o700)  # only when needed: a read-only folder that is already private stays readable


def sqlite_companion(database: Path, suffix: str) -> Path:
    return database.with_name(database.name + suffix)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only (0600) if it does not exist, so it is never readable by others, not even
    for the moment between its creation and a chmod; tighten an existing one."""
    if os.name != "posix":
        return  # Windows: the file inherits the user profile's ACLs
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)


def replace_private_file(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, so a crash mid-write leaves the old file and never half a new one;
    owner-only (0600) from the moment it exists, since what the app writes holds customers' words or traces of them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    if os.name == "posix":
        temporary.chmod(0o600)  # a temporary left behind by a crash keeps its old mode through O_CREAT
    temporary.replace(path)


def protect_files(*paths: Path) -> None:
    """Make each existing file owner-only (0600)."""
    for path in paths:
        if os.name == "posix" and path.exists() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def default_paths() -> AppPaths:
    return AppPaths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


def paths_in(folder: Path) -> AppPaths:
    """Everything under one folder (``--data-dir``): for tests, a portable install or a second shop."""
    return AppPaths(data_dir=folder, config_dir=folder / "config", log_dir=folder / "logs")
