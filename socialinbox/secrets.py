"""Where tokens live: the operating system's keyring, or memory for the demo, tests and keyring-less machines.

Tokens never reach the database, settings, logs or exception messages. When no keyring backend works, the app
keeps tokens for this run only and says so in plain words; it never falls back to a file.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Protocol

import keyring
import keyring.backends.fail
import keyring.errors

SERVICE_NAME = "socialinbox"
NO_KEYRING_ADVICE = (
    "No system keyring is available, so sign-ins are kept in memory for this run only and you will need to sign in "
    "again next time. To keep them, install or unlock a keyring service (GNOME Keyring, KWallet or KeePassXC's "
    "Secret Service on Linux; the keychain and credential manager are built into macOS and Windows)."
)

log = logging.getLogger(__name__)


class SecretStore(Protocol):
    persistent: bool  # False: forgotten when the app quits

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, secret: str) -> None: ...
    def delete(self, key: str) -> None: ...


def account_key(account_id: int) -> str:
    return f"account-{account_id}"


class MemorySecretStore:
    persistent = False

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._secrets.get(key)

    def set(self, key: str, secret: str) -> None:
        with self._lock:
            self._secrets[key] = secret

    def delete(self, key: str) -> None:
        with self._lock:
            self._secrets.pop(key, None)

    def __repr__(self) -> str:
        return f"MemorySecretStore({len(self._secrets)} secrets)"  # never the secrets themselves


class KeyringSecretStore:
    """The OS keyring under the service name ``socialinbox``."""

    persistent = True

    def get(self, key: str) -> str | None:
        return keyring.get_password(SERVICE_NAME, key)

    def set(self, key: str, secret: str) -> None:
        keyring.set_password(SERVICE_NAME, key, secret)

    def delete(self, key: str) -> None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):  # already gone is what the caller wanted
            keyring.delete_password(SERVICE_NAME, key)


def open_secret_store() -> tuple[SecretStore, str | None]:
    """The keyring when one works, else memory plus the advice to show the owner."""
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring):
        log.info("no keyring backend: tokens are kept for this run only")
        return MemorySecretStore(), NO_KEYRING_ADVICE
    try:
        keyring.get_password(SERVICE_NAME, "probe")
    except keyring.errors.KeyringError as error:
        log.info("keyring unusable (%s): tokens are kept for this run only", type(error).__name__)
        return MemorySecretStore(), NO_KEYRING_ADVICE
    return KeyringSecretStore(), None
