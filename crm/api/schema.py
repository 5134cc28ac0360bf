"""The error answers of the API in its OpenAPI schema (a drf-spectacular post-processing hook).

Every error has one shape (crm.api.errors): {"error": {"code", "message", "fields"}}. drf-spectacular
documents only the success answers; clients (and the conformance test, tests/api) need the errors too:
any operation may answer 401 (missing or invalid key), 403 (the key's role may not), 404 (no such record
for this key, or an invalid page cursor) and 429 (too many requests); one with a body or query parameters
400 (invalid input); a change 409 (the record changed since it was read, `version`)."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}

ERRORS = {
    "400": "Invalid input: `fields` names each invalid field.",
    "401": "Missing, invalid or revoked API key.",
    "403": "The key's role may not do this.",
    "404": "No such record for this key, or an invalid page cursor.",
    "409": "The record changed since it was read (`version`).",
    "429": "Too many requests for this key or address.",
}


def _errors_for(method: str, operation: dict[str, Any]) -> list[str]:
    codes = ["401", "403", "404", "429"]
    if "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", [])):
        codes.append("400")
    if method in ("patch", "put"):
        codes.append("409")
    return sorted(codes)


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code in _errors_for(method, operation):
                operation["responses"].setdefault(
                    code,
                    {"description": ERRORS[code], "content": {"application/json": {"schema": reference}}},
                )
    return result
