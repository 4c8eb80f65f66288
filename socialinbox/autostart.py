"""Start at login, per platform: an XDG autostart entry (Linux and other freedesktop systems), the Run key
(Windows), a LaunchAgent (macOS). No Qt.

What each entry says is pure text built here and tested on every platform; writing it is a few lines behind a
small class per platform, so the Windows registry and the macOS file can be swapped for fakes in tests.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from pathlib import Path
from typing import Any, Protocol

APP_ID = "socialinbox"
LAUNCH_AGENT_LABEL = "org.socialinbox.SocialInbox"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "SocialInbox"
_DESKTOP_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def launch_command(*, frozen: bool | None = None, executable: str | None = None) -> list[str]:
    """How to start this copy of the app again: the bundle's executable, or this Python with ``-m socialinbox``."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    executable = executable or sys.executable
    return [executable] if frozen else [executable, "-m", "socialinbox"]


def desktop_exec(command: Sequence[str]) -> str:
    """An ``Exec=`` value per the Desktop Entry spec: reserved characters quoted, then escaped as a string value."""
    words = []
    for word in command:
        word = word.replace("%", "%%")
        if any(character in _DESKTOP_RESERVED for character in word):
            inner = "".join("\\" + c if c in '"`$\\' else c for c in word)
            word = f'"{inner}"'
        words.append(word.replace("\\", "\\\\"))  # the string-value escape comes on top of the quoting rule
    return " ".join(words)


def desktop_entry(command: Sequence[str]) -> str:
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Name=Social Inbox",
            "Comment=Answer every customer message from every channel within the hour",
            f"Exec={desktop_exec(command)}",
            "Icon=socialinbox",
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
            "",
        ]
    )


def run_key_value(command: Sequence[str]) -> str:
    """The Run key's command line, quoted the way Windows programs parse their arguments."""
    return subprocess.list2cmdline(list(command))


def launch_agent_plist(command: Sequence[str]) -> bytes:
    import plistlib  # macOS only: on the others it would load the XML parser for nothing (0.45 MB, B5)

    agent = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
    return plistlib.dumps(agent)


class Autostart(Protocol):
    def is_enabled(self) -> bool: ...

    def enable(self, command: Sequence[str]) -> None: ...

    def disable(self) -> None: ...


class FileAutostart:
    """An entry that is one file (the XDG entry, the LaunchAgent plist); writing it twice is harmless."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_bytes(data)
        temporary.replace(self.path)


class XdgAutostart(FileAutostart):
    """``$XDG_CONFIG_HOME/autostart/socialinbox.desktop``: read at login by GNOME, KDE, Xfce and the others."""

    def __init__(self, config_home: Path) -> None:
        super().__init__(config_home / "autostart" / f"{APP_ID}.desktop")

    def enable(self, command: Sequence[str]) -> None:
        self._write(desktop_entry(command).encode("utf-8"))


class LaunchAgentAutostart(FileAutostart):
    """``~/Library/LaunchAgents/org.socialinbox.SocialInbox.plist``: launchd loads it at the next login."""

    def __init__(self, home: Path) -> None:
        super().__init__(home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist")

    def enable(self, command: Sequence[str]) -> None:
        self._write(launch_agent_plist(command))


class RunKeyAutostart:
    """One value under HKCU's Run key. ``values`` stands for that key; None opens the real one (Windows only)."""

    def __init__(self, values: MutableMapping[str, str] | None = None) -> None:
        self._values = values if values is not None else _RegistryRunKey()

    def is_enabled(self) -> bool:
        return RUN_VALUE in self._values

    def enable(self, command: Sequence[str]) -> None:
        self._values[RUN_VALUE] = run_key_value(command)

    def disable(self) -> None:
        self._values.pop(RUN_VALUE, None)


class _RegistryRunKey(MutableMapping[str, str]):
    """HKCU\\...\\Run as a mapping of value names to command lines (REG_SZ)."""

    def __getitem__(self, name: str) -> str:
        winreg = _winreg()
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            return str(winreg.QueryValueEx(key, name)[0])

    def __setitem__(self, name: str, value: str) -> None:
        winreg = _winreg()
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

    def __delitem__(self, name: str) -> None:
        winreg = _winreg()
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            try:
                winreg.DeleteValue(key, name)
            except FileNotFoundError:
                raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        raise NotImplementedError("the Run key is only read by name")

    def __len__(self) -> int:
        raise NotImplementedError("the Run key is only read by name")

    def __contains__(self, name: object) -> bool:
        try:
            self[str(name)]
        except OSError:
            return False
        return True


def _winreg() -> Any:
    """The winreg module, imported by name so type checks on other platforms see no Windows-only attributes."""
    try:
        return importlib.import_module("winreg")
    except ImportError:
        raise OSError("the Run key exists on Windows only") from None


def autostart_for(platform: str = sys.platform, *, home: Path | None = None) -> Autostart:
    """The right kind of entry for ``platform`` (``sys.platform`` values); paths follow XDG_CONFIG_HOME and HOME."""
    home = home or Path.home()
    if platform == "win32":
        return RunKeyAutostart()
    if platform == "darwin":
        return LaunchAgentAutostart(home)
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return XdgAutostart(Path(config_home))


def apply_start_at_login(autostart: Autostart, enabled: bool, command: Sequence[str] | None = None) -> None:
    """Make the entry match the preference; enabling again rewrites it, so a moved app keeps starting."""
    if enabled:
        autostart.enable(command or launch_command())
    elif autostart.is_enabled():
        autostart.disable()
