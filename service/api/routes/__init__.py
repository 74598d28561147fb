"""Routers, one module per resource. Routes hold no SQL: they call ``service.db``."""
