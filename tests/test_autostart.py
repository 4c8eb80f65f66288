"""Start at login: the Linux XDG entry written and removed for real; Windows and macOS on their pure parts."""

from __future__ import annotations

import configparser
import plistlib
import shlex
from pathlib import Path

from socialinbox.autostart import (
    LAUNCH_AGENT_LABEL,
    RUN_VALUE,
    LaunchAgentAutostart,
    RunKeyAutostart,
    XdgAutostart,
    apply_start_at_login,
    autostart_for,
    desktop_exec,
    launch_command,
    run_key_value,
)

COMMAND = ["/home/ann/.local/opt/socialinbox/socialinbox/socialinbox"]


def test_enabling_writes_an_xdg_autostart_entry_and_disabling_removes_it(tmp_path: Path) -> None:
    autostart = XdgAutostart(tmp_path / "config")
    apply_start_at_login(autostart, True, COMMAND)
    entry = tmp_path / "config" / "autostart" / "socialinbox.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(entry)
    assert parser["Desktop Entry"]["Exec"] == COMMAND[0]
    assert parser["Desktop Entry"]["Type"] == "Application"
    assert autostart.is_enabled()
    apply_start_at_login(autostart, False)
    assert not entry.exists() and not autostart.is_enabled()


def test_disabling_when_never_enabled_is_harmless(tmp_path: Path) -> None:
    apply_start_at_login(XdgAutostart(tmp_path), False)
    assert not (tmp_path / "autostart").exists()


def test_exec_line_quotes_spaces_and_reserved_characters_per_the_desktop_entry_spec() -> None:
    line = desktop_exec(["/opt/Social Inbox/bin/python", "-m", "socialinbox", "100%"])
    assert line == '"/opt/Social Inbox/bin/python" -m socialinbox 100%%'
    assert desktop_exec(['/a"b$c']) == '"/a\\\\"b\\\\$c"'  # quote rule, then the string-value escape doubles \\


def test_source_checkout_starts_python_with_the_module_and_a_bundle_starts_itself() -> None:
    assert launch_command(frozen=False, executable="/venv/bin/python") == ["/venv/bin/python", "-m", "socialinbox"]
    assert launch_command(frozen=True, executable="C:/Apps/SocialInbox.exe") == ["C:/Apps/SocialInbox.exe"]


def test_run_key_value_is_one_quoted_command_line() -> None:
    value = run_key_value([r"C:\Users\Ann\AppData\Local\Programs\Social Inbox\SocialInbox.exe"])
    assert value == r'"C:\Users\Ann\AppData\Local\Programs\Social Inbox\SocialInbox.exe"'


def test_run_key_autostart_sets_and_deletes_one_value() -> None:
    key: dict[str, str] = {"OtherApp": "other.exe"}
    autostart = RunKeyAutostart(key)
    apply_start_at_login(autostart, True, ["C:/Apps/SocialInbox.exe"])
    assert key == {"OtherApp": "other.exe", RUN_VALUE: "C:/Apps/SocialInbox.exe"}
    apply_start_at_login(autostart, False)
    assert key == {"OtherApp": "other.exe"}


def test_launch_agent_is_a_plist_that_runs_the_app_at_load(tmp_path: Path) -> None:
    autostart = LaunchAgentAutostart(tmp_path)
    autostart.enable(["/Applications/Social Inbox.app/Contents/MacOS/SocialInbox"])
    path = tmp_path / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == LAUNCH_AGENT_LABEL and agent["RunAtLoad"] is True
    assert agent["ProgramArguments"] == ["/Applications/Social Inbox.app/Contents/MacOS/SocialInbox"]
    autostart.disable()
    assert not path.exists()


def test_each_platform_gets_its_kind_of_entry(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    linux = autostart_for("linux", home=tmp_path)
    assert isinstance(linux, XdgAutostart) and linux.path == tmp_path / "xdg" / "autostart" / "socialinbox.desktop"
    assert isinstance(autostart_for("darwin", home=tmp_path), LaunchAgentAutostart)
    assert isinstance(autostart_for("win32", home=tmp_path), RunKeyAutostart)


def test_enabling_again_rewrites_the_entry_for_a_moved_app(tmp_path: Path) -> None:
    autostart = XdgAutostart(tmp_path)
    apply_start_at_login(autostart, True, ["/old/place/socialinbox"])
    apply_start_at_login(autostart, True, ["/new place/socialinbox"])
    exec_line = next(line for line in autostart.path.read_text().splitlines() if line.startswith("Exec="))
    assert shlex.split(exec_line.removeprefix("Exec=")) == ["/new place/socialinbox"]
