"""A ``PayoutProvider`` fake with Stripe's idempotency semantics: the same idempotency key
returns the same transfer (or reversal) and moves nothing more. It records every request,
refuses to reverse more than is left of a transfer (as Stripe does), and can be told to die
after a number of transfers and reversals (to test a run killed midway)."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.transfers.interface import (
    Reversal,
    ReversalRequest,
    Transfer,
    TransferError,
    TransferRequest,
)


class ProviderCrash(BaseException):
    """Raised by the fake to simulate the process dying (not an ``Exception``, so that no
    handler in the code under test swallows it)."""


@dataclass
class RecordingProvider:
    kind: str = "stripe"
    requests: list[TransferRequest] = field(default_factory=list)
    transfers: dict[str, Transfer] = field(default_factory=dict)  # idempotency key -> transfer
    reversal_requests: list[ReversalRequest] = field(default_factory=list)
    reversals: dict[str, Reversal] = field(default_factory=dict)  # idempotency key -> reversal
    crash_after: int | None = None  # die after this many new transfers and reversals
    refuse: set[str] = field(default_factory=set)  # destinations that fail

    def _maybe_crash(self) -> None:
        made = len(self.transfers) + len(self.reversals)
        if self.crash_after is not None and made >= self.crash_after:
            raise ProviderCrash(f"killed after {made} transfers and reversals")

    def transfer(self, request: TransferRequest) -> Transfer:
        self.requests.append(request)
        done = self.transfers.get(request.idempotency_key)
        if done is not None:
            if done.request != request:
                raise TransferError(
                    f"idempotency key {request.idempotency_key} reused with other parameters"
                )
            return done
        if request.destination in self.refuse:
            raise TransferError(f"destination {request.destination} refused the transfer")
        made = Transfer(f"tr_{len(self.transfers) + 1}", request)
        self.transfers[request.idempotency_key] = made
        self._maybe_crash()
        return made

    def _transfer(self, transfer_id: str) -> Transfer:
        for made in self.transfers.values():
            if made.external_id == transfer_id:
                return made
        raise TransferError(f"No such transfer: {transfer_id}")

    def reversed_of(self, transfer_id: str) -> int:
        """What was taken back of the transfer ``transfer_id``, in minor units."""
        return sum(
            r.request.amount_minor
            for r in self.reversals.values()
            if r.request.transfer_id == transfer_id
        )

    def reverse(self, request: ReversalRequest) -> Reversal:
        self.reversal_requests.append(request)
        done = self.reversals.get(request.idempotency_key)
        if done is not None:
            if done.request != request:
                raise TransferError(
                    f"idempotency key {request.idempotency_key} reused with other parameters"
                )
            return done
        original = self._transfer(request.transfer_id)
        if request.currency != original.request.currency:
            raise TransferError(f"reversal in {request.currency} of a transfer in another")
        left = original.request.amount_minor - self.reversed_of(request.transfer_id)
        if request.amount_minor > left:
            raise TransferError(
                f"cannot reverse {request.amount_minor}: only {left} left of {request.transfer_id}"
            )
        if original.request.destination in self.refuse:
            raise TransferError(f"{original.request.destination} refused the reversal")
        made = Reversal(f"trr_{len(self.reversals) + 1}", request)
        self.reversals[request.idempotency_key] = made
        self._maybe_crash()
        return made

    def moved(self, destination: str) -> int:
        """What actually reached ``destination``, in minor units (reversals not counted)."""
        return sum(
            t.request.amount_minor
            for t in self.transfers.values()
            if t.request.destination == destination
        )

    def kept(self, destination: str) -> int:
        """What ``destination`` holds in the end: what reached it, less what was reversed."""
        return self.moved(destination) - sum(
            self.reversed_of(t.external_id)
            for t in self.transfers.values()
            if t.request.destination == destination
        )
