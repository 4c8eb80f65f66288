"""Contract checks against a platform's OpenAPI 3 description, for any connector (Mastodon now, X later).

``check_request`` asks of a request the code built: does the operation exist (method and path template), is every
query, form or JSON parameter one the operation declares, are the required ones there, and do the values fit their
schemas? ``check_response`` asks of a response a fake returns: is the status declared, and does the JSON body validate
against the operation's schema? Schemas are validated with ``jsonschema``; ``$ref``s resolve inside the spec through a
``referencing`` registry. OpenAPI 3.0's ``nullable`` is rewritten to JSON Schema's ``null`` type on load.

Specs load from ``../shared/specs`` via ``tests/specs.py``; the calling test skips, saying why, where they are absent.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.specs import load_json_spec

SPEC_URI = "urn:social-inbox:openapi-spec"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class ContractViolation(AssertionError):
    """The code and the platform's published contract disagree."""


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    template: str  # the spec's path, e.g. /api/v1/statuses/{id}
    pointer: str  # JSON pointer to the operation object inside the spec
    path_params: Mapping[str, str]


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo)


def _format_checker() -> jsonschema.FormatChecker:
    """The formats jsonschema knows, plus date-time (its own checker needs a package this project does not use)."""
    checker = jsonschema.FormatChecker()
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    return checker


class OpenApiContract:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        if not str(spec.get("openapi", "")).startswith("3."):
            raise ValueError("not an OpenAPI 3 document")
        self.spec: Mapping[str, Any] = _nullable_to_null(spec) if str(spec["openapi"]).startswith("3.0") else spec
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(self.spec))
        self._checker = _format_checker()
        self._base_paths = sorted({_server_path(server) for server in self.spec.get("servers", [])}, key=len)
        self._routes = sorted(
            ((_template_regex(template), template) for template in self.spec["paths"]),
            key=lambda route: route[1].count("{"),  # a literal path beats a template that also matches
        )

    @classmethod
    def load(cls, *parts: str) -> OpenApiContract:
        """The contract in ``../shared/specs/<parts>``; skips the calling test where the specs are absent."""
        return cls(load_json_spec(*parts))

    # --- lookups --------------------------------------------------------------------------------

    def operation(self, method: str, url: str | httpx.URL) -> Operation:
        path = self._relative_path(httpx.URL(str(url)).path)
        method = method.lower()
        for regex, template in self._routes:
            match = regex.fullmatch(path)
            if match and method in self.spec["paths"][template]:
                pointer = f"/paths/{_escape(template)}/{method}"
                return Operation(method, template, pointer, match.groupdict())
        raise ContractViolation(f"{method.upper()} {path} is not an operation of the spec")

    def security(self, method: str, url: str | httpx.URL) -> list[dict[str, list[str]]]:
        """The operation's security requirements (``[]``: it needs no credentials)."""
        node = self._node(self.operation(method, url).pointer)
        return list(node.get("security", self.spec.get("security", [])))

    def declares_status(self, method: str, url: str | httpx.URL, status: int) -> bool:
        return self._response_key(self.operation(method, url), status) is not None

    # --- requests -------------------------------------------------------------------------------

    def check_request(self, request: httpx.Request) -> Operation:
        operation = self.operation(request.method, request.url)
        problems = list(self._request_problems(operation, request))
        if problems:
            raise ContractViolation(f"{request.method} {request.url.path}: " + "; ".join(problems))
        return operation

    def _request_problems(self, operation: Operation, request: httpx.Request) -> Iterator[str]:
        declared = self._parameters(operation)
        query: dict[str, list[str]] = {}
        for name, value in request.url.params.multi_items():
            query.setdefault(name, []).append(value)
        for name, values in query.items():
            base = name.removesuffix("[]")  # Rails-style arrays: types[]=mention is the parameter "types"
            if (base, "query") not in declared:
                yield f"query parameter {name!r} is not declared"
                continue
            parameter = self._node(declared[(base, "query")])
            if parameter.get("explode") is False:  # style=form without explode: one comma-separated value
                values = [part for value in values for part in value.split(",")]
            yield from self._value_problems(f"query {name!r}", values, declared[(base, "query")] + "/schema")
        for name, value in operation.path_params.items():
            if (name, "path") in declared:
                yield from self._value_problems(f"path {name!r}", [value], declared[(name, "path")] + "/schema")
        for (name, place), pointer in declared.items():
            required = self._node(pointer).get("required", False)
            if required and place == "query" and name not in query and f"{name}[]" not in query:
                yield f"required query parameter {name!r} is missing"
            if required and place == "header" and name not in request.headers:
                yield f"required header {name!r} is missing"
        if "authorization" in request.headers and not self.security(request.method, request.url):
            yield "sends credentials to an operation that needs none"
        yield from self._body_problems(operation, request)

    def _parameters(self, operation: Operation) -> dict[tuple[str, str], str]:
        """(name, in) -> pointer of the parameter object; the operation's own override the path item's."""
        found: dict[tuple[str, str], str] = {}
        path_item = operation.pointer.rsplit("/", 1)[0]
        for owner in (path_item, operation.pointer):
            for index, _ in enumerate(self._node(owner).get("parameters", [])):
                node, pointer = self._resolve(f"{owner}/parameters/{index}")
                found[(node["name"], node["in"])] = pointer
        return found

    def _body_problems(self, operation: Operation, request: httpx.Request) -> Iterator[str]:
        spec_body = self._node(operation.pointer).get("requestBody")
        if not request.content:
            if spec_body is not None and self._resolve(operation.pointer + "/requestBody")[0].get("required"):
                yield "the required request body is missing"
            return
        if spec_body is None:
            yield "sends a body to an operation that takes none"
            return
        body_node, body_pointer = self._resolve(operation.pointer + "/requestBody")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        content = body_node.get("content", {})
        if media == "application/json":
            if media not in content:
                yield "a JSON body is not documented"
                return
            schema_pointer = f"{body_pointer}/content/{_escape(media)}/schema"
            body = json.loads(request.content)
        elif media == "application/x-www-form-urlencoded":
            # Rails servers read form and JSON bodies alike; a spec may document only the JSON one.
            chosen = media if media in content else "application/json"
            if chosen not in content:
                yield "a form body is not documented"
                return
            schema_pointer = f"{body_pointer}/content/{_escape(chosen)}/schema"
            body = self._coerce_form(request.content.decode("utf-8"), schema_pointer)
        else:
            yield f"body type {media!r} is not checked by this helper"
            return
        known = self._property_names(schema_pointer)
        if isinstance(body, dict):
            yield from (f"body field {name!r} is not declared" for name in body if name not in known)
        yield from self._schema_problems("body", body, schema_pointer)

    def _coerce_form(self, text: str, schema_pointer: str) -> dict[str, Any]:
        fields: dict[str, list[str]] = {}
        for name, value in parse_qsl(text, keep_blank_values=True):
            fields.setdefault(name.removesuffix("[]"), []).append(value)
        return {
            name: self._coerce(values, self._property_pointer(schema_pointer, name)) for name, values in fields.items()
        }

    # --- responses ------------------------------------------------------------------------------

    def check_response(self, request: httpx.Request, response: httpx.Response) -> None:
        """The status is declared and a JSON body validates against the documented schema."""
        operation = self.operation(request.method, request.url)
        key = self._response_key(operation, response.status_code)
        where = f"{request.method} {request.url.path} -> {response.status_code}"
        if key is None:
            raise ContractViolation(f"{where}: status not declared")
        node, pointer = self._resolve(f"{operation.pointer}/responses/{key}")
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        content = node.get("content", {})
        if not content or media != "application/json":
            return  # nothing documented to check against, or not JSON
        if media not in content:
            raise ContractViolation(f"{where}: JSON is not a documented answer")
        if "schema" in content[media]:
            problems = list(
                self._schema_problems("body", response.json(), f"{pointer}/content/{_escape(media)}/schema")
            )
            if problems:
                raise ContractViolation(f"{where}: " + "; ".join(problems))

    def _response_key(self, operation: Operation, status: int) -> str | None:
        responses = self._node(operation.pointer).get("responses", {})
        for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
            if key in responses:
                return key
        return None

    # --- schemas --------------------------------------------------------------------------------

    def _schema_problems(self, what: str, value: Any, schema_pointer: str) -> Iterator[str]:
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{SPEC_URI}#{quote(schema_pointer, safe='/~')}"},
            registry=self._registry,
            format_checker=self._checker,
        )
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            location = "/".join(str(part) for part in error.absolute_path)
            yield f"{what}{'/' + location if location else ''}: {error.message[:300]}"

    def _value_problems(self, what: str, values: list[str], schema_pointer: str) -> Iterator[str]:
        yield from self._schema_problems(what, self._coerce(values, schema_pointer), schema_pointer)

    def _coerce(self, values: list[str], schema_pointer: str | None) -> Any:
        """Text from a query string or form into the JSON type the schema expects, so the schema can judge it."""
        if schema_pointer is None:
            return values[0] if len(values) == 1 else values
        schema, pointer = self._resolve(schema_pointer)
        if "array" in _types(schema):
            item = f"{pointer}/items" if "items" in schema else None
            return [self._coerce([value], item) for value in values]
        if len(values) != 1:
            return values  # a repeated scalar: the schema will say so
        value, types = values[0], _types(schema)
        try:
            if "integer" in types:
                return int(value)
            if "number" in types:
                return float(value)
        except ValueError:
            return value
        if "boolean" in types and value in ("true", "false"):
            return value == "true"
        return value

    def _property_names(self, schema_pointer: str) -> set[str]:
        return {name for name, _ in self._properties(schema_pointer)}

    def _property_pointer(self, schema_pointer: str, name: str) -> str | None:
        return next((pointer for found, pointer in self._properties(schema_pointer) if found == name), None)

    def _properties(self, schema_pointer: str) -> Iterator[tuple[str, str]]:
        """Every property a schema can have, through allOf/oneOf/anyOf (iteratively; specs can be deep)."""
        pending, seen = [schema_pointer], set()
        while pending:
            node, pointer = self._resolve(pending.pop())
            if pointer in seen:
                continue
            seen.add(pointer)
            for name in node.get("properties", {}):
                yield name, f"{pointer}/properties/{_escape(name)}"
            for combinator in ("allOf", "oneOf", "anyOf"):
                pending.extend(f"{pointer}/{combinator}/{i}" for i in range(len(node.get(combinator, []))))

    def _node(self, pointer: str) -> Any:
        node: Any = self.spec
        for raw in pointer.split("/")[1:]:
            key = raw.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def _resolve(self, pointer: str) -> tuple[Any, str]:
        node = self._node(pointer)
        for _ in range(50):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str):
                return node, pointer
            if not ref.startswith("#"):
                raise ValueError(f"only local $refs are supported, not {ref!r}")
            pointer = ref[1:]
            node = self._node(pointer)
        raise ValueError(f"$ref loop at {pointer}")

    def _relative_path(self, path: str) -> str:
        for base in reversed(self._base_paths):
            if base and path.startswith(base + "/"):
                return path[len(base) :]
        return path


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    return set(declared) if isinstance(declared, list) else set()


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{([^}]+)\}", template)
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{re.sub(r'[^0-9A-Za-z_]', '_', part)}>[^/]+)"
        for index, part in enumerate(parts)
    )
    return re.compile(pattern)


def _server_path(server: Mapping[str, Any]) -> str:
    url = str(server.get("url", ""))
    for name, variable in server.get("variables", {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    return urlsplit(url).path.rstrip("/")


def _nullable_to_null(spec: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0's ``nullable: true`` in JSON Schema terms, walking the document without recursion."""
    converted = copy.deepcopy(dict(spec))
    pending: list[Any] = [converted]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if node.pop("nullable", False) is True:
            if isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
                if "enum" in node:
                    node["enum"] = [*node["enum"], None]
            elif "type" not in node:
                inner = dict(node)
                node.clear()
                node["anyOf"] = [inner, {"type": "null"}]
        pending.extend(node.values())
    return converted
