"""The dashboard's errors, answered as HTML pages (the API keeps its JSON errors).

:class:`PageError` is any page-level failure with its status (404 for another tenant's id,
as if it did not exist; 403 for a page of another role); :class:`LoginRequired` sends the
browser to the login page, remembering where it was going.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

__all__ = [
    "LoginRequired",
    "PageError",
    "install_page_errors",
    "not_found",
    "parse_id",
    "safe_next",
]


class PageError(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


class LoginRequired(Exception):
    """No valid session: the key was never given, has been revoked, or the session expired."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "log in")
        self.reason = reason


def not_found(what: str) -> PageError:
    return PageError(
        404, "Not found", f"There is no {what} here, or it is not yours to see. Check the link."
    )


def parse_id(raw: str, what: str) -> uuid.UUID:
    """An id from a URL; one that is not a UUID is a page that does not exist (404)."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise not_found(what) from None


def safe_next(value: object) -> str | None:
    """A path of this site to go back to after logging in; never another site's address
    (``//host``, ``/\\host``, which browsers read as ``//host``, or control characters)."""
    if not isinstance(value, str) or len(value) > 2000 or not value.startswith("/"):
        return None
    if value[1:2] in ("/", "\\") or any(c == "\\" or ord(c) < 32 for c in value):
        return None
    return value


def install_page_errors(app: FastAPI) -> None:
    from service.web.render import render

    async def on_page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        return render(
            request,
            "error.html",
            {"title": exc.title, "message": exc.message, "status": exc.status},
            status=exc.status,
        )

    async def on_login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        target = safe_next(request.url.path) or "/"
        query = f"?next={quote(target, safe='/')}"
        if exc.reason:
            query += "&reason=expired"
        return RedirectResponse(f"/login{query}", status_code=303)

    app.add_exception_handler(PageError, on_page_error)
    app.add_exception_handler(LoginRequired, on_login_required)
