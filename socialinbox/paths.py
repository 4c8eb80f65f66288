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
    def log_file(self) -> Path:
        return self.log_dir / "socialinbox.log"

    def create(self) -> None:
        """Create the folders readable by the owner only: they hold customers' messages."""
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
            if os.name == "posix":
                folder.chmod(0o700)


def default_paths() -> AppPaths:
    return AppPaths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


def paths_in(folder: Path) -> AppPaths:
    """Everything under one folder (``--data-dir``): for tests, a portable install or a second shop."""
    return AppPaths(data_dir=folder, config_dir=folder / "config", log_dir=folder / "logs")
