"""ShipStation's published OpenAPI document (shipstation_openapi.yaml, vendored beside this file)
as JSON Schemas to check our requests and the mocked answers against, and answers built from the
document's own examples.

The document is OpenAPI 3.1 written in the 3.0 manner, so four of its idioms are read the way
OpenAPI means them before jsonschema sees them (plain JSON Schema reads them otherwise):
- `additionalProperties: false` on an object made of `allOf` parts, or on its parts: the object
  is closed over the properties of all its parts (JSON Schema would let each part forbid the
  others' properties);
- `required` naming a property that only a `oneOf` branch defines: that branch requires it
  (calculate_rates takes `shipment_id` or `shipment`, not both);
- `readOnly` properties are never sent and `writeOnly` ones never received: in that direction
  they are left out (so forbidden where the object is closed) and not required;
- `x-nullable` / `nullable`: null is allowed.
Everything else is checked as written; formats are not asserted (jsonschema's default).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

Direction = Literal["request", "response"]

DOCUMENT = Path(__file__).with_name("shipstation_openapi.yaml")
_URI = "urn:shipstation-openapi"  # the registry's name for the document's components
_LOCAL = "#/components/schemas/"
_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
_SUBSCHEMAS = ("items", "not", "contains", "additionalProperties")
_OBJECT = {"properties", "required", "additionalProperties"}
_MESSAGE = 200
_DEPTH = 6  # examples nest optional properties this deep; deeper, only required ones


@cache
def document() -> dict[str, Any]:
    return yaml.safe_load(DOCUMENT.read_text())


class _Schemas:
    """The document's schemas read for one direction (see the module docstring), with every
    `$ref` made absolute so that the registry resolves it from any schema."""

    def __init__(self, direction: Direction) -> None:
        self._hide = "readOnly" if direction == "request" else "writeOnly"
        self._raw = document()["components"]["schemas"]
        self._done: dict[str, Any] = {}
        self.registry = Registry().with_resource(
            _URI,
            Resource({"components": {"schemas": self._all()}}, specification=DRAFT202012),
        )

    def _all(self) -> dict[str, Any]:
        return {name: self.component(name) for name in self._raw}

    def component(self, name: str) -> Any:
        if name not in self._done:
            self._done[name] = self.read(self._raw[name])
        return self._done[name]

    def resolve(self, schema: Any) -> Any:
        ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
        prefix = _URI + _LOCAL
        return self.component(ref.removeprefix(prefix)) if ref.startswith(prefix) else schema

    def read(self, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        schema = dict(raw)
        if str(schema.get("$ref", "")).startswith(_LOCAL):
            schema["$ref"] = _URI + schema["$ref"]
        hidden: set[str] = set()
        if "properties" in schema:
            hidden = {n for n, s in schema["properties"].items() if self._hidden(s)}
            schema["properties"] = {
                n: self.read(s) for n, s in schema["properties"].items() if n not in hidden
            }
        for key in _SUBSCHEMAS:
            if isinstance(schema.get(key), dict):
                schema[key] = self.read(schema[key])
        for key in _LISTS:
            if key in schema:
                schema[key] = [self.read(s) for s in schema[key]]
        if "allOf" in schema and self._composes_an_object(schema):
            hidden |= self._flatten(schema)
        if "oneOf" in schema and "required" in schema:
            self._required_by_branch(schema)
        if hidden:
            schema["required"] = [n for n in schema.get("required", []) if n not in hidden]
            schema["x-hidden"] = sorted(hidden)  # for a parent that merges this schema in
        if schema.pop("x-nullable", False) | schema.pop("nullable", False):
            return {"anyOf": [{"type": "null"}, schema]}
        return schema

    def _composes_an_object(self, schema: dict[str, Any]) -> bool:
        """An object built of allOf parts (not one schema wrapped to annotate it)."""
        parts = schema["allOf"] if len(schema["allOf"]) > 1 else []
        return any(_OBJECT & set(s) for s in [schema, *map(self.resolve, parts)])

    def _hidden(self, schema: Any) -> bool:
        parts = [schema, *schema.get("allOf", [])] if isinstance(schema, dict) else []
        return any(isinstance(p, dict) and p.get(self._hide) is True for p in parts)

    def _flatten(self, schema: dict[str, Any]) -> set[str]:
        """Merges an object's allOf parts into it; returns the property names they hid."""
        hidden: set[str] = set()
        closed = schema.get("additionalProperties")
        properties = schema.setdefault("properties", {})
        for part in map(self.resolve, schema.pop("allOf")):
            for name, sub in part.get("properties", {}).items():
                properties[name] = {"allOf": [properties[name], sub]} if name in properties else sub
            schema["required"] = list(
                dict.fromkeys(schema.get("required", []) + part.get("required", []))
            )
            hidden |= set(part.get("x-hidden", ()))
            if closed is None and part.get("additionalProperties") is False:
                closed = False
            for key, value in part.items():
                if key not in ("properties", "required", "additionalProperties", "x-hidden"):
                    schema.setdefault(key, value)
        if closed is not None:
            schema["additionalProperties"] = closed
        return hidden

    @staticmethod
    def _required_by_branch(schema: dict[str, Any]) -> None:
        properties = schema.setdefault("properties", {})
        keep = []
        for name in schema["required"]:
            branches = [b for b in schema["oneOf"] if name in b.get("properties", {})]
            if name in properties or not branches:
                keep.append(name)
                continue
            for branch in branches:
                branch["required"] = [*branch.get("required", []), name]
                properties[name] = branch["properties"][name]  # known to the closed object
        schema["required"] = keep

    def problems(self, schema: Any, instance: Any) -> list[str]:
        validator = Draft202012Validator(self.read(schema), registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return list(map(_describe, errors))

    def example(self, schema: Any) -> Any:
        """An instance built from the schema's examples; the plainest value where it has none."""
        return self._example(self.read(schema), 0)

    def _example(self, schema: Any, depth: int) -> Any:
        schema = self.resolve(schema)
        if "example" in schema and "properties" not in schema:
            return copy.deepcopy(schema["example"])
        if "anyOf" in schema or "oneOf" in schema:
            branches = schema.get("anyOf") or schema["oneOf"]
            return self._example(next(b for b in branches if b.get("type") != "null"), depth)
        if "allOf" in schema:
            parts = [self._example(p, depth) for p in schema["allOf"]]
            if all(isinstance(p, dict) for p in parts):
                return {k: v for p in parts for k, v in p.items()}
            return next((p for p in parts if p is not None), None)
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if "properties" in schema or kind == "object":
            properties = schema.get("properties", {})
            names = properties if depth < _DEPTH else schema.get("required", [])
            return {n: self._example(properties[n], depth + 1) for n in names if n in properties}
        if kind == "array":
            items = schema.get("items")
            return [self._example(items, depth + 1)] if items and depth < _DEPTH else []
        if kind == "string":
            return "x" * min(max(1, schema.get("minLength", 1)), schema.get("maxLength", 1 << 8))
        if kind in ("integer", "number"):
            return schema.get("minimum", 0) + 1
        return False if kind == "boolean" else None


def _describe(error: ValidationError) -> str:
    where = "/".join(map(str, error.absolute_path)) or "(top)"
    if error.context:  # oneOf / anyOf: what each alternative found, not the whole instance
        found = "; ".join(sorted({c.message[:_MESSAGE] for c in error.context}))
        return f"{where}: fits no alternative ({found})"
    return f"{where}: {error.message[:_MESSAGE]}"  # some messages repeat the whole instance


@cache
def schemas(direction: Direction) -> _Schemas:
    return _Schemas(direction)


def _follow(node: dict[str, Any]) -> dict[str, Any]:
    """A components/responses or components/parameters $ref, followed."""
    ref = node.get("$ref", "")
    if not ref:
        return node
    found: Any = document()
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


def operation(method: str, path: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The document's path template, path item and operation for a method and a URL path."""
    for template, item in document()["paths"].items():
        pattern = "[^/]+".join(map(re.escape, re.split(r"\{[^/]+\}", template)))
        if re.fullmatch(pattern, path) and method.lower() in item:
            return template, item, item[method.lower()]
    raise AssertionError(f"{method} {path} is not an operation of ShipStation's document")


def _json_schema(content: dict[str, Any] | None) -> Any:
    return ((content or {}).get("application/json") or {}).get("schema")


def request_problems(request: httpx.Request) -> list[str]:
    """What in a request the document does not allow: its operation, its query, its body."""
    template, item, op = operation(request.method, request.url.path)
    where = f"{request.method} {template}"
    parameters = [_follow(p) for p in item.get("parameters", []) + op.get("parameters", [])]
    query = {p["name"]: p["schema"] for p in parameters if p["in"] == "query"}
    found = []
    for name, value in request.url.params.multi_items():
        if name not in query:
            found.append(f"{where}: no query parameter {name!r}")
            continue
        parsed = int(value) if value.isdigit() else value  # a query carries numbers as text
        found += [f"{where} ?{name}: {p}" for p in schemas("request").problems(query[name], parsed)]
    body = _json_schema((op.get("requestBody") or {}).get("content"))
    if body is None:
        return found + ([f"{where} takes no body"] if request.content else [])
    if not request.content:
        return [*found, f"{where} needs a JSON body"]
    instance = json.loads(request.content)
    return found + [f"{where} body {p}" for p in schemas("request").problems(body, instance)]


def response_schema(method: str, path: str, status: int = 200) -> Any:
    _, _, op = operation(method, path)
    return _json_schema(_follow(op["responses"][str(status)]).get("content"))


def response_problems(method: str, path: str, status: int, data: Any) -> list[str]:
    return schemas("response").problems(response_schema(method, path, status), data)


def response_example(method: str, path: str, status: int = 200) -> Any:
    """The answer the document describes for an operation, from its examples."""
    return schemas("response").example(response_schema(method, path, status))
