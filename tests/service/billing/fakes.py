"""A gateway fake with Stripe's idempotency semantics: the same idempotency key returns the
same object and creates nothing; it records every request and every object created."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.billing.interface import GatewayKind, LineDraft, RemoteInvoice


@dataclass
class RecordingGateway:
    kind: GatewayKind = GatewayKind.STRIPE
    requests: list[tuple[str, str]] = field(default_factory=list)  # (step, idempotency key)
    objects: dict[str, str] = field(default_factory=dict)  # idempotency key -> object id
    items: dict[str, LineDraft] = field(default_factory=dict)  # item id -> line
    invoices: dict[str, list[str]] = field(default_factory=dict)  # invoice id -> item ids
    status: dict[str, str] = field(default_factory=dict)
    pending: dict[str, list[str]] = field(default_factory=dict)  # customer -> item ids
    collected: list[str] = field(default_factory=list)
    fee_minor: int = 0

    def _create(self, step: str, key: str, prefix: str) -> tuple[str, bool]:
        self.requests.append((step, key))
        if key in self.objects:
            return self.objects[key], False
        new = f"{prefix}_{len(self.objects) + 1}"
        self.objects[key] = new
        return new, True

    def customer(self, company_id: str) -> str:
        return self._create("customer", f"copyfair-customer-{company_id}", "cus")[0]

    def add_line(self, customer_id: str, invoice_id: str, line: LineDraft) -> str:
        item, new = self._create("item", f"copyfair-item-{line.line_id}", "ii")
        if new:
            self.items[item] = line
            self.pending.setdefault(customer_id, []).append(item)
        return item

    def create_invoice(self, customer_id: str, invoice_id: str, period: str) -> str:
        invoice, new = self._create("invoice", f"copyfair-invoice-{invoice_id}", "in")
        if new:
            self.invoices[invoice] = self.pending.pop(customer_id, [])
            self.status[invoice] = "draft"
        return invoice

    def finalise(self, external_id: str, invoice_id: str) -> None:
        self.requests.append(("finalise", f"copyfair-finalise-{invoice_id}"))
        if self.status[external_id] == "draft":
            self.status[external_id] = "open"

    def collect(self, external_id: str, invoice_id: str) -> None:
        self.requests.append(("pay", f"copyfair-pay-{invoice_id}"))
        if self.status[external_id] == "open":
            self.status[external_id] = "paid"
            self.collected.append(external_id)

    def fee(self, external_id: str) -> int:
        return self.fee_minor

    def total(self, external_id: str) -> int:
        return sum(self.items[i].amount_minor for i in self.invoices[external_id])

    def fetch(self, external_id: str) -> RemoteInvoice | None:
        if external_id not in self.status:
            return None
        items = self.invoices[external_id]
        currency = self.items[items[0]].currency if items else "EUR"
        total = self.total(external_id)
        paid = total if self.status[external_id] == "paid" else 0
        return RemoteInvoice(external_id, self.status[external_id], currency, total, paid)


class Crash(Exception):
    """Stands for the process being killed at a checkpoint."""


def crash_at(step: str, after: int = 1) -> object:
    seen = {"n": 0}

    def checkpoint(name: str) -> None:
        if name == step:
            seen["n"] += 1
            if seen["n"] == after:
                raise Crash(step)

    return checkpoint
