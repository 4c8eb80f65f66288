"""The frozen build, for real: packaging/build.py makes the Linux onedir and .tar.gz once per run, the built
executable passes its own --smoke-test offscreen with a clean stderr, it stays under the size budget, and the
package installs and uninstalls for one user. Takes about a minute (PyInstaller's analysis dominates)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from socialinbox import __version__

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
from build import folder_size  # noqa: E402
from packaging_rules import SIZE_BUDGET_BYTES, bundle_excluded  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="the frozen smoke test builds the Linux bundle"),
]

# What Qt itself prints on the offscreen platform; anything else on stderr fails the smoke test.
EXPECTED_STDERR = ("This plugin does not support propagateSizeHints()",)


@dataclass(frozen=True)
class Built:
    dist: Path
    onedir: Path
    archive: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    if shutil.which("objdump") is None:
        pytest.fail("PyInstaller needs objdump: install binutils (scripts/setup.sh test does)")
    pytest.importorskip("PyInstaller", reason="install the project with its [test] extra")
    folder = tmp_path_factory.mktemp("frozen")
    dist, work = folder / "dist", folder / "work"
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(dist), "--work", str(work)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    shutil.rmtree(work, ignore_errors=True)
    archive = dist / f"SocialInbox-{__version__}-linux-{os.uname().machine}.tar.gz"
    yield Built(dist, dist / "socialinbox", archive)
    shutil.rmtree(folder, ignore_errors=True)


def _app_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return env


def _smoke_test(executable: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(executable), "--smoke-test"], capture_output=True, text=True, env=_app_env(home), timeout=120
    )


def _unexpected(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and line.strip() not in EXPECTED_STDERR]


def test_frozen_app_passes_its_smoke_test_with_a_clean_stderr(built: Built, tmp_path: Path) -> None:
    result = _smoke_test(built.onedir / "socialinbox", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "smoke-test ok" in result.stdout
    assert _unexpected(result.stderr) == []


def test_frozen_app_runs_its_commands_which_it_imports_only_when_asked(built: Built, tmp_path: Path) -> None:
    """The command line's topics are imported inside ``build_parser`` (a start of the app skips them): still bundled."""
    command = [str(built.onedir / "socialinbox"), "--data-dir", str(tmp_path / "shop")]
    listed = subprocess.run([*command, "accounts", "list", "--json"], **_quietly(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    shown = subprocess.run([*command, "--help"], **_quietly(tmp_path))
    assert shown.returncode == 0 and all(name in shown.stdout for name in ("accounts", "sync", "inbox", "report"))


def _quietly(home: Path) -> dict[str, Any]:
    return {"capture_output": True, "text": True, "env": _app_env(home), "timeout": 120}


def test_onedir_stays_under_the_size_budget(built: Built) -> None:
    size = folder_size(built.onedir)
    print(f"onedir size: {size / 2**20:.1f} MiB")  # shown with -s; the README records it
    assert size < SIZE_BUDGET_BYTES


def test_bundle_holds_the_migrations_resources_and_lexicon(built: Built) -> None:
    internal = built.onedir / "_internal"
    assert (internal / "socialinbox" / "storage" / "migrations" / "versions" / "0001_initial_schema.py").is_file()
    assert (internal / "socialinbox" / "resources" / "icons" / "socialinbox.svg").is_file()
    assert (internal / "socialinbox" / "resources" / "default_templates.json").is_file()
    assert (internal / "vaderSentiment" / "vader_lexicon.txt").is_file()
    assert not list(internal.rglob("__pycache__"))


def test_bundle_leaves_out_host_pollution_and_qml(built: Built) -> None:
    names = {path.name for path in built.onedir.rglob("*")}
    assert "libqgtk3.so" not in names
    assert not {name for name in names if name.startswith(("libgtk-3", "libcairo", "libQt6Qml", "libQt6Quick"))}


def test_libraries_left_out_are_found_on_the_system(built: Built) -> None:
    """Leaving a library out must not break what stays: every left-out library something still needs is on the
    system. (Libraries PyInstaller never bundles, such as libGL or the Wayland client libraries, are not checked.)"""
    internal = built.onedir / "_internal"
    bundled = {path.name for path in internal.rglob("*.so*")}
    missing = set()
    system = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    for library in internal.rglob("*.so*"):
        if library.is_symlink():
            continue
        dump = subprocess.run(["objdump", "-p", str(library)], capture_output=True, text=True).stdout
        for line in dump.splitlines():
            parts = line.split()
            if parts[:1] != ["NEEDED"] or parts[1] in bundled or not bundle_excluded(parts[1]):
                continue
            if f"{parts[1]} " not in system:
                missing.add(f"{library.name} -> {parts[1]}")
    assert missing == set()


def test_linux_package_installs_and_uninstalls_for_one_user(built: Built, tmp_path: Path) -> None:
    with tarfile.open(built.archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    [folder] = (tmp_path / "unpacked").iterdir()
    home = tmp_path / "home"
    env = _app_env(home)
    installed = subprocess.run([str(folder / "install.sh")], capture_output=True, text=True, env=env, timeout=120)
    assert installed.returncode == 0, installed.stderr
    program = home / ".local" / "opt" / "socialinbox" / "socialinbox" / "socialinbox"
    entry = home / "data" / "applications" / "socialinbox.desktop"
    assert f"Exec={program} %U" in entry.read_text().splitlines()
    assert (home / "data" / "icons" / "hicolor" / "48x48" / "apps" / "socialinbox.png").is_file()
    assert (home / "data" / "icons" / "hicolor" / "scalable" / "apps" / "socialinbox.svg").is_file()
    assert (home / ".local" / "bin" / "socialinbox").resolve() == program
    assert _smoke_test(program, tmp_path).returncode == 0

    removed = subprocess.run(
        [str(program.parent.parent / "uninstall.sh")], capture_output=True, text=True, env=env, timeout=60
    )
    assert removed.returncode == 0, removed.stderr
    assert not entry.exists()
    assert not program.exists()
    assert not (home / ".local" / "bin" / "socialinbox").exists()
    assert not list((home / "data" / "icons").rglob("socialinbox.*"))
