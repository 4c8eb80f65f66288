"""Build-time icons from the one SVG: hicolor PNGs for Linux, a Windows .ico and a macOS .icns.

Nothing generated is committed: packaging/build.py renders these into build/icons before PyInstaller runs.
The .ico and .icns containers hold PNG images, which every supported Windows (Vista on) and macOS (10.7 on) read.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "socialinbox" / "resources" / "icons" / "socialinbox.svg"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns element types that hold PNG data, by pixel size (the @2x types reuse the larger renders).
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}


def ico_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """A .ico file holding one PNG per size (sizes up to 256; 256 is written as 0, as the format says)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, image count
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        if not 1 <= size <= 256:
            raise ValueError(f"an .ico image is at most 256 pixels, not {size}")
        data = pngs[size]
        edge = size % 256  # 256 is stored as 0
        entries += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(data), offset + len(images))
        images += data
    return header + entries + images


def icns_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """A .icns file: the 'icns' magic, the total length, then one typed element per PNG."""
    elements = b""
    for size in sorted(pngs):
        if size not in ICNS_TYPES:
            raise ValueError(f"no .icns element type for {size} pixels")
        data = pngs[size]
        elements += ICNS_TYPES[size] + struct.pack(">I", len(data) + 8) + data
    return b"icns" + struct.pack(">I", len(elements) + 8) + elements


def render_pngs(svg: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    """Render the SVG at each size with Qt's SVG renderer (the app's own dependency; no extra tools)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import QApplication

    # A QApplication, not a QGuiApplication: in a test process, widgets may be made after this.
    _app = QApplication.instance() or QApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"cannot read {svg}")
    rendered = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        rendered[size] = bytes(data.data())
    return rendered


def write_icons(out_dir: Path, svg: Path = SVG) -> Path:
    """Write ``hicolor/NxN/apps/socialinbox.png``, ``hicolor/scalable/apps/socialinbox.svg``, the .ico and .icns."""
    pngs = render_pngs(svg, tuple(sorted({*HICOLOR_SIZES, *ICO_SIZES, 1024})))
    for size in HICOLOR_SIZES:
        target = out_dir / "hicolor" / f"{size}x{size}" / "apps" / "socialinbox.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    scalable = out_dir / "hicolor" / "scalable" / "apps" / "socialinbox.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(svg.read_bytes())
    (out_dir / "socialinbox.ico").write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    (out_dir / "socialinbox.icns").write_bytes(icns_bytes({size: pngs[size] for size in ICNS_TYPES}))
    return out_dir


if __name__ == "__main__":
    print(write_icons(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons"))
