"""Pure rules the spec and the build script share: what stays out of the bundle, version numbers, the size budget."""

from __future__ import annotations

import fnmatch
import re

SIZE_BUDGET_BYTES = 150 * 1024 * 1024

# Paths inside the bundle (PyInstaller's destination names, forward slashes) that are left out, with the reason.
EXCLUDED = {
    # GTK platform theme: pulls libgtk-3 and ~40 host libraries into the bundle when GTK is installed on the builder.
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so": "host pollution",
    # The virtual keyboard input context is the only reason QtQml, QtQuick and friends would be bundled.
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so": "pulls QtQuick",
    "PySide6/Qt/lib/libQt6VirtualKeyboard*": "virtual keyboard",
    "PySide6/Qt/lib/libQt6Qml*": "no QML in this app",
    "PySide6/Qt/lib/libQt6Quick*": "no QML in this app",
    "PySide6/Qt/qml/*": "no QML in this app",
    # The PDF image format needs QtPdf.
    "PySide6/Qt/plugins/imageformats/libqpdf.so": "needs QtPdf",
    "PySide6/Qt/lib/libQt6Pdf*": "no PDF",
    # The app installs no QTranslator (it is English only), so Qt's own translations would never be read.
    "PySide6/Qt/translations/*": "never loaded",
    # Embedded-device EGL integrations (eglfs): a desktop app runs on xcb or Wayland.
    "PySide6/Qt/plugins/egldeviceintegrations/*": "embedded devices only",
    "PySide6/Qt/plugins/platforms/libqeglfs.so": "embedded devices only",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so": "embedded devices only",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so": "embedded devices only",
    "PySide6/Qt/plugins/platforms/libqminimalegl.so": "embedded devices only",
    "PySide6/Qt/plugins/platforms/libqvnc.so": "embedded devices only",
    "PySide6/Qt/lib/libQt6EglF[Ss]*": "embedded devices only",
    "libQt6EglF[Ss]*": "embedded devices only",  # PyInstaller's top-level links to the Qt libraries
    # What the GTK theme plugin links, collected as its dependencies before the plugin itself is dropped. Nothing
    # else in the bundle needs them (checked with objdump over every library: see tests/packaging).
    **dict.fromkeys(
        [
            "libgtk-3.so*",
            "libgdk-3.so*",
            "libatk-*.so*",
            "libatk-bridge-*.so*",
            "libcairo*.so*",
            "libpango*.so*",
            "libgdk_pixbuf-*.so*",
            "libpixman-*.so*",
            "libthai.so*",
            "libdatrie.so*",
            "libfribidi.so*",
            "libgraphite2.so*",
            "libharfbuzz.so*",
            "libepoxy.so*",
            "libXrender.so*",
            "libjpeg.so*",
        ],
        "GTK's dependencies",
    ),
    # The desktop's own base libraries. Every Linux desktop has them, and the bundle must share them with the system:
    # a bundled GLib next to the system's GIO modules, or a bundled fontconfig reading a newer system configuration,
    # is a classic source of start-up failures. (The target also provides libGL, libEGL and libxcb, as always.)
    **dict.fromkeys(
        [
            "libglib-2.0.so*",
            "libgobject-2.0.so*",
            "libgio-2.0.so*",
            "libgmodule-2.0.so*",
            "libgthread-2.0.so*",
            "libmount.so*",
            "libblkid.so*",
            "libselinux.so*",
            "libpcre2-8.so*",
            "libdbus-1.so*",
            "libsystemd.so*",
            "libgcrypt.so*",
            "libgpg-error.so*",
            "liblz4.so*",
            "libcap.so*",
            "libfontconfig.so*",
            "libfreetype.so*",
            "libpng16.so*",
            "libexpat.so*",
            "libX11.so*",
            "libX11-xcb.so*",
            "libXau.so*",
            "libXdmcp.so*",
            "libXext.so*",
            "libbsd.so*",
            "libmd.so*",
        ],
        "provided by every Linux desktop",
    ),
}


def bundle_excluded(destination: str) -> bool:
    """True when a file with this destination path inside the bundle is left out."""
    path = destination.replace("\\", "/")
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in EXCLUDED)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``"1.2.3rc1"`` -> ``(1, 2, 3, 0)``: the four numbers a Windows version resource wants."""
    numbers = [int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3]]
    padded = [*numbers, 0, 0, 0, 0][:4]
    return (padded[0], padded[1], padded[2], padded[3])
