"""Run localstripe on 127.0.0.1:PORT for the tests: ``python localstripe_server.py PORT``.

Three adjustments to localstripe (1.15), made here rather than in the code under test:
- it creates invoices only for subscriptions; Stripe also makes one-off invoices from a
  customer's pending invoice items, which is what copyfair bills. Added below.
- it has no ``POST /v1/invoices/{id}/finalize``; added (draft -> open).
- it pickles its store to /tmp after each request; the tests run from scratch, so that is
  turned off (parallel runs would share the file).
"""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web
from localstripe import resources, server  # type: ignore[import-untyped]
from localstripe.errors import UserError  # type: ignore[import-untyped]

_next_invoice = resources.Invoice._get_next_invoice.__func__


def _one_off_invoice(cls: Any, /, customer: Any = None, **kwargs: Any) -> Any:
    subscription = kwargs.get("subscription")
    if subscription is None and not kwargs.get("upcoming") and not kwargs.get("subscription_items"):
        found = resources.Customer._api_retrieve(customer)
        if not found.subscriptions._list:
            pending = [
                item
                for item in resources.InvoiceItem._api_list_all(
                    None, customer=customer, limit=99
                )._list
                if item.invoice is None
            ]
            if not pending:
                raise UserError(400, "Nothing to invoice for customer")
            return cls(
                customer=customer,
                metadata=kwargs.get("metadata"),
                description=kwargs.get("description"),
            )
    return _next_invoice(cls, customer=customer, **kwargs)


def _finalize(id: str, **_: Any) -> Any:
    invoice = resources.Invoice._api_retrieve(id)
    if invoice.status == "draft":
        invoice._finalize()
    return invoice


resources.Invoice._get_next_invoice = classmethod(_one_off_invoice)
resources.store.dump_to_disk = lambda: None
server.app.router.add_route(
    "POST", "/v1/invoices/{id}/finalize", server.api_extra(_finalize, "/v1/invoices/{id}/finalize")
)

if __name__ == "__main__":
    web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
