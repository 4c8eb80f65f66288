"""A keyring backend kept in one JSON file, for the app started in another process by the reliability suite.

The path comes from ``SOCIALINBOX_TEST_KEYRING``; the app loads this backend through ``PYTHON_KEYRING_BACKEND``
(``tests.reliability.file_keyring.FileKeyring``). Never used outside tests: a token in a file is what the app itself
refuses to do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend

ENV = "SOCIALINBOX_TEST_KEYRING"


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ[ENV])

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self._path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._path.write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.get(service, {}).pop(username, None)
        self._path.write_text(json.dumps(data), encoding="utf-8")


def write_keyring(path: Path, secrets: dict[str, str]) -> dict[str, str]:
    """Store ``secrets`` (key -> secret) under the app's service name; returns the environment that uses them."""
    path.write_text(json.dumps({"socialinbox": secrets}), encoding="utf-8")
    return {"PYTHON_KEYRING_BACKEND": "tests.reliability.file_keyring.FileKeyring", ENV: str(path)}
