"""A keyring for the benchmark's app processes: the fake servers' tokens, handed over in an environment variable.

Loaded by keyring itself (``PYTHON_KEYRING_BACKEND=bench.keyring_env.EnvKeyring``), so the app under test runs its
ordinary start-up, keyring included, and never touches the machine's real keyring.
"""

from __future__ import annotations

import json
import os

import keyring.backend

VARIABLE = "SOCIALINBOX_BENCH_TOKENS"  # {"account-1": "token", ...}, fake tokens only


class EnvKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[str, str] = json.loads(os.environ.get(VARIABLE, "{}"))

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[username] = password

    def delete_password(self, service: str, username: str) -> None:
        self._secrets.pop(username, None)
