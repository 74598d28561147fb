"""The ``PayoutProvider`` extension point, shared by foundation funds (billing) and commoner
payouts.

A provider moves an amount to a connected account, and takes (part of) it back when the
payment that funded it is refunded (a reversal). Every request carries an idempotency key
derived from our own ids (an invoice, a payout line), so that a run killed after the provider
acted and started again sends the same request and gets the same transfer back, never a
second one. Callers record the returned external id (and a ledger entry) before moving on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "PayoutProvider",
    "Reversal",
    "ReversalRequest",
    "Transfer",
    "TransferError",
    "TransferRequest",
]


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


@dataclass(frozen=True, slots=True)
class ReversalRequest:
    """Take back ``amount_minor`` of a transfer the provider made (``transfer_id``), in the
    transfer's currency, from the account that received it."""

    transfer_id: str  # the provider's id of the transfer, e.g. "tr_1Nv0FGQ9RKHgCVdK"
    amount_minor: int
    currency: str  # ISO 4217, upper case: the transfer's (a reversal cannot change it)
    idempotency_key: str
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.amount_minor <= 0:
            raise TransferError(
                f"reversal {self.idempotency_key}: amount must be positive, got {self.amount_minor}"
            )
        if not self.transfer_id:
            raise TransferError(f"reversal {self.idempotency_key}: no transfer to reverse")


@dataclass(frozen=True, slots=True)
class Reversal:
    external_id: str
    request: ReversalRequest


class PayoutProvider(Protocol):
    kind: str

    def transfer(self, request: TransferRequest) -> Transfer:
        """Send ``request`` (idempotent on its key); raises :class:`TransferError`."""
        ...

    def reverse(self, request: ReversalRequest) -> Reversal:
        """Take back part of a transfer (idempotent on its key); raises
        :class:`TransferError`, e.g. when more is asked than is left of the transfer."""
        ...
