"""Request and response models of the billing API (families ``*Create``, ``*Public``)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from service.api.pagination import PageOf
from service.db.models import InvoiceStatus
from service.db.models.ledger import BillingRunStatus, TransferStatus

__all__ = [
    "BillingRunCreate",
    "BillingRunPublic",
    "BillingRunReport",
    "BillingRunsPage",
    "FoundationTransferPublic",
    "FoundationTransfersPage",
    "InvoiceLinePublic",
    "InvoicePublic",
    "InvoicesPage",
    "Period",
    "PaymentCreate",
    "PaymentPublic",
    "PayoutAccountPublic",
    "PayoutAccountUpdate",
]

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(value: str) -> str:
    if not _MONTH.match(value):
        raise PydanticCustomError("period", "expected a month as YYYY-MM, e.g. 2026-11")
    return value


Period = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=7), AfterValidator(_month)
]


class BillingRunCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"period": "2026-11"}]}
    )

    period: Period = Field(description="The month to bill, `YYYY-MM`.")


class BillingRunReport(BaseModel):
    period: str
    invoices_created: int
    lines_added: int
    already_billed: int
    invoices_issued: int


class BillingRunPublic(BaseModel):
    id: uuid.UUID
    period: str
    status: BillingRunStatus
    report: BillingRunReport | None = Field(
        default=None, description="When `done`: what the run billed."
    )
    error: str | None = Field(default=None, description="When `failed`: why.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class BillingRunsPage(PageOf[BillingRunPublic]):
    """A page of billing runs, oldest first."""


class InvoiceLinePublic(BaseModel):
    id: uuid.UUID
    obligation_id: str
    commons_id: str
    amount_minor: int
    status: str


class InvoicePublic(BaseModel):
    id: uuid.UUID
    company_id: str
    foundation_id: str | None
    period: str
    currency: str
    status: InvoiceStatus
    gateway: str
    total_minor: int = Field(description="The whole invoice, in minor units.")
    amount_paid_minor: int
    fee_minor: int
    refunded_minor: int
    payment_reference: str | None
    created_at: datetime
    paid_at: datetime | None
    lines: list[InvoiceLinePublic] = Field(
        description="A company sees every line; a foundation the lines of its own commons."
    )


class InvoicesPage(PageOf[InvoicePublic]):
    """A page of invoices, oldest first."""


class PaymentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reference": "BANK-2026-11-0042", "amount_minor": 125000, "fee_minor": 0}]
        },
    )

    reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = Field(
        default=None,
        description="What identifies the payment (bank reference). Recording the same "
        "reference again is a no-op; without it, the `Idempotency-Key` header is used.",
    )
    amount_minor: int | None = Field(
        default=None, ge=1, description="If given, must be the invoice's total (a check)."
    )
    currency: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=3)] | None
    ) = Field(default=None, description="If given, must be the invoice's currency.")
    fee_minor: int = Field(
        default=0, ge=0, description="Fees withheld, in minor units (split over the commons)."
    )


class PaymentPublic(BaseModel):
    recorded: bool = Field(description="False when this payment was recorded before (replay).")
    invoice: InvoicePublic


class PayoutAccountUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"account_id": "acct_1Nv0FGQ9RKHgCVdK"}]}
    )

    account_id: str | None = Field(
        max_length=100,
        description="The foundation's Stripe connected account (`acct_...`); null clears it.",
    )


class PayoutAccountPublic(BaseModel):
    organisation_id: uuid.UUID
    account_id: str | None


class FoundationTransferPublic(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    commons_id: str
    destination: str
    amount_minor: int = Field(description="The commons' share of the payment, net of fees.")
    currency: str
    dispute_id: str | None = Field(
        default=None,
        description="Set on a transfer sent again after this dispute was won (the funds a "
        "lost dispute had clawed back); null on the payment's own transfer.",
    )
    status: TransferStatus = Field(
        description="`pending` (planned), `sent` (made), `manual` (to be made by hand)."
    )
    provider: str | None
    external_id: str | None
    created_at: datetime
    sent_at: datetime | None


class FoundationTransfersPage(PageOf[FoundationTransferPublic]):
    """A page of the foundation's transfers, oldest first."""
