"""The OpenAPI schema's error answers: every operation lists the 4xx it can give, each with
the body the API sends (`config.api.exception_handler` and DRF's own errors)."""

ERROR = {
    "type": "object",
    "description": "What went wrong, in a sentence.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Messages by field (a list of sentences each; a nested field or a list item has its"
        " own messages inside), `non_field_errors` for the input as a whole."
    ),
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {}}, {"type": "object"}],
    },
}
PLAN_CONFLICT = {
    "type": "object",
    "description": "Someone changed the item (or its section's order) since `base_version`.",
    "properties": {
        "base_version": {"type": "array", "items": {"type": "string"}},
        "current": {
            "type": "object",
            "nullable": True,
            "description": "The item as it is now; null when it was removed.",
        },
        "yours": {"type": "object", "properties": {"text": {"type": "string"}}},
    },
    "required": ["base_version", "current", "yours"],
}
MEASURE_CONFLICT = {
    "type": "object",
    "description": "This period's answers are in already; nothing was recorded.",
    "properties": {
        "answers": {"type": "array", "items": {"type": "string"}},
        "response": {
            "type": "string",
            "format": "uuid",
            "nullable": True,
            "description": "The answers already recorded.",
        },
    },
    "required": ["answers", "response"],
}
SESSION_CONFLICT = {
    "type": "object",
    "description": "The session has started, or is no longer scheduled; nothing was changed.",
    "properties": {
        "current": {
            "type": "object",
            "properties": {
                "status": {"type": "string"},
                "starts_at": {"type": "string", "format": "date-time"},
            },
            "required": ["status", "starts_at"],
        },
    },
    "required": ["current"],
}

BRING_CLOSED = {
    "type": "object",
    "description": "The session has started: its list is read-only and nothing was saved.",
    "properties": {
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
        "session": {"type": "string", "format": "uuid"},
    },
    "required": ["non_field_errors", "session"],
}
COMPONENTS = {
    "Error": ERROR,
    "FieldErrors": FIELD_ERRORS,
    "PlanConflict": PLAN_CONFLICT,
    "MeasureConflict": MEASURE_CONFLICT,
    "SessionConflict": SESSION_CONFLICT,
    "BringClosed": BRING_CLOSED,
}
# Operations whose service refuses a second write with a conflict (`config.api` makes it a
# 409), when the view does not declare it: the body each one sends.
CONFLICTS = {
    ("post", "/api/v1/measure-responses/"): "MeasureConflict",
    ("post", "/api/v1/plans/{public_id}/reorder/"): "PlanConflict",
    ("patch", "/api/v1/plan-items/{public_id}/"): "PlanConflict",
    ("delete", "/api/v1/plan-items/{public_id}/"): "PlanConflict",
    ("patch", "/api/v1/sessions/{public_id}/"): "SessionConflict",
    ("post", "/api/v1/sessions/{public_id}/cancel/"): "SessionConflict",
    ("post", "/api/v1/bring-items/"): "BringClosed",
    ("patch", "/api/v1/bring-items/{public_id}/"): "BringClosed",
    ("delete", "/api/v1/bring-items/{public_id}/"): "BringClosed",
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "schema": {"type": "integer"},
    }
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str, **extra) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


BAD_INPUT = _json(
    {"anyOf": [_ref("FieldErrors"), _ref("Error")]},
    "Bad input: messages by field, or `detail` for a body that is not a JSON object.",
)
FORBIDDEN = _json(
    _ref("Error"), "Not signed in, or this operation is not for your role (or needs two-factor)."
)
NOT_FOUND = _json(_ref("Error"), "No such object among those you may see.")
TOO_LARGE = _json(_ref("Error"), "The request body is too large or too deeply nested.")
THROTTLED = _json(_ref("Error"), "Too many requests: wait and ask again.", headers=RETRY_AFTER)
CONFLICT = _json(_ref("Error"), "The change conflicts with the current state.")


def _has(operation: dict, location: str) -> bool:
    return any(param.get("in") == location for param in operation.get("parameters", []))


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the error answers each operation can give.

    - 400 to every operation that takes a body or a query, and to every write (a service may
      refuse a state change, such as pausing ended homework);
    - 403 and 429 everywhere (anonymous callers, the wrong role; the rate limit);
    - 404 where a path, a query or a body names an object;
    - 413 where there is a body;
    - 409 where a write can conflict (`CONFLICTS`, or declared by the view).
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in COMPONENTS.items():
        schemas.setdefault(name, schema)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = {"403": FORBIDDEN, "429": THROTTLED}
            writes = method != "get"
            if writes or "requestBody" in operation or _has(operation, "query"):
                errors["400"] = BAD_INPUT
            if _has(operation, "path") or _has(operation, "query") or "requestBody" in operation:
                errors["404"] = NOT_FOUND
            if "requestBody" in operation:
                errors["413"] = TOO_LARGE
            if (method, path) in CONFLICTS:
                errors["409"] = _json(_ref(CONFLICTS[method, path]), CONFLICT["description"])
            elif "409" in responses:
                errors["409"] = CONFLICT
            for code, answer in errors.items():
                described = responses.get(code)
                if described is None or "content" not in described:
                    responses[code] = (
                        {**answer, "description": described["description"]}
                        if described and described.get("description")
                        else answer
                    )
            operation["responses"] = dict(sorted(responses.items()))
    return result
