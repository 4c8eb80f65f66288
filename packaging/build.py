"""Build Social Inbox for this platform: icons, the PyInstaller onedir, then the package people download.

    .venv/bin/python packaging/build.py              # Linux: dist/SocialInbox-<version>-linux-x86_64.tar.gz
                                                      # macOS: dist/SocialInbox-<version>-macos.dmg
                                                      # Windows: dist/SocialInbox-<version>-windows-setup.exe
    .venv/bin/python packaging/build.py --onedir-only  # just dist/socialinbox (what the smoke test runs)

Options --dist and --work choose the output and scratch folders (defaults: dist/ and build/).
"""

# ruff: noqa: S603  # runs the build tools (PyInstaller, hdiutil, iscc) with arguments made here
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from icons import write_icons  # noqa: E402
from packaging_rules import SIZE_BUDGET_BYTES  # noqa: E402

from socialinbox import __version__  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the bundle and package go")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="scratch folder (icons, PyInstaller cache)")
    parser.add_argument("--onedir-only", action="store_true", help="stop after the onedir bundle")
    args = parser.parse_args(argv)
    started = time.monotonic()
    icons = write_icons(args.work / "icons")
    onedir = build_onedir(args.dist, args.work, icons)
    size = folder_size(onedir)
    print(f"onedir: {onedir} ({size / 2**20:.1f} MiB, {time.monotonic() - started:.0f} s)")
    if size > SIZE_BUDGET_BYTES:
        print(f"error: the bundle is over the {SIZE_BUDGET_BYTES / 2**20:.0f} MiB budget", file=sys.stderr)
        return 1
    if args.onedir_only:
        return 0
    package = make_package(args.dist, args.work, icons)
    print(f"package: {package}")
    return 0


def build_onedir(dist: Path, work: Path, icons: Path) -> Path:
    """Run PyInstaller on the spec; returns the onedir folder (on macOS the .app sits beside it)."""
    env = {**os.environ, "SOCIALINBOX_ICON_DIR": str(icons)}
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN"]
    command += ["--distpath", str(dist), "--workpath", str(work / "pyinstaller"), str(HERE / "socialinbox.spec")]
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    return dist / "socialinbox"


def folder_size(folder: Path) -> int:
    """Bytes of every file (links not followed): what the download unpacks to."""
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def make_package(dist: Path, work: Path, icons: Path) -> Path:
    if sys.platform == "linux":
        return linux_tarball(dist, icons)
    if sys.platform == "darwin":
        return macos_dmg(dist, work)
    if sys.platform == "win32":
        return windows_installer(dist, icons)
    raise SystemExit(f"no package format for {sys.platform}")


def linux_tarball(dist: Path, icons: Path) -> Path:
    """The onedir, install.sh/uninstall.sh, the .desktop entry and the hicolor icons in one .tar.gz."""
    name = f"SocialInbox-{__version__}-linux-{platform.machine()}"
    stage = dist / name
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(dist / "socialinbox", stage / "socialinbox", symlinks=True)
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy2(HERE / "linux" / script, stage / script)
    (stage / "share").mkdir()
    shutil.copy2(HERE / "linux" / "socialinbox.desktop", stage / "share" / "socialinbox.desktop")
    shutil.copytree(icons / "hicolor", stage / "share" / "icons" / "hicolor")
    archive = dist / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(stage, arcname=name)
    shutil.rmtree(stage)
    return archive


def macos_dmg(dist: Path, work: Path) -> Path:
    """The .app and a link to /Applications on a compressed disk image (hdiutil ships with macOS)."""
    stage = work / "dmg"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    shutil.copytree(dist / "Social Inbox.app", stage / "Social Inbox.app", symlinks=True)
    (stage / "Applications").symlink_to("/Applications")
    image = dist / f"SocialInbox-{__version__}-macos.dmg"
    command = ["hdiutil", "create", "-volname", "Social Inbox", "-srcfolder", str(stage), "-ov", "-format", "UDZO"]
    subprocess.run([*command, str(image)], check=True)
    return image


def windows_installer(dist: Path, icons: Path) -> Path:
    """Inno Setup's compiler (iscc) turns the onedir into a per-user installer."""
    iscc = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    defines = [f"/DAppVersion={__version__}", f"/DSourceDir={dist / 'socialinbox'}", f"/DOutputDir={dist}"]
    defines.append(f"/DIconFile={icons / 'socialinbox.ico'}")
    subprocess.run([iscc, *defines, str(HERE / "windows" / "socialinbox.iss")], check=True)
    return dist / f"SocialInbox-{__version__}-windows-setup.exe"


if __name__ == "__main__":
    sys.exit(main())
