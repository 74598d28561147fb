"""Rendering pages: the Jinja2 environment (autoescaped), the context every page gets, and
the headers every page carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.web.auth import apply_session, web_session
from service.web.figures import money
from service.web.session import CSRF_FIELD

__all__ = ["TEMPLATES_DIR", "STATIC_DIR", "environment", "render"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# No script runs on these pages; styles come from our own stylesheet, plus the inline
# style attributes of the server-drawn SVG plots.
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def _money(amount_minor: int | None, currency: str | None) -> str:
    if amount_minor is None or currency is None:
        return "—"
    return money(amount_minor, currency)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    env.filters["when"] = _when
    env.globals["csrf_field"] = CSRF_FIELD
    return env


_ENV = environment()


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """The page ``template`` with ``context``, the viewer, the CSRF token, the session
    cookie when it changed, and the security headers. Pages behind a login are not cached."""
    viewer = getattr(request.state, "viewer", None)
    full = {
        "request": request,
        "viewer": viewer,
        "csrf_token": web_session(request).csrf,
        "path": request.url.path,
        **context,
    }
    html = _ENV.get_template(template).render(full)
    response = HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)
    if viewer is not None:
        response.headers["Cache-Control"] = "no-store"
    apply_session(request, response)
    return response
