"""``socialinbox templates ...``: the owner's library from the command line, without a single prompt."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from socialinbox.cli import build_parser
from socialinbox.paths import paths_in
from socialinbox.template_store import TemplateStore
from socialinbox.wiring import Core
from tests.cli.runner import cli


def run(core: Core, *argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    args = build_parser().parse_args(["templates", *argv])
    return int(args.run(core, args))


def store(core: Core) -> TemplateStore:
    return TemplateStore.in_folder(core.paths.config_dir)


def test_list_json_shows_the_default_set(core: Core, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(core, "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"thanks", "sorry", "hours", "private", "dm", "sorted"} <= {t["shortcut"] for t in listed}
    assert all(t["problems"] == [] for t in listed)


def test_add_reads_the_body_from_stdin_when_it_is_not_a_terminal(
    core: Core, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "Free parking behind the shop, {customer_name}.\n"
    code = run(core, "add", "--name", "Parking", "--shortcut", "parking", "--tags", "parking, car", "--channels",
               "mastodon,demo", stdin=body, monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0 and "Added /parking" in capsys.readouterr().out
    added = store(core).load().get("Parking")
    assert added.body == body.strip() and added.tags == ("parking", "car")
    assert [p.value for p in added.platforms] == ["mastodon", "demo"]
    assert run(core, "list", "--channel", "telegram") == 0
    assert "/parking" not in capsys.readouterr().out


def test_add_without_a_body_or_with_a_bad_one_fails_with_the_reasons(
    core: Core, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(core, "add", "--name", "Empty", "--shortcut", "empty", stdin="", monkeypatch=monkeypatch) == 2
    assert "needs a body" in capsys.readouterr().err
    assert run(core, "add", "--name", "Bad", "--shortcut", "bad", "--body", "Hi {custmer}") == 2
    assert "did you mean {customer_name}?" in capsys.readouterr().err
    assert run(core, "add", "--name", "Dup", "--shortcut", "hours", "--body", "Hi") == 2
    assert "already used by 'Opening hours'" in capsys.readouterr().err
    assert run(core, "add", "--name", "X", "--shortcut", "x", "--body", "Hi", "--channels", "myspace") == 2
    assert "unknown channel myspace" in capsys.readouterr().err
    assert "Bad" not in store(core).load()


def test_edit_changes_only_what_is_given_and_keeps_the_place(
    core: Core, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = store(core).load().get("Opening hours")
    assert run(core, "edit", "Opening hours", "--name", "Hours", "--holding", stdin="", monkeypatch=monkeypatch) == 0
    after = store(core).load().get("Hours")
    assert (after.body, after.shortcut, after.tags, after.holding) == (before.body, "hours", before.tags, True)
    assert run(core, "edit", "Nope", "--body", "x") == 2
    assert "no template named 'Nope'" in capsys.readouterr().err


def test_remove_export_and_import_round_trip(core: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported = tmp_path / "mine.json"
    assert run(core, "export", str(exported)) == 0
    assert run(core, "remove", "Away reply") == 0 and "Away reply" not in store(core).load()
    assert run(core, "import", str(exported)) == 2  # every other name is already there
    assert "already in your library" in capsys.readouterr().err
    assert run(core, "import", str(exported), "--replace") == 0
    assert "Imported 1 new and" in capsys.readouterr().out
    assert "Away reply" in store(core).load()
    assert run(core, "import", str(tmp_path / "missing.json")) == 2


def test_the_installed_command_adds_from_a_pipe(tmp_path: Path) -> None:
    cli(tmp_path, "templates", "add", "--name", "Hi", "--shortcut", "hi", stdin="Hello {customer_name}!")
    library = TemplateStore.in_folder(paths_in(tmp_path).config_dir).load()
    assert library.get("Hi").body == "Hello {customer_name}!"
