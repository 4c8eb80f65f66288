"""Contract checks against the Telegram Bot API spec (``../shared/specs/telegram/api.json``, the scraped format).

Requests: the method exists, every parameter is one of its fields, required fields are present, values have the
field's type (objects checked recursively). Responses: the ``ok``/``result`` or ``ok``/``error_code``/``description``
envelope, and the result checked as the method's declared return type, so every object the fake invents (Update,
Message, User, Chat ...) carries only fields the spec knows, with the required ones present.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tests.specs import SPECS_DIR, load_json_spec

SPEC_PARTS = ("telegram", "api.json")
_SCALARS: Mapping[str, Any] = {
    "Integer": lambda v: type(v) is int,
    "Float": lambda v: type(v) in (int, float),
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
}


class TelegramContract:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.methods: Mapping[str, Any] = spec["methods"]
        self.types: Mapping[str, Any] = spec["types"]
        self.version = str(spec.get("version", "?"))
        update_fields = {field["name"] for field in self.types["Update"]["fields"]}
        self.update_kinds = update_fields - {"update_id"}

    @classmethod
    def load(cls) -> TelegramContract:
        """The contract, or skip the calling test (saying why) when the shared specs are absent."""
        return cls(load_json_spec(*SPEC_PARTS))

    @classmethod
    def load_if_present(cls) -> TelegramContract | None:
        return cls.load() if SPECS_DIR.joinpath(*SPEC_PARTS).exists() else None

    # --- requests -------------------------------------------------------------------------------

    def request_problems(self, method: str, params: Mapping[str, Any]) -> list[str]:
        spec = self.methods.get(method)
        if spec is None:
            return [f"{method}: no such Bot API method"]
        fields = {field["name"]: field for field in spec.get("fields", [])}
        problems = [f"{method}: unknown parameter {name!r}" for name in params if name not in fields]
        for name, field in fields.items():
            if name not in params:
                if field["required"]:
                    problems.append(f"{method}: required parameter {name!r} missing")
                continue
            problems += self.value_problems(field["types"], params[name], f"{method}.{name}")
        if method == "getUpdates":
            unknown = set(params.get("allowed_updates") or ()) - self.update_kinds
            problems += [f"getUpdates.allowed_updates: {kind!r} is not an update kind" for kind in sorted(unknown)]
        return problems

    # --- responses ------------------------------------------------------------------------------

    def response_problems(self, method: str, status: int, body: Any) -> list[str]:
        if not isinstance(body, Mapping) or not isinstance(body.get("ok"), bool):
            return [f"{method}: answer is not a Bot API envelope: {body!r:.80}"]
        if body["ok"]:
            extra = set(body) - {"ok", "result", "description"}
            problems = [f"{method}: unexpected envelope keys {sorted(extra)}"] if extra else []
            if status != 200:
                problems.append(f"{method}: ok answer with HTTP {status}")
            returns = self.methods[method]["returns"] if method in self.methods else []
            return problems + self.value_problems(returns, body.get("result"), f"{method} result")
        extra = set(body) - {"ok", "error_code", "description", "parameters"}
        problems = [f"{method}: unexpected error keys {sorted(extra)}"] if extra else []
        if type(body.get("error_code")) is not int or not isinstance(body.get("description"), str):
            problems.append(f"{method}: error without integer error_code and string description")
        elif body["error_code"] != status:
            problems.append(f"{method}: error_code {body['error_code']} sent with HTTP {status}")
        if "parameters" in body:
            problems += self.object_problems("ResponseParameters", body["parameters"], f"{method} parameters")
        return problems

    # --- values ---------------------------------------------------------------------------------

    def value_problems(self, types: Iterable[str], value: Any, where: str) -> list[str]:
        """Problems if ``value`` matches none of ``types`` (the spec lists alternatives, e.g. Integer or String)."""
        attempts = [self._one_type(kind, value, where) for kind in types]
        if not attempts or any(not problems for problems in attempts):
            return []
        return min(attempts, key=len)  # the closest alternative explains the mismatch best

    def _one_type(self, kind: str, value: Any, where: str) -> list[str]:
        if kind.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{where}: expected {kind}, got {type(value).__name__}"]
            inner = kind.removeprefix("Array of ")
            return [p for i, item in enumerate(value) for p in self.value_problems([inner], item, f"{where}[{i}]")]
        if kind in _SCALARS:
            return [] if _SCALARS[kind](value) else [f"{where}: expected {kind}, got {value!r:.40}"]
        if kind in self.types:
            return self.object_problems(kind, value, where)
        return [f"{where}: the spec has no type {kind!r}"]

    def object_problems(self, type_name: str, value: Any, where: str) -> list[str]:
        spec = self.types[type_name]
        if spec.get("subtypes"):
            return self.value_problems(spec["subtypes"], value, where)
        if not isinstance(value, Mapping):
            return [f"{where}: expected a {type_name} object, got {type(value).__name__}"]
        fields = {field["name"]: field for field in spec.get("fields", [])}
        problems = [f"{where}: {type_name} has no field {name!r}" for name in value if name not in fields]
        for name, field in fields.items():
            if name in value:
                problems += self.value_problems(field["types"], value[name], f"{where}.{name}")
            elif field["required"]:
                problems.append(f"{where}: {type_name} misses required field {name!r}")
        return problems

    # --- whole conversations --------------------------------------------------------------------

    def traffic_problems(self, traffic: Iterable[Any]) -> list[str]:
        """Every request, and every answer not deliberately garbled, of a fake's ``Exchange`` list."""
        problems: list[str] = []
        for exchange in traffic:
            problems += self.request_problems(exchange.method, exchange.params)
            if not exchange.garbled:
                problems += self.response_problems(exchange.method, exchange.status, exchange.body)
        return problems

    def assert_traffic_matches(self, traffic: Iterable[Any]) -> None:
        problems = self.traffic_problems(traffic)
        assert not problems, f"traffic breaks the Bot API spec ({self.version}):\n" + "\n".join(problems)
