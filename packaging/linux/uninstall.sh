#!/bin/sh
# Remove what install.sh put in place: the program, the command, the menu entry, the icons and the
# start-at-login entry. Your messages, settings and logs stay; the last lines say where they are.
set -eu
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
CONFIG_HOME=${XDG_CONFIG_HOME:-$HOME/.config}
STATE_HOME=${XDG_STATE_HOME:-$HOME/.local/state}
PREFIX=${PREFIX:-$HOME/.local/opt/socialinbox}
BIN_DIR=${BIN_DIR:-$HOME/.local/bin}

if [ -L "$BIN_DIR/socialinbox" ]; then rm -f "$BIN_DIR/socialinbox"; fi
rm -f "$DATA_HOME/applications/socialinbox.desktop"
rm -f "$CONFIG_HOME/autostart/socialinbox.desktop"
for icon in "$DATA_HOME"/icons/hicolor/*/apps/socialinbox.png "$DATA_HOME"/icons/hicolor/*/apps/socialinbox.svg; do
  if [ -e "$icon" ]; then rm -f "$icon"; fi
done
# Only a folder that holds the program is removed, never whatever PREFIX happens to point at.
if [ -x "$PREFIX/socialinbox/socialinbox" ]; then rm -rf "$PREFIX"; fi

command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA_HOME/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" || true

echo "Social Inbox is removed. Your data is still in $DATA_HOME/SocialInbox (messages),"
echo "$CONFIG_HOME/SocialInbox (settings) and $STATE_HOME/SocialInbox (logs); delete those folders to remove it too."
