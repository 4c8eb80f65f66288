"""The packaging helpers on their own: icon containers, what stays out of the bundle, version numbers."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
from icons import ICNS_TYPES, icns_bytes, ico_bytes, write_icons  # noqa: E402
from packaging_rules import bundle_excluded, version_tuple  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def test_ico_directory_points_at_each_png_with_256_written_as_zero() -> None:
    images = {16: PNG + b"a", 256: PNG + b"bbbb"}
    data = ico_bytes(images)
    assert struct.unpack_from("<HHH", data) == (0, 1, 2)
    for index, size in enumerate((16, 256)):
        width, height, _, _, planes, bits, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        assert (width, height, planes, bits) == (size % 256, size % 256, 1, 32)
        assert data[offset : offset + length] == images[size]
    with pytest.raises(ValueError):
        ico_bytes({512: PNG})


def test_icns_holds_typed_png_elements_and_its_total_length() -> None:
    data = icns_bytes({128: PNG + b"x", 512: PNG + b"yy"})
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    assert data[8:12] == ICNS_TYPES[128] and struct.unpack(">I", data[12:16])[0] == 8 + len(PNG) + 1
    with pytest.raises(ValueError):
        icns_bytes({100: PNG})


def test_icons_are_rendered_from_the_svg_for_every_platform(tmp_path: Path) -> None:
    write_icons(tmp_path)
    for size in (16, 48, 256, 512):
        assert (tmp_path / "hicolor" / f"{size}x{size}" / "apps" / "socialinbox.png").read_bytes().startswith(PNG)
    assert (tmp_path / "hicolor" / "scalable" / "apps" / "socialinbox.svg").is_file()
    assert (tmp_path / "socialinbox.ico").read_bytes()[:4] == b"\0\0\1\0"
    assert (tmp_path / "socialinbox.icns").read_bytes()[:4] == b"icns"


@pytest.mark.parametrize(
    ("destination", "excluded"),
    [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", False),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", True),
        ("PySide6/Qt/lib/libQt6Qml.so.6", True),
        ("PySide6/Qt/translations/qt_de.qm", True),
        ("libcairo.so.2", True),
        ("libglib-2.0.so.0", True),
        ("libxcb-cursor.so.0", False),  # not on every desktop: stays bundled
        ("libssl.so.3", False),
        ("socialinbox/storage/migrations/env.py", False),
    ],
)
def test_what_stays_out_of_the_bundle(destination: str, excluded: bool) -> None:
    assert bundle_excluded(destination) is excluded


def test_windows_version_numbers() -> None:
    assert version_tuple("0.1.0") == (0, 1, 0, 0)
    assert version_tuple("1.2.3rc1+local") == (1, 2, 3, 0)
    assert version_tuple("2") == (2, 0, 0, 0)
