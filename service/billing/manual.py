"""The offline default gateway: invoices are recorded here only; payments are recorded by
hand (``copyfair billing mark-paid``). External ids are derived from ours."""

from __future__ import annotations

from service.billing.interface import GatewayKind, LineDraft, RemoteInvoice

__all__ = ["ManualGateway"]


class ManualGateway:
    kind = GatewayKind.MANUAL

    def customer(self, company_id: str) -> str:
        return f"manual-customer-{company_id}"

    def add_line(self, customer_id: str, invoice_id: str, line: LineDraft) -> str:
        return f"manual-line-{line.line_id}"

    def create_invoice(self, customer_id: str, invoice_id: str, period: str) -> str:
        return f"manual-{invoice_id}"

    def finalise(self, external_id: str, invoice_id: str) -> None:
        return None

    def collect(self, external_id: str, invoice_id: str) -> None:
        return None

    def fee(self, external_id: str) -> int:
        return 0

    def fetch(self, external_id: str) -> RemoteInvoice | None:
        return None  # nothing remote: reconciliation compares the ledger with itself
