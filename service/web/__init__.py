"""The web dashboard, served by the API's application at ``/`` (see :func:`install_web`).

Server-rendered pages (Jinja2), readable without JavaScript; login turns an API key into a
signed session cookie; every form carries a CSRF token; the tenant rules are the API's.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

__all__ = ["install_web"]


def install_web(app: FastAPI) -> None:
    """Mount the dashboard's pages, its static files (``/static``) and its HTML errors."""
    from service.web.errors import install_page_errors
    from service.web.render import STATIC_DIR
    from service.web.routes import account, commoner, company, foundation, foundation_money, public

    app.include_router(account.router)
    app.include_router(foundation_money.router)  # before foundation's catch-all 404 page
    app.include_router(foundation.router)
    app.include_router(commoner.router)
    app.include_router(company.router)
    app.include_router(public.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_page_errors(app)
