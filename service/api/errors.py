"""Every error answers ``{"error": {"code", "message", "field"}}``.

``code`` is a stable machine-readable word, ``message`` says what is wrong and how to fix
it, ``field`` names the offending input (``"licence"``, ``"reciprocity.currency"``,
``"cursor"``, a header) or is null. Validation errors (422), unknown routes (404), wrong
methods (405), oversized bodies (413) and unexpected failures (500) all use this shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

__all__ = [
    "ApiError",
    "ErrorDetail",
    "ErrorResponse",
    "error_response",
    "install_error_handlers",
]

logger = logging.getLogger("copyfair.api")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """Raised by routes and dependencies; rendered as the JSON error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
}


def field_path(loc: Sequence[Any]) -> str | None:
    """``("body", "match", "purls", 0)`` -> ``"match.purls[0]"``; ``("query", "limit")`` ->
    ``"limit"``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or None


def _describe(error: Mapping[str, Any]) -> tuple[str | None, str]:
    kind = error.get("type", "")
    loc = error.get("loc", ())
    if kind == "json_invalid":
        ctx = error.get("ctx") or {}
        return None, (
            f"the body is not valid JSON ({ctx.get('error', 'decode error')} at character "
            f"{loc[1] if len(loc) > 1 else '?'}): send a JSON object with "
            "Content-Type: application/json"
        )
    field = field_path(loc)
    message = str(error.get("msg", "invalid value"))
    if kind == "missing":
        message = "this field is required"
    elif kind == "extra_forbidden":
        message = "unknown field: remove it (see /docs for the accepted fields)"
    elif kind == "model_attributes_type" or kind == "dict_type":
        message = "expected a JSON object"
    return field, message


def _validation_response(errors: Sequence[Any]) -> JSONResponse:
    described = [_describe(e) for e in errors] or [(None, "invalid request")]
    field = described[0][0]
    message = "; ".join(f"{f}: {m}" if f else m for f, m in described)
    return error_response(422, "invalid_request", message, field)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (Starlette's Allow header names only
    those of the first route whose path matched)."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _validation_response(exc.errors())

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        code = _CODES.get(status, "error")
        if status == 404 and exc.detail == "Not Found":
            message = f"no such resource: {request.method} {request.url.path} (see /docs)"
        elif status == 405:
            allow = _allowed_methods(request)
            message = f"method {request.method} is not allowed on {request.url.path}"
            if allow:
                message += f": use {', '.join(allow)}"
                headers = {**(exc.headers or {}), "Allow": ", ".join(allow)}
                return error_response(status, code, message, None, headers)
        elif status == 400 and exc.detail == "There was an error parsing the body":
            message = "the body could not be read: send UTF-8 JSON"
        else:
            message = str(exc.detail)
        return error_response(status, code, message, None, exc.headers)

    async def on_integrity(request: Request, exc: Exception) -> JSONResponse:
        logger.warning("integrity error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            409, "conflict", "the request conflicts with existing data (a duplicate?)"
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            500, "internal_error", "an unexpected error occurred; it has been logged"
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(Exception, on_unexpected)
