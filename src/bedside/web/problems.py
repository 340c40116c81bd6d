"""The problem document every JSON error answers with (DomainError.problem(), plus `errors`
for a validation failure), declared on the API routers so that the OpenAPI documents what is
really sent, media type included."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

PROBLEM_MEDIA_TYPE = "application/problem+json"
_REF_TEMPLATE = "#/components/schemas/{model}"

_DESCRIPTIONS = {
    400: "The body could not be read (not UTF-8, not valid JSON, or not in the declared media type)",
    401: "Not signed in, or the key or signature was not accepted",
    403: "Not allowed: role, scope or CSRF token",
    404: "No such record, or not one the caller may see",
    405: "Method not allowed (the Allow header lists the methods)",
    409: "Conflicts with the current state of the record",
    413: "The body is too large",
    422: "Invalid input; a validation error lists the fields in `errors`",
    429: "Too many attempts; wait and try again",
    503: "Busy or unavailable; retry after the Retry-After seconds",
}
API_ERRORS = (400, 401, 403, 404, 409, 422, 429, 503)


class FieldError(BaseModel):
    field: str = Field(description="dotted path of the input, e.g. `lines.0.quantity`")
    type: str
    detail: str


class Problem(BaseModel):
    type: str = Field(examples=["urn:bedside:error:not_found"])
    title: str
    status: int = Field(ge=400, le=599)
    code: str = Field(description="stable, for programs; the messages are for people")
    message: str = Field(description="in the request's language")
    message_zh: str
    message_en: str
    field: str | None = Field(default=None, description="the input the error is about, when one is")
    errors: list[FieldError] | None = Field(default=None, description="validation errors only")
    differences: list[str] | None = Field(
        default=None,
        description="a resend under a known reference: the inputs that differ from the stored record",
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or route: each status answers a Problem, and only as
    application/problem+json (FastAPI's `model=` would also claim application/json)."""
    content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _REF_TEMPLATE.format(model="Problem")}}}
    return {status: {"description": _DESCRIPTIONS[status], "content": content} for status in statuses}


def document_problems(app: FastAPI) -> None:
    """Adds the Problem schema, which `problem_responses` refers to, to the app's OpenAPI."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()  # FastAPI caches this very dict, so the addition stays
        _, defs = models_json_schema([(Problem, "serialization")], ref_template=_REF_TEMPLATE)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
