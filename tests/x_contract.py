"""The X connector's traffic against X's OpenAPI description (``../shared/specs/x/openapi.json``, v2.167).

That description renamed fields in August 2026 (``tweet.fields`` → ``post.fields``, ``referenced_tweets`` →
``referenced_posts``, ``edit_history_tweet_ids`` → ``edit_history_post_ids``) while the live API and every recording
keep the classic names, which the connector sends and the fake answers. So both are accepted: requests and answers
are translated to the description's names before they are checked. Its field enums also leave out fields its own
object schemas declare (``author_id``, ``in_reply_to_user_id`` for posts, ``sender_id`` for message events): a
requested field passes when the enum or the object schema has it, and nothing else does. Every key of every object a
fake returns must be declared by its schema (the schemas allow extra keys, which would hide a made-up field).
The OAuth endpoints (``/2/oauth2/token``, ``/i/oauth2/authorize``) are not in the description; their traffic is
checked by the fake itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from tests.openapi_contract import ContractViolation, OpenApiContract
from tests.specs import SPECS_DIR

RENAMED = {"referenced_tweets": "referenced_posts", "edit_history_tweet_ids": "edit_history_post_ids"}
PARAMS_RENAMED = {"tweet.fields": "post.fields"}
EXPANSIONS_RENAMED = {"referenced_tweets.id": "referenced_posts"}
FIELD_OBJECTS = {"post.fields": "Post", "dm_event.fields": "DmEvent", "user.fields": "User"}
NOT_IN_SPEC = ("/2/oauth2/token", "/i/oauth2/authorize")
SPEC = SPECS_DIR / "x" / "openapi.json"


class XContract:
    def __init__(self, contract: OpenApiContract) -> None:
        self.contract = contract
        self.schemas: Mapping[str, Any] = contract.spec["components"]["schemas"]

    @classmethod
    def load(cls) -> XContract:
        """The contract; skips the calling test where the shared specs are absent."""
        return cls(OpenApiContract.load("x", "openapi.json"))

    @classmethod
    def load_if_present(cls) -> XContract | None:
        """For tests whose subject is not the contract: they check their traffic when they can."""
        return cls(OpenApiContract(json.loads(SPEC.read_text(encoding="utf-8")))) if SPEC.exists() else None

    def check(self, request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path in NOT_IN_SPEC:
            return
        translated = self.translate_request(request)
        self.contract.check_request(translated)
        body = response.json() if response.content else None
        if _v1_rate_limit(response.status_code, body):
            return  # X's long-standing 429 body (platform-apis.md 4.4); the description only knows {code, message}
        renamed = httpx.Response(response.status_code, headers=response.headers, content=json.dumps(rename(body)))
        self.contract.check_response(translated, renamed)
        if response.status_code < 300:
            problems = list(self.undeclared(rename(body)))
            if problems:
                raise ContractViolation(f"{request.method} {request.url.path}: " + "; ".join(problems))

    def check_all(self, exchanges: Iterable[Any]) -> int:
        checked = 0
        for exchange in exchanges:
            if not exchange.garbled:
                self.check(exchange.request, exchange.response)
                checked += 1
        return checked

    def translate_request(self, request: httpx.Request) -> httpx.Request:
        params: list[tuple[str, str]] = []
        for name, value in request.url.params.multi_items():
            name = PARAMS_RENAMED.get(name, name)
            values = [RENAMED.get(v, EXPANSIONS_RENAMED.get(v, v)) for v in value.split(",")]
            if name in FIELD_OBJECTS:
                values = self._enum_values(request, name, values)
                if not values:
                    continue
            params.append((name, ",".join(values)))
        url = request.url.copy_with(params=params)
        return httpx.Request(request.method, url, headers=request.headers, content=request.content)

    def _enum_values(self, request: httpx.Request, name: str, values: list[str]) -> list[str]:
        """The values the parameter's enum lists; the rest must be fields of the object, or it is a violation."""
        operation = self.contract.operation(request.method, request.url)
        enum = self._field_enum(operation.pointer, name)
        declared = set(self.schemas[FIELD_OBJECTS[name]]["properties"])
        unknown = [v for v in values if v not in enum and v not in declared]
        if unknown:
            raise ContractViolation(f"{request.method} {request.url.path}: {name} asks for undeclared {unknown}")
        return [v for v in values if v in enum]

    def _field_enum(self, pointer: str, name: str) -> set[str]:
        for parameter in self.contract._node(pointer).get("parameters", []):
            node = _deref(self.contract.spec, parameter)
            if node.get("name") == name:
                return set(_deref(self.contract.spec, node["schema"])["items"]["enum"])
        return set()

    def undeclared(self, body: Any) -> Iterable[str]:
        """Keys of the answer's objects that their schemas do not declare."""
        if not isinstance(body, dict):
            return
        data = body.get("data")
        kind = "DmEvent" if _looks_like_event(data) else "Post"
        for item in data if isinstance(data, list) else [data] if isinstance(data, dict) else []:
            if "username" in item and "text" not in item:
                yield from self._keys("User", item)
            elif "dm_event_id" not in item:
                yield from self._keys(kind, item)
        includes = body.get("includes") or {}
        for user in includes.get("users", []):
            yield from self._keys("User", user)
        meta = body.get("meta") or {}
        known_meta = {"newest_id", "oldest_id", "result_count", "next_token", "previous_token"}
        yield from (f"meta has no field {key!r}" for key in meta if key not in known_meta)

    def _keys(self, kind: str, item: Mapping[str, Any]) -> Iterable[str]:
        declared = self.schemas[kind]["properties"]
        yield from (f"{kind} has no field {key!r}" for key in item if key not in declared)


def rename(value: Any) -> Any:
    """The classic names as the August 2026 description spells them, all the way down."""
    if isinstance(value, dict):
        return {RENAMED.get(key, key): rename(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rename(item) for item in value]
    return value


def _v1_rate_limit(status: int, body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return (
        status == 429 and isinstance(errors, list) and all(isinstance(e, dict) and e.get("code") == 88 for e in errors)
    )


def _looks_like_event(data: Any) -> bool:
    first = data[0] if isinstance(data, list) and data else data
    return isinstance(first, dict) and ("event_type" in first or "dm_conversation_id" in first)


def _deref(spec: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node
