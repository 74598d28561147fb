"""The tables, one module per area; importing this package registers them all on
:data:`service.db.base.Base.metadata` (the migrations' autogenerate check relies on it).

Every tenant-owned row carries the id of its owner (``organisation_id``, ``company_id`` or
``commoner_id``); queries filter on it, so that another tenant's row is simply not found.
"""

from service.db.models.accounts import (
    ApiKey,
    Commoner,
    Commons,
    Organisation,
    OrganisationKind,
    Role,
)
from service.db.models.ledger import (
    BillingCustomer,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    LedgerTransaction,
    WebhookEvent,
)
from service.db.models.payouts import (
    ClaimMethod,
    CompanyLedgerPreference,
    IdentityClaim,
    OutboxMessage,
    PayoutAccount,
    PayoutLine,
    PayoutLineStatus,
    PayoutPolicyRecord,
    PayoutRun,
    PayoutRunStatus,
)
from service.db.models.reports import ObligationRecord, ObligationStatus, Report
from service.db.models.scans import Scan, ScanStatus

__all__ = [
    "ApiKey",
    "BillingCustomer",
    "ClaimMethod",
    "Commoner",
    "Commons",
    "CompanyLedgerPreference",
    "IdentityClaim",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "LedgerEntry",
    "LedgerTransaction",
    "ObligationRecord",
    "ObligationStatus",
    "Organisation",
    "OrganisationKind",
    "OutboxMessage",
    "PayoutAccount",
    "PayoutLine",
    "PayoutLineStatus",
    "PayoutPolicyRecord",
    "PayoutRun",
    "PayoutRunStatus",
    "Report",
    "Role",
    "Scan",
    "ScanStatus",
    "WebhookEvent",
]
