#!/usr/bin/env bash
# Set up (first time only) and open Social Inbox on the embedded default: a SQLite file in your data folder
# and the demo shop. Extra arguments go to the app, e.g. scripts/app.sh --data-dir /tmp/try
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/socialinbox "$@"
