"""The ``PayoutProvider`` extension point, shared by foundation funds (billing) and commoner
payouts.

A provider moves an amount to a connected account. Every request carries an idempotency key
derived from our own ids (an invoice, a payout line), so that a run killed after the provider
acted and started again sends the same request and gets the same transfer back, never a
second one. Callers record the returned external id (and a ledger entry) before moving on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["PayoutProvider", "Transfer", "TransferError", "TransferRequest"]


class TransferError(Exception):
    """A transfer failed or was refused; the message says which and what to do."""


@dataclass(frozen=True, slots=True)
class TransferRequest:
    destination: str  # the connected account, e.g. "acct_1Nv0FGQ9RKHgCVdK"
    amount_minor: int
    currency: str  # ISO 4217, upper case
    idempotency_key: str
    transfer_group: str | None = None  # e.g. one per invoice (separate charges and transfers)
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.amount_minor <= 0:
            raise TransferError(
                f"transfer {self.idempotency_key}: amount must be positive, got {self.amount_minor}"
            )
        if not self.destination:
            raise TransferError(f"transfer {self.idempotency_key}: no destination account")


@dataclass(frozen=True, slots=True)
class Transfer:
    external_id: str
    request: TransferRequest


class PayoutProvider(Protocol):
    kind: str

    def transfer(self, request: TransferRequest) -> Transfer:
        """Send ``request`` (idempotent on its key); raises :class:`TransferError`."""
        ...
