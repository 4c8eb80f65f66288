#!/usr/bin/env bash
# Prepare this machine to run Social Inbox from source: the system libraries Qt needs (Debian/Ubuntu, via
# apt-get when they are missing), a virtual environment in .venv, and the project with the extras asked for.
#   scripts/setup.sh            -> the app
#   scripts/setup.sh test       -> the app plus everything the tests need
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-}"

export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Qt 6 wheels: QtCore needs glib; QtGui needs GL/EGL, xkbcommon, fontconfig (pulls freetype and DejaVu fonts);
# QtDBus needs libdbus. dbus-daemon gives the tests a private session bus. The xcb set shows a real window.
APT_PKGS=(libglib2.0-0 libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 dbus-daemon
          libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
          libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1)
# Customers write in emoji (the demo shop's do too), and DejaVu has none of the colour ones: without an emoji font
# every 🌻 is an empty box. A desktop has one already (any font with U+1F33B will do), so this installs only on a
# bare machine.
if ! { command -v fc-list >/dev/null && fc-list ':charset=1f33b' | grep -q .; }; then
  APT_PKGS+=(fonts-noto-color-emoji)
fi
# The e-mail tests run a real IMAP server (Dovecot) on loopback; the storage and sync tests run again on a throwaway
# PostgreSQL (a team's shared inbox; its package brings the unaccent extension that search uses).
[ "$EXTRAS" = test ] && APT_PKGS+=(dovecot-imapd postgresql)
# The Bluesky integration test runs the real devnet (../shared/peers/bluesky-devnet.sh) where node and npm exist:
# it too starts a throwaway PostgreSQL, and needs a C++ toolchain for npm to build better-sqlite3.
if [ "$EXTRAS" = test ] && command -v npm >/dev/null; then APT_PKGS+=(build-essential); fi
# PyInstaller (the frozen-build smoke test, packaging/build.py) needs objdump from binutils.
if [ "$EXTRAS" = test ] || [ "$EXTRAS" = package ]; then APT_PKGS+=(binutils); fi
PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null || ! "$PY" -c 'import ensurepip, venv, sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  APT_PKGS+=(python3 python3-venv)
  PY=python3
fi
# PyInstaller also needs the shared libpython, which Debian's own python3 keeps in a separate package.
if { [ "$EXTRAS" = test ] || [ "$EXTRAS" = package ]; } && [[ "$(readlink -f "$(command -v "$PY" || echo /usr/bin/python3)")" == /usr/bin/* ]]; then
  APT_PKGS+=(libpython3-dev)
fi

if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
  missing=()
  for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo ">>> apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo ">>> not a Debian-like system: make sure Qt's system libraries (OpenGL, EGL, xkbcommon, fontconfig, D-Bus) are installed"
fi

"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "Social Inbox needs Python 3.11 or newer"'
VENV="${VENV:-.venv}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
if [ "$EXTRAS" = test ]; then
  "$VENV/bin/python" -m pip install -q -e ".[test]"
elif [ "$EXTRAS" = package ]; then
  "$VENV/bin/python" -m pip install -q -e ".[package]"
else
  "$VENV/bin/python" -m pip install -q -e .
fi
