#!/usr/bin/env bash
# Set up (first time only) and run every test: lint, types, layer contracts, and the test suite with Qt
# offscreen inside a private D-Bus session, never touching your real keyring. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"; chmod 700 "$XDG_RUNTIME_DIR"
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
unset DBUS_SESSION_BUS_ADDRESS
exec dbus-run-session -- .venv/bin/python -m pytest "$@"
