"""The HTTP API: ``create_app(settings)`` builds a FastAPI app (OpenAPI at ``/docs``).

Modules: :mod:`.app` (factory), :mod:`.deps` (session and principal dependencies),
:mod:`.errors` (the JSON error shape), :mod:`.limits` (request body limit),
:mod:`.pagination`, :mod:`.schemas` (request and response models), :mod:`.validation`
(checks done with the pure parsers of ``licences``), :mod:`.routes`.
"""

from __future__ import annotations

from service.api.app import create_app

__all__ = ["create_app"]
