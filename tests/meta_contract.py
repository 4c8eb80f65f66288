"""Contract checks against Meta's Graph API specs (``../shared/specs/meta/<Node>.json``, facebook-business-sdk format).

Each spec file describes one node type: ``apis`` (``method``, ``endpoint`` - an edge name, or ``null`` for the node
itself -, ``return`` type and ``params``) and ``fields`` (``name``, ``type``). Requests: the node has that edge for that
method, every parameter is declared (plus Graph's generic ``fields``, ``limit``, ``after`` and ``before``), the required
ones are present, and every name asked for in ``fields`` is a field or an edge of the type the request returns
(nested selections too, where the spec describes the nested type). Responses: every key of every object a fake
returns is a field (or an edge) of its type, recursively where the type is described.

Specs load through ``tests/specs.py``; the calling test skips, saying why, where they are absent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from tests.specs import SPECS_DIR, load_json_spec

NODE_TYPES = ("Page", "Comment", "PagePost", "Post", "UnifiedThread", "User", "IGUser", "IGMedia", "IGComment")
GENERIC_PARAMS = frozenset({"fields", "limit", "after", "before"})
_LIST_PREFIX = "list<"


@dataclasses.dataclass(frozen=True)
class FieldSelection:
    """One name in a ``fields`` parameter: ``messages.limit(20){id,message}`` -> name, modifiers, nested selection."""

    name: str
    modifiers: tuple[str, ...] = ()
    nested: tuple[FieldSelection, ...] = ()


def parse_fields(text: str) -> tuple[FieldSelection, ...]:
    """Graph's field-expansion syntax: ``a,b{c,d{e}},f.limit(5){g}``; ValueError when braces do not balance."""
    selections, position = _parse_list(text, 0)
    if position != len(text):
        raise ValueError(f"unbalanced braces in fields={text!r}")
    return selections


def _parse_list(text: str, position: int) -> tuple[tuple[FieldSelection, ...], int]:
    found: list[FieldSelection] = []
    while position < len(text) and text[position] != "}":
        start = position
        while position < len(text) and text[position] not in ",{}":
            if text[position] == "(":
                position = text.index(")", position)
            position += 1
        name, *modifiers = text[start:position].strip().split(".")
        nested: tuple[FieldSelection, ...] = ()
        if position < len(text) and text[position] == "{":
            nested, position = _parse_list(text, position + 1)
            if position >= len(text) or text[position] != "}":
                raise ValueError(f"unbalanced braces in fields={text!r}")
            position += 1
        if name:
            found.append(FieldSelection(name, tuple(modifiers), nested))
        if position < len(text) and text[position] == ",":
            position += 1
    return tuple(found), position


class MetaContract:
    def __init__(self, specs: Mapping[str, Mapping[str, Any]]) -> None:
        self.specs = specs

    @classmethod
    def load(cls) -> MetaContract:
        """Every node spec this project talks to, or skip the calling test (saying why) when they are absent."""
        return cls({name: load_json_spec("meta", f"{name}.json") for name in NODE_TYPES})

    @classmethod
    def load_if_present(cls) -> MetaContract | None:
        return cls.load() if SPECS_DIR.joinpath("meta", "Page.json").exists() else None

    # --- lookups ----------------------------------------------------------------------------------------------

    def api(self, node: str, method: str, edge: str | None) -> Mapping[str, Any] | None:
        for api in self.specs.get(node, {}).get("apis", []):
            if api.get("method") == method and api.get("endpoint") == edge:
                found: Mapping[str, Any] = api
                return found
        return None

    def fields(self, node: str) -> dict[str, str]:
        return {field["name"]: field["type"] for field in self.specs[node].get("fields", [])}

    def edges(self, node: str) -> dict[str, str]:
        """The node's GET edges and what they return: Graph lets ``fields`` expand edges as if they were fields."""
        apis = self.specs[node].get("apis", [])
        return {api["endpoint"]: api["return"] for api in apis if api.get("method") == "GET" and api.get("endpoint")}

    # --- requests ---------------------------------------------------------------------------------------------

    def request_problems(self, node: str, method: str, edge: str | None, params: Mapping[str, Any]) -> list[str]:
        where = f"{method} {node}/{edge or ''}"
        if node not in self.specs:
            return [f"{where}: no spec for node type {node!r}"]
        api = self.api(node, method, edge)
        if api is None:
            return [f"{where}: the spec has no such endpoint"]
        declared = {param["name"]: param for param in api.get("params", [])}
        problems = [
            f"{where}: unknown parameter {name!r}"
            for name in params
            if name not in declared and name not in GENERIC_PARAMS
        ]
        problems += [
            f"{where}: required parameter {name!r} missing"
            for name, param in declared.items()
            if param.get("required") and name not in params
        ]
        if "fields" in params:
            try:
                selections = parse_fields(str(params["fields"]))
            except ValueError as exc:
                return [*problems, f"{where}: {exc}"]
            problems += self.selection_problems(str(api["return"]), selections, where)
        return problems

    def selection_problems(self, type_name: str, selections: Iterable[FieldSelection], where: str) -> list[str]:
        if type_name not in self.specs:
            return []  # a type the shared specs do not describe (Object, UnifiedMessage ...): nothing to check against
        fields, edges = self.fields(type_name), self.edges(type_name)
        problems: list[str] = []
        for selection in selections:
            if selection.name in fields:
                problems += self.selection_problems(_element(fields[selection.name]), selection.nested, where)
            elif selection.name in edges:
                problems += self.selection_problems(edges[selection.name], selection.nested, where)
            else:
                problems.append(f"{where}: {type_name} has no field or edge {selection.name!r}")
        return problems

    # --- responses --------------------------------------------------------------------------------------------

    def object_problems(self, type_name: str, value: Any, where: str) -> list[str]:
        """Every key of ``value`` is a field or edge of ``type_name``; nested objects checked where described."""
        if type_name not in self.specs:
            return []
        if not isinstance(value, Mapping):
            return [f"{where}: expected a {type_name} object, got {type(value).__name__}"]
        fields, edges = self.fields(type_name), self.edges(type_name)
        problems: list[str] = []
        for name, item in value.items():
            if name in fields:
                problems += self.object_problems(_element(fields[name]), item, f"{where}.{name}")
            elif name in edges:
                problems += self.list_problems(edges[name], item, f"{where}.{name}")
            else:
                problems.append(f"{where}: {type_name} has no field {name!r}")
        return problems

    def list_problems(self, type_name: str, value: Any, where: str) -> list[str]:
        """A Graph list: ``{"data": [...], "paging": {...}}``, each item of ``type_name``."""
        if not isinstance(value, Mapping) or not isinstance(value.get("data"), list):
            return [f"{where}: expected a Graph list of {type_name}, got {value!r:.60}"]
        extra = set(value) - {"data", "paging", "summary"}
        problems = [f"{where}: unexpected list keys {sorted(extra)}"] if extra else []
        for index, item in enumerate(value["data"]):
            problems += self.object_problems(type_name, item, f"{where}[{index}]")
        return problems

    def response_problems(self, node: str, method: str, edge: str | None, body: Any) -> list[str]:
        where = f"{method} {node}/{edge or ''} answer"
        api = self.api(node, method, edge)
        if api is None or not isinstance(body, Mapping):
            return []
        if "error" in body:
            return _error_problems(body, where)
        returns = str(api["return"])
        if method == "GET" and edge is not None:
            return self.list_problems(returns, body, where)
        if method == "GET" or returns in ("Comment", "IGComment"):
            return self.object_problems(returns, body, where)
        return []  # the Send API answers {recipient_id, message_id}, not the "Page" the SDK spec names

    # --- whole conversations ----------------------------------------------------------------------------------

    def traffic_problems(self, traffic: Iterable[Any]) -> list[str]:
        """Every request, and every answer not deliberately garbled, of a fake's ``Exchange`` list."""
        problems: list[str] = []
        for exchange in traffic:
            if exchange.node is None:
                problems.append(f"{exchange.method} {exchange.path}: a path the fake does not know")
                continue
            problems += self.request_problems(exchange.node, exchange.method, exchange.edge, exchange.params)
            if not exchange.garbled:
                problems += self.response_problems(exchange.node, exchange.method, exchange.edge, exchange.body)
        return problems

    def assert_traffic_matches(self, traffic: Iterable[Any]) -> None:
        problems = self.traffic_problems(traffic)
        assert not problems, "traffic breaks the Graph API specs:\n" + "\n".join(problems)


def _element(type_name: str) -> str:
    """``list<Comment>`` -> ``Comment``; other types as they are."""
    if type_name.startswith(_LIST_PREFIX) and type_name.endswith(">"):
        return type_name[len(_LIST_PREFIX) : -1]
    return type_name


def _error_problems(body: Mapping[str, Any], where: str) -> list[str]:
    error = body.get("error")
    if not isinstance(error, Mapping):
        return [f"{where}: error is not an object"]
    problems = [
        f"{where}: error misses {key!r}" for key in ("message", "type", "code", "fbtrace_id") if key not in error
    ]
    if "code" in error and type(error["code"]) is not int:
        problems.append(f"{where}: error code is not an integer")
    return problems
