"""A keyring backend in a JSON file, so command-line tests in separate processes share sign-ins (never the owner's).

Selected with ``PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring``; the file is ``$SOCIALINBOX_TEST_KEYRING``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["SOCIALINBOX_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        try:
            loaded: dict[str, str] = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return loaded

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._path.write_text(json.dumps({**self._load(), f"{service}/{username}": password}), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        stored = self._load()
        stored.pop(f"{service}/{username}", None)
        self._path.write_text(json.dumps(stored), encoding="utf-8")
