#!/bin/sh
# Install Social Inbox for the current user: the program under ~/.local/opt/socialinbox, a command in
# ~/.local/bin, the menu entry and the icons in the XDG data folder. No root needed; run it again to update.
#   ./install.sh            install from the folder this script is in
#   PREFIX=/some/dir ./install.sh   put the program somewhere else
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
PREFIX=${PREFIX:-$HOME/.local/opt/socialinbox}
BIN_DIR=${BIN_DIR:-$HOME/.local/bin}

[ -x "$HERE/socialinbox/socialinbox" ] || { echo "install.sh: run it from the unpacked Social Inbox folder" >&2; exit 2; }

rm -rf "$PREFIX.new"
mkdir -p "$PREFIX.new"
cp -R "$HERE/socialinbox" "$PREFIX.new/"
cp "$HERE/uninstall.sh" "$PREFIX.new/"
rm -rf "$PREFIX"
mv "$PREFIX.new" "$PREFIX"

mkdir -p "$BIN_DIR"
ln -sf "$PREFIX/socialinbox/socialinbox" "$BIN_DIR/socialinbox"

mkdir -p "$DATA_HOME/applications"
sed "s|@EXEC@|$PREFIX/socialinbox/socialinbox|g" "$HERE/share/socialinbox.desktop" > "$DATA_HOME/applications/socialinbox.desktop"
chmod 644 "$DATA_HOME/applications/socialinbox.desktop"
for icon in "$HERE"/share/icons/hicolor/*/apps/socialinbox.*; do
  size_dir=$(basename "$(dirname "$(dirname "$icon")")")
  mkdir -p "$DATA_HOME/icons/hicolor/$size_dir/apps"
  cp "$icon" "$DATA_HOME/icons/hicolor/$size_dir/apps/"
done

# Menus pick the entry up by themselves; these only make it quicker where the tools exist.
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA_HOME/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" || true

echo "Social Inbox is installed: find it in your applications menu, or run $BIN_DIR/socialinbox"
echo "To remove it: $PREFIX/uninstall.sh"
