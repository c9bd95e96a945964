"""Discord's published contract as a test oracle: every request the bot sends and every
answer and gateway event the emulator gives, checked against Discord's OpenAPI document
(vendored in emulator/discord-api-spec, MIT).

A request is checked for its route and method, its query parameters and its JSON body
(for multipart, `payload_json`) against the operation's request schema; an answer for its
status (one the operation documents) and its body against that status's schema; a
gateway event's object against the spec's schema for it. What fails is a `Violation`
naming the field path. Real Discord accepts a few things its document does not describe;
they are in `TOLERATED`, each with the reason, and nothing else is let through.

The document is loaded and each schema compiled once per process (`contract()`).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match, relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).with_name("discord-api-spec") / "openapi.json"
BASE_URI = "https://discord.com/developers/openapi.json"


@dataclass(frozen=True)
class Deviation:
    """Something real Discord accepts that its document does not describe."""

    name: str
    why: str
    patch: Callable[[dict[str, Any]], None]  # applied to the request side's schemas


def _snowflake_as_integer(schemas: dict[str, Any]) -> None:
    snowflake = schemas["SnowflakeType"]
    schemas["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}


TOLERATED: tuple[Deviation, ...] = (
    Deviation(
        "snowflake sent as an integer",
        "discord.py sends some ids as JSON integers (message_reference.message_id, "
        "allowed_mentions.users, overwrite ids); Discord parses both forms of a snowflake",
        _snowflake_as_integer,
    ),
)

# Which schema each part of a gateway event's object answers to, where the spec describes
# it: "" is the object itself, "key" a field, "key[]" each item of a list field. (The
# gateway adds fields such as guild_id to the REST objects; the schemas allow extra ones.)
EVENT_SCHEMAS: dict[str, dict[str, str]] = {
    "GUILD_CREATE": {
        "roles[]": "GuildRoleResponse",
        "channels[]": "GuildChannelResponse",
        "threads[]": "ThreadResponse",
        "members[]": "GuildMemberResponse",
        "guild_scheduled_events[]": "ScheduledEventResponse",
        "stage_instances[]": "StageInstanceResponse",
        "voice_states[]": "VoiceStateResponse",
    },
    "GUILD_MEMBER_ADD": {"": "GuildMemberResponse"},
    "GUILD_MEMBER_UPDATE": {"user": "UserResponse"},
    "CHANNEL_CREATE": {"": "GuildChannelResponse"},
    "CHANNEL_UPDATE": {"": "GuildChannelResponse"},
    "THREAD_CREATE": {"": "ThreadResponse"},
    "THREAD_UPDATE": {"": "ThreadResponse"},
    "MESSAGE_CREATE": {"": "MessageResponse"},
    "MESSAGE_UPDATE": {"": "MessageResponse"},
    "INTERACTION_CREATE": {
        "member": "GuildMemberResponse",
        "user": "UserResponse",
        "message": "MessageResponse",
    },
    "GUILD_SCHEDULED_EVENT_CREATE": {"": "ScheduledEventResponse"},
    "GUILD_SCHEDULED_EVENT_UPDATE": {"": "ScheduledEventResponse"},
    "GUILD_SCHEDULED_EVENT_DELETE": {"": "ScheduledEventResponse"},
    "VOICE_STATE_UPDATE": {"": "VoiceStateResponse"},
    "STAGE_INSTANCE_CREATE": {"": "StageInstanceResponse"},
    "STAGE_INSTANCE_UPDATE": {"": "StageInstanceResponse"},
    "STAGE_INSTANCE_DELETE": {"": "StageInstanceResponse"},
}

# Parts Discord sends without a key their schema requires, and the field of the event
# that holds its value: GUILD_CREATE's voice states lack guild_id (gateway-events.mdx).
IMPLIED: dict[tuple[str, str], tuple[str, str]] = {
    ("GUILD_CREATE", "voice_states"): ("guild_id", "id"),
}


@dataclass(frozen=True)
class Violation:
    """One place where a request, answer or event breaks Discord's document."""

    side: str  # "request", "response" or "event"
    what: str  # e.g. "POST /channels/{channel_id}/messages" or "MESSAGE_CREATE"
    where: str  # the field path, "$" for the whole document
    problem: str

    def __str__(self) -> str:
        return f"{self.side} {self.what}: {self.where}: {self.problem}"


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    pointer: str  # JSON pointer to the operation in the document
    spec: dict[str, Any]
    query: dict[str, dict[str, Any]]  # query parameter name -> its schema
    path: dict[str, dict[str, Any]]  # path parameter name -> its schema

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    """The document, its operations by route, and a compiled validator per schema."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._routes: list[tuple[re.Pattern[str], str]] = []
        self._operations: dict[tuple[str, str], Operation] = {}
        for template, item in document["paths"].items():
            shared = item.get("parameters", [])
            for method, spec in item.items():
                if method == "parameters":
                    continue
                parameters = [*shared, *spec.get("parameters", [])]
                query = {p["name"]: p.get("schema", {}) for p in parameters if p["in"] == "query"}
                path = {p["name"]: p.get("schema", {}) for p in parameters if p["in"] == "path"}
                self._operations[(method.upper(), template)] = Operation(
                    template, method.upper(), _pointer("paths", template, method), spec, query, path
                )
            pattern = re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            self._routes.append((re.compile(pattern), template))
        # Literal segments before parameters: /users/@me is not /users/{user_id}.
        self._routes.sort(key=lambda r: r[1].count("{"))
        strict = Resource(contents=document, specification=DRAFT202012)
        lenient_document = dict(document)
        lenient_document["components"] = dict(document["components"])
        schemas = copy.deepcopy(document["components"]["schemas"])
        for deviation in TOLERATED:
            deviation.patch(schemas)
        lenient_document["components"]["schemas"] = schemas
        lenient = Resource(contents=lenient_document, specification=DRAFT202012)
        self._registries = {
            "strict": Registry().with_resource(BASE_URI, strict),
            "lenient": Registry().with_resource(BASE_URI, lenient),
        }
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}
        # (schema, mode, shape) of what was found valid: the bot registers the same
        # commands and sends the same kinds of message again and again.
        self._valid: set[tuple[str, str, str]] = set()

    # --- lookups ---------------------------------------------------------------------

    def operation(self, method: str, path: str) -> Operation | None:
        found = self._match(method, path)
        return found[0] if found is not None else None

    def _match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation of `method path`, and the values of its path parameters."""
        for pattern, template in self._routes:
            matched = pattern.fullmatch(path)
            if matched:
                found = self._operations.get((method, template))
                if found is not None:
                    return found, matched.groupdict()
        return None

    def _validator(self, pointer: str, mode: str) -> Draft202012Validator:
        key = (pointer, mode)
        validator = self._validators.get(key)
        if validator is None:
            schema = {"$ref": f"{BASE_URI}#{quote(pointer, safe='/~')}"}
            validator = Draft202012Validator(schema, registry=self._registries[mode])
            self._validators[key] = validator
        return validator

    def _query_validator(self, name: str, schema: dict[str, Any]) -> Draft202012Validator:
        key = (f"?{name}:{json.dumps(schema, sort_keys=True)}", "lenient")
        validator = self._validators.get(key)
        if validator is None:
            # The parameter's own schema, its references made absolute into the document.
            absolute = json.loads(json.dumps(schema).replace('"#/', f'"{BASE_URI}#/'))
            validator = Draft202012Validator(absolute, registry=self._registries["lenient"])
            self._validators[key] = validator
        return validator

    def _problems(
        self, side: str, what: str, pointer: str, instance: Any, mode: str
    ) -> list[Violation]:
        key = (pointer, mode, _shape(instance))
        if key in self._valid:
            return []
        validator = self._validator(pointer, mode)
        if validator.is_valid(instance):
            self._valid.add(key)
            return []
        error = _telling(validator.iter_errors(instance))
        assert error is not None
        return [Violation(side, what, _where(error), _problem(error))]

    # --- checks ----------------------------------------------------------------------

    def check_request(
        self, method: str, path: str, query: Mapping[str, str], body: Any, *, read: bool = True
    ) -> list[Violation]:
        """A request as the bot sent it: `path` below /api/v10, `body` the JSON (or the
        multipart's payload_json) or None; `read` False when the emulator answered before
        reading the body (a rate limit, a fault), which then goes unchecked."""
        found = self._match(method, path)
        if found is None:
            return [Violation("request", f"{method} {path}", "$", "no such route and method")]
        operation, values = found
        problems = []
        for name, value in values.items():
            schema = operation.path.get(name, {})
            if not self._query_validator(name, schema).is_valid(_query_value(value, schema)):
                problems.append(
                    Violation("request", operation.name, f"{{{name}}}", f"{value!r} is not valid")
                )
        for name, value in query.items():
            schema = operation.query.get(name)
            if schema is None:
                problems.append(
                    Violation("request", operation.name, f"?{name}", "unknown query parameter")
                )
                continue
            if not self._query_validator(name, schema).is_valid(_query_value(value, schema)):
                problems.append(
                    Violation("request", operation.name, f"?{name}", f"{value!r} is not valid")
                )
        content = (operation.spec.get("requestBody") or {}).get("content") or {}
        if not read:
            pass
        elif body is not None:
            if "application/json" not in content:
                problems.append(Violation("request", operation.name, "$", "takes no JSON body"))
            else:
                pointer = operation.pointer + _pointer(
                    "requestBody", "content", "application/json", "schema"
                )
                problems += self._problems("request", operation.name, pointer, body, "lenient")
        elif (operation.spec.get("requestBody") or {}).get("required"):
            problems.append(Violation("request", operation.name, "$", "the body is required"))
        return problems

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[Violation]:
        """An answer the emulator gave to `method path`: its status and JSON body."""
        operation = self.operation(method, path)
        if operation is None:
            return []  # the request is reported
        responses = operation.spec.get("responses") or {}
        key = next((k for k in (str(status), f"{status // 100}XX") if k in responses), None)
        if key is None:
            documented = ", ".join(sorted(responses))
            return [
                Violation(
                    "response", operation.name, "$", f"status {status} (documented: {documented})"
                )
            ]
        response = responses[key]
        pointer = operation.pointer + _pointer("responses", key)
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#")
            response = self._resolve(pointer)
        content = (response.get("content") or {}).get("application/json")
        if content is None:
            if body is not None:
                return [Violation("response", operation.name, "$", f"status {status} has no body")]
            return []
        if body is None:
            return [Violation("response", operation.name, "$", f"status {status} needs a body")]
        pointer += _pointer("content", "application/json", "schema")
        return self._problems("response", operation.name, pointer, body, "strict")

    def check_event(self, event: str, data: Any) -> list[Violation]:
        """A gateway dispatch's object, in the parts the spec has a schema for."""
        problems = []
        for part, schema in EVENT_SCHEMAS.get(event, {}).items():
            key = part.removesuffix("[]")
            if not key:
                problems += self.check_object(schema, data, event)
                continue
            value = data.get(key) if isinstance(data, dict) else None
            if value is None:
                continue
            items = enumerate(value) if part.endswith("[]") else [(None, value)]
            implied = IMPLIED.get((event, key))
            for index, item in items:
                if implied is not None and isinstance(item, dict):
                    item = item | {implied[0]: data.get(implied[1])}
                where = f"{event} {key}" + ("" if index is None else f"[{index}]")
                problems += self.check_object(schema, item, where)
        return problems

    def check_object(self, schema: str, instance: Any, what: str) -> list[Violation]:
        """`instance` against the component schema named `schema`."""
        return self._problems(
            "event", what, _pointer("components", "schemas", schema), instance, "strict"
        )

    def _resolve(self, pointer: str) -> dict[str, Any]:
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node  # type: ignore[no-any-return]


_SNOWFLAKE = re.compile(r'"\d{17,20}"')


def _shape(instance: Any) -> str:
    """`instance` as JSON with every snowflake written as the same 19-digit id: two
    instances of one shape differ only in ids, which the schemas check only for being
    snowflakes, so one is valid exactly when the other is."""
    return _SNOWFLAKE.sub('"1000000000000000000"', json.dumps(instance, sort_keys=True))


def _query_value(value: str, schema: Mapping[str, Any]) -> Any:
    """A query string's value as the JSON type its schema names."""
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "integer" in kinds and re.fullmatch(r"-?\d+", value):
        return int(value)
    # Discord's boolean query strings: True, true or 1, and False, false or 0.
    if "boolean" in kinds and value in ("true", "True", "1"):
        return True
    if "boolean" in kinds and value in ("false", "False", "0"):
        return False
    return value


def _telling(errors: Any) -> ValidationError | None:
    """The error that says what is wrong. Under a oneOf/anyOf of object kinds, the branch
    whose discriminator (`type`) matched is the one meant, not the first that failed;
    otherwise as jsonschema's best_match."""
    best: ValidationError | None = max(errors, key=relevance, default=None)
    while best is not None and best.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in best.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [errs for errs in branches.values() if not _wrong_kind(errs)]
        if len(meant) == 1:
            best = max(meant[0], key=relevance)
            continue
        return best_match([best])
    return best


def _wrong_kind(errors: list[ValidationError]) -> bool:
    return any(
        e.validator in ("enum", "const") and list(e.relative_path) == ["type"] for e in errors
    )


def _where(error: ValidationError) -> str:
    return error.json_path


def _problem(error: ValidationError) -> str:
    text = error.message
    return text if len(text) <= 300 else text[:297] + "..."


@functools.cache
def contract() -> Contract:
    """The vendored document, loaded once per process."""
    return Contract(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
