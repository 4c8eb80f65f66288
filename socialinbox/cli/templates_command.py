"""``socialinbox templates list | add | edit | remove | import | export``: the owner's reply templates.

Never prompts: a body comes from ``--body``, or from standard input when that is not a terminal
(``socialinbox templates add --name Hours --shortcut hours < hours.txt``). Files in and out are the JSON format of
``TemplateLibrary.to_json``; ``-`` means standard input or output.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from socialinbox.cli.output import fail, one_line, print_json
from socialinbox.domain import Platform
from socialinbox.template_store import TemplateStore
from socialinbox.templates import Template, TemplateError, validate
from socialinbox.wiring import Core

_CHANNELS = ", ".join(p.value for p in Platform)


def register(commands: Any) -> None:
    templates = commands.add_parser("templates", help="list, add, edit, remove, import or export reply templates")
    actions = templates.add_subparsers(dest="templates_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every template, in library order")
    listing.add_argument("--channel", choices=[p.value for p in Platform], help="only those usable on this channel")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=templates_list)

    add = actions.add_parser("add", help="add a template (body from --body or standard input)")
    add.add_argument("--name", required=True)
    add.add_argument("--shortcut", required=True, help="typed after '/' in the composer, e.g. hours")
    _template_options(add)
    add.set_defaults(run=templates_add)

    edit = actions.add_parser("edit", help="change a template; options not given stay as they are")
    edit.add_argument("name", help="the template's current name")
    edit.add_argument("--name", dest="new_name", help="a new name")
    edit.add_argument("--shortcut")
    _template_options(edit)
    edit.set_defaults(run=templates_edit)

    remove = actions.add_parser("remove", help="delete a template")
    remove.add_argument("name")
    remove.set_defaults(run=templates_remove)

    importing = actions.add_parser("import", help="add the templates of an exported JSON file ('-': stdin)")
    importing.add_argument("file")
    importing.add_argument("--replace", action="store_true", help="overwrite templates of the same name")
    importing.set_defaults(run=templates_import)

    export = actions.add_parser("export", help="write the templates as JSON (to stdout, or a file)")
    export.add_argument("file", nargs="?", default="-")
    export.set_defaults(run=templates_export)


def _template_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--body", help="the text; {customer_name}, {field:order number}... (or give it on stdin)")
    parser.add_argument("--tags", help="comma-separated, e.g. 'hours,public'")
    parser.add_argument("--channels", help=f"comma-separated; empty for every channel ({_CHANNELS})")
    parser.add_argument("--holding", action=argparse.BooleanOptionalAction, help="a holding reply (promises more)")


def _store(core: Core) -> TemplateStore:
    return TemplateStore.in_folder(core.paths.config_dir)


def templates_list(core: Core, args: argparse.Namespace) -> int:
    channel = Platform(args.channel) if args.channel else None
    templates = [t for t in _store(core).load() if t.allows(channel)]
    if args.json:
        print_json([_as_json(t) for t in templates])
        return 0
    for t in templates:
        where = ",".join(p.value for p in t.platforms) or "all"
        print(f"/{t.shortcut:<12} {t.name:<34} {where:<10} {one_line(t.body, 60)}")
    return 0


def templates_add(core: Core, args: argparse.Namespace) -> int:
    body = _body(args)
    if not body:
        return fail("a template needs a body: give --body, or pipe the text in")
    try:
        template = Template(
            name=args.name,
            shortcut=args.shortcut,
            body=body,
            tags=_split(args.tags or ""),
            platforms=_channels(args.channels or ""),
            holding=bool(args.holding),
        )
        _store(core).add(template)
    except (TemplateError, ValueError) as error:
        return _problems(error)
    print(f"Added /{template.shortcut} ({template.name}).")
    return 0


def templates_edit(core: Core, args: argparse.Namespace) -> int:
    store = _store(core)
    try:
        old = store.load().get(args.name)
    except KeyError:
        return fail(f"no template named {args.name!r} (see: socialinbox templates list)")
    changes: dict[str, Any] = {}
    for option, field, convert in (
        ("new_name", "name", str),
        ("shortcut", "shortcut", str),
        ("tags", "tags", _split),
        ("channels", "platforms", _channels),
        ("holding", "holding", bool),
    ):
        if getattr(args, option) is not None:
            try:
                changes[field] = convert(getattr(args, option))
            except ValueError as error:
                return _problems(error)
    body = _body(args)
    if body:
        changes["body"] = body
    try:
        template = dataclasses.replace(old, **changes)
        store.edit(old.name, template)
    except (TemplateError, ValueError) as error:
        return _problems(error)
    print(f"Saved /{template.shortcut} ({template.name}).")
    return 0


def templates_remove(core: Core, args: argparse.Namespace) -> int:
    try:
        removed = _store(core).remove(args.name)
    except KeyError:
        return fail(f"no template named {args.name!r} (see: socialinbox templates list)")
    print(f"Removed /{removed.shortcut} ({removed.name}).")
    return 0


def templates_import(core: Core, args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return fail(f"cannot read {args.file}: {error}")
    try:
        summary = _store(core).import_json(text, replace=args.replace)
    except TemplateError as error:
        return _problems(error)
    print(f"Imported {len(summary.added)} new and {len(summary.replaced)} replaced templates.")
    return 0


def templates_export(core: Core, args: argparse.Namespace) -> int:
    text = _store(core).export_json()
    if args.file == "-":
        sys.stdout.write(text + "\n")
        return 0
    try:
        Path(args.file).write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        return fail(f"cannot write {args.file}: {error}")
    print(f"Exported to {args.file}.")
    return 0


# --- helpers ----------------------------------------------------------------------------------------


def _body(args: argparse.Namespace) -> str:
    if args.body is not None:
        return str(args.body).strip()
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.read().strip()


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _channels(text: str) -> tuple[Platform, ...]:
    names = _split(text)
    unknown = [name for name in names if name not in {p.value for p in Platform}]
    if unknown:
        raise ValueError(f"unknown channel {', '.join(unknown)} (known: {_CHANNELS})")
    return tuple(Platform(name) for name in names)


def _problems(error: Exception) -> int:
    problems = error.problems if isinstance(error, TemplateError) else (str(error),)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 2


def _as_json(template: Template) -> dict[str, Any]:
    return {
        "name": template.name,
        "shortcut": template.shortcut,
        "body": template.body,
        "tags": list(template.tags),
        "channels": [p.value for p in template.platforms],
        "holding": template.holding,
        "problems": validate(template.body),
    }
