"""A keyring backend for command-line tests: the subprocesses of one test share a JSON file (never a real keyring).

Selected with ``PYTHON_KEYRING_BACKEND=tests.integration.file_keyring.FileKeyring`` and the file named by
``SOCIALINBOX_TEST_KEYRING``; the test checks afterwards that the password is there and nowhere else.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _file(self) -> Path:
        return Path(os.environ["SOCIALINBOX_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        return json.loads(self._file.read_text()) if self._file.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        stored = self._load()
        stored[f"{service}/{username}"] = password
        self._file.write_text(json.dumps(stored))

    def delete_password(self, service: str, username: str) -> None:
        stored = self._load()
        stored.pop(f"{service}/{username}", None)
        self._file.write_text(json.dumps(stored))
