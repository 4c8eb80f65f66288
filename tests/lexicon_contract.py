"""Contract checks against the Bluesky lexicons (``../shared/specs/bluesky/lexicons``): a small lexicon validator.

``check_request`` asks of a request the connector built: is ``/xrpc/<nsid>`` a query (GET) or procedure (POST) of the
lexicons, is every query parameter declared with a value of its type (arrays repeat the parameter), are the required
ones there, and does the JSON body validate against the method's ``input`` schema? ``check_response`` validates a
fake's answer: ``output`` for a success, the ``{"error", "message"}`` envelope (with an error name the method or XRPC
itself declares) otherwise. Records inside ``unknown`` fields (a notification's ``record``, createRecord's ``record``)
are validated against their own ``$type``'s record schema when the lexicons have it.

Lexicon validation rules implemented: object (required, nullable, properties; unknown properties are *problems* here,
since every object checked is our own fixture or request), ref (``#local``, ``nsid``, ``nsid#def``), union (``$type``
discriminated; closed unions reject other types), string (formats did, handle, at-uri, at-identifier, nsid, cid,
datetime, uri, language, tid, record-key; maxLength/minLength in UTF-8 bytes; max/minGraphemes; enum; const), integer
(minimum, maximum, enum, const), boolean, array (items, min/maxLength), blob, bytes, cid-link, unknown, token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import regex

from tests.specs import SPECS_DIR, spec_path

LEXICON_PARTS = ("bluesky", "lexicons")
GENERIC_ERRORS = frozenset(
    {
        "InvalidRequest",
        "ExpiredToken",
        "InvalidToken",
        "AuthenticationRequired",
        "AuthMissing",
        "RateLimitExceeded",
        "InternalServerError",
        "MethodNotImplemented",
        "UpstreamFailure",
        "NotEnoughResources",
        "UpstreamTimeout",
        "AccountTakedown",
    }
)
_FORMATS: Mapping[str, re.Pattern[str]] = {
    "did": re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$"),
    "handle": re.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"),
    "nsid": re.compile(r"^[a-zA-Z]([a-zA-Z0-9-]{0,62})?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})?)+$"),
    "cid": re.compile(r"^[a-zA-Z0-9+=]{8,256}$"),
    "tid": re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$"),
    "record-key": re.compile(r"^(?!\.{1,2}$)[a-zA-Z0-9_~.:-]{1,512}$"),
    "uri": re.compile(r"^[a-z][a-z.+-]*:\S+$"),
    "language": re.compile(r"^(i|[a-z]{2,3})(-[a-zA-Z0-9]+)*$"),
}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_GRAPHEME = regex.compile(r"\X")


class ContractViolation(AssertionError):
    """The code (or a fake) and the lexicons disagree."""


class LexiconContract:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._docs: dict[str, Mapping[str, Any]] = {}

    @classmethod
    def load(cls) -> LexiconContract:
        """The lexicons beside the project; skips the calling test (saying why) where they are absent."""
        return cls(spec_path(*LEXICON_PARTS))

    @classmethod
    def load_if_present(cls) -> LexiconContract | None:
        root = SPECS_DIR.joinpath(*LEXICON_PARTS)
        return cls(root) if root.exists() else None

    # --- lookups --------------------------------------------------------------------------------

    def doc(self, nsid: str) -> Mapping[str, Any] | None:
        if nsid not in self._docs:
            path = self.root.joinpath(*nsid.split(".")).with_suffix(".json")
            if not path.exists():
                return None
            self._docs[nsid] = json.loads(path.read_text(encoding="utf-8"))
        return self._docs[nsid]

    def definition(self, ref: str, context: str = "") -> tuple[str, Mapping[str, Any]]:
        """``(nsid, def)`` for a ref: ``#name`` inside ``context``, ``nsid`` (its main) or ``nsid#name``."""
        nsid, _, name = ref.partition("#")
        nsid = nsid or context
        doc = self.doc(nsid)
        found = (doc or {}).get("defs", {}).get(name or "main")
        if found is None:
            raise ContractViolation(f"lexicon ref {ref!r} (from {context or 'top'}) does not exist")
        return nsid, found

    def method(self, nsid: str) -> Mapping[str, Any]:
        _, main = self.definition(nsid)
        if main.get("type") not in ("query", "procedure"):
            raise ContractViolation(f"{nsid} is a {main.get('type')}, not an XRPC method")
        return main

    # --- requests and responses -------------------------------------------------------------------

    def check_request(self, request: httpx.Request) -> str:
        nsid = _nsid(request.url.path)
        method = self.method(nsid)
        problems = list(self.request_problems(nsid, method, request))
        if problems:
            raise ContractViolation(f"{request.method} {nsid}: " + "; ".join(problems))
        return nsid

    def request_problems(self, nsid: str, method: Mapping[str, Any], request: httpx.Request) -> Iterator[str]:
        expected = "GET" if method["type"] == "query" else "POST"
        if request.method != expected:
            yield f"{nsid} is a {method['type']}: it takes {expected}, not {request.method}"
        yield from self.params_problems(nsid, method.get("parameters"), request.url.params)
        body = request.content
        schema = (method.get("input") or {}).get("schema")
        if schema is None:
            if body:
                yield "the method takes no input, but a body was sent"
            return
        try:
            data = json.loads(body)
        except ValueError:
            yield "the input is not JSON"
            return
        yield from self.problems(schema, data, nsid, "input")

    def params_problems(self, nsid: str, params: Any, query: httpx.QueryParams) -> Iterator[str]:
        properties = (params or {}).get("properties", {})
        for name in (params or {}).get("required", []):
            if name not in query:
                yield f"required parameter {name!r} missing"
        for name in dict.fromkeys(query.keys()):
            spec = properties.get(name)
            if spec is None:
                yield f"parameter {name!r} is not declared"
                continue
            values = query.get_list(name)
            if spec["type"] != "array" and len(values) > 1:
                yield f"parameter {name!r} is not an array but was given {len(values)} times"
            items = spec["items"] if spec["type"] == "array" else spec
            for value in values:
                yield from self.problems(items, _coerce(items["type"], value), nsid, f"param {name}")

    def check_response(self, nsid: str, status: int, body: Any) -> None:
        problems = list(self.response_problems(nsid, status, body))
        if problems:
            raise ContractViolation(f"{nsid} answer (HTTP {status}): " + "; ".join(problems))

    def response_problems(self, nsid: str, status: int, body: Any) -> Iterator[str]:
        method = self.method(nsid)
        if status >= 400:
            if not isinstance(body, dict) or not isinstance(body.get("error"), str):
                yield f"error answer is not an XRPC error envelope: {body!r:.80}"
                return
            extra = set(body) - {"error", "message"}
            if extra:
                yield f"unexpected error keys {sorted(extra)}"
            declared = {error["name"] for error in method.get("errors", [])}
            if body["error"] not in declared | GENERIC_ERRORS:
                yield f"error {body['error']!r} is neither declared by {nsid} nor a generic XRPC error"
            return
        schema = (method.get("output") or {}).get("schema")
        if schema is not None:
            yield from self.problems(schema, body, nsid, "output")

    def check_record(self, value: Any) -> None:
        """Validate a record against the record schema its ``$type`` names."""
        problems = list(self.problems({"type": "unknown"}, value, "", "record"))
        if not isinstance(value, dict) or not isinstance(value.get("$type"), str):
            problems.append("a record needs a $type")
        if problems:
            raise ContractViolation("; ".join(problems))

    # --- values -----------------------------------------------------------------------------------

    def problems(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        kind = schema.get("type")
        checker = getattr(self, f"_{str(kind).replace('-', '_')}", None)
        if checker is None:
            yield f"{where}: the validator does not know lexicon type {kind!r}"
            return
        yield from checker(schema, value, context, where)

    def _ref(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        nsid, target = self.definition(schema["ref"], context)
        yield from self.problems(target, value, nsid, where)

    def _record(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        yield from self.problems(schema["record"], value, context, where)

    def _object(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, dict):
            yield f"{where}: expected an object, got {type(value).__name__}"
            return
        properties = schema.get("properties", {})
        nullable = set(schema.get("nullable", []))
        for name in schema.get("required", []):
            if name not in value:
                yield f"{where}: required field {name!r} missing"
        for name, item in value.items():
            if name == "$type":
                continue
            if name not in properties:
                yield f"{where}: field {name!r} is not in the lexicon"
            elif item is None and name in nullable:
                continue
            else:
                yield from self.problems(properties[name], item, context, f"{where}.{name}")

    def _union(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, dict) or not isinstance(value.get("$type"), str):
            yield f"{where}: a union member needs a $type"
            return
        refs = {_absolute(ref, context): ref for ref in schema.get("refs", [])}
        chosen = value["$type"] if "#" in value["$type"] else f"{value['$type']}#main"
        if chosen in refs:
            nsid, target = self.definition(refs[chosen], context)
            yield from self.problems(target, value, nsid, f"{where}<{value['$type']}>")
        elif schema.get("closed"):
            yield f"{where}: $type {value['$type']!r} is not one of the closed union's members"

    def _unknown(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, dict):
            yield f"{where}: an unknown-typed field must hold an object"
            return
        record_type = value.get("$type")
        doc = self.doc(record_type) if isinstance(record_type, str) and "#" not in record_type else None
        main = (doc or {}).get("defs", {}).get("main", {})
        if main.get("type") == "record":
            yield from self.problems(main, value, str(record_type), f"{where}<{record_type}>")

    def _string(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, str):
            yield f"{where}: expected a string, got {type(value).__name__}"
            return
        size, graphemes = len(value.encode("utf-8")), None
        if "maxLength" in schema and size > schema["maxLength"]:
            yield f"{where}: {size} bytes, more than maxLength {schema['maxLength']}"
        if "minLength" in schema and size < schema["minLength"]:
            yield f"{where}: {size} bytes, less than minLength {schema['minLength']}"
        if "maxGraphemes" in schema or "minGraphemes" in schema:
            graphemes = len(_GRAPHEME.findall(value))
            if graphemes > schema.get("maxGraphemes", graphemes):
                yield f"{where}: {graphemes} graphemes, more than maxGraphemes {schema['maxGraphemes']}"
            if graphemes < schema.get("minGraphemes", 0):
                yield f"{where}: {graphemes} graphemes, fewer than minGraphemes {schema['minGraphemes']}"
        if "enum" in schema and value not in schema["enum"]:
            yield f"{where}: {value!r} is not one of {schema['enum']}"
        if "const" in schema and value != schema["const"]:
            yield f"{where}: must be {schema['const']!r}"
        if "format" in schema and not _has_format(schema["format"], value):
            yield f"{where}: {value[:80]!r} is not a valid {schema['format']}"

    def _integer(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if type(value) is not int:
            yield f"{where}: expected an integer, got {type(value).__name__}"
            return
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            yield f"{where}: {value} is outside {schema.get('minimum')}..{schema.get('maximum')}"
        if "enum" in schema and value not in schema["enum"]:
            yield f"{where}: {value} is not one of {schema['enum']}"
        if "const" in schema and value != schema["const"]:
            yield f"{where}: must be {schema['const']}"

    def _boolean(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, bool):
            yield f"{where}: expected a boolean, got {type(value).__name__}"
        elif "const" in schema and value != schema["const"]:
            yield f"{where}: must be {schema['const']}"

    def _null(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if value is not None:
            yield f"{where}: expected null"

    def _array(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, list):
            yield f"{where}: expected an array, got {type(value).__name__}"
            return
        if len(value) > schema.get("maxLength", len(value)) or len(value) < schema.get("minLength", 0):
            yield f"{where}: {len(value)} items, outside {schema.get('minLength', 0)}..{schema.get('maxLength')}"
        for index, item in enumerate(value):
            yield from self.problems(schema["items"], item, context, f"{where}[{index}]")

    def _blob(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, dict) or value.get("$type") != "blob" or not isinstance(value.get("mimeType"), str):
            yield f"{where}: expected a blob"

    def _bytes(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, dict) or not isinstance(value.get("$bytes"), str):
            yield f"{where}: expected bytes ({{'$bytes': base64}})"

    def _cid_link(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        if not isinstance(value, dict) or not _has_format("cid", str(value.get("$link", ""))):
            yield f"{where}: expected a cid-link ({{'$link': cid}})"

    def _token(self, schema: Mapping[str, Any], value: Any, context: str, where: str) -> Iterator[str]:
        yield f"{where}: a token is not a value"


def _nsid(path: str) -> str:
    if not path.startswith("/xrpc/"):
        raise ContractViolation(f"{path} is not an XRPC path")
    nsid = path.removeprefix("/xrpc/")
    if not _FORMATS["nsid"].match(nsid):
        raise ContractViolation(f"{nsid!r} is not an NSID")
    return nsid


def _absolute(ref: str, context: str) -> str:
    nsid, _, name = ref.partition("#")
    return f"{nsid or context}#{name or 'main'}"


def _coerce(kind: str, value: str) -> Any:
    """A query-string value as the lexicon type it claims to be (so "abc" for an integer is a problem)."""
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _has_format(name: str, value: str) -> bool:
    if name == "datetime":
        return bool(_DATETIME.match(value)) and _parses(value)
    if name == "at-identifier":
        return _has_format("did", value) or _has_format("handle", value)
    if name == "at-uri":
        match = re.fullmatch(r"at://([^/]+)(?:/([^/]+)(?:/([^/]+))?)?", value)
        if match is None or not _has_format("at-identifier", match[1]):
            return False
        return (match[2] is None or _has_format("nsid", match[2])) and (
            match[3] is None or _has_format("record-key", match[3])
        )
    pattern = _FORMATS.get(name)
    return pattern is None or bool(pattern.match(value))


def _parses(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
