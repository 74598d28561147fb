"""A ``PayoutProvider`` fake with Stripe's idempotency semantics: the same idempotency key
returns the same transfer and moves nothing more. It records every request, and can be told
to die after a number of transfers (to test a run killed midway)."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.transfers.interface import Transfer, TransferError, TransferRequest


class ProviderCrash(BaseException):
    """Raised by the fake to simulate the process dying (not an ``Exception``, so that no
    handler in the code under test swallows it)."""


@dataclass
class RecordingProvider:
    kind: str = "stripe"
    requests: list[TransferRequest] = field(default_factory=list)
    transfers: dict[str, Transfer] = field(default_factory=dict)  # idempotency key -> transfer
    crash_after: int | None = None  # die after this many new transfers
    refuse: set[str] = field(default_factory=set)  # destinations that fail

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
        if self.crash_after is not None and len(self.transfers) >= self.crash_after:
            raise ProviderCrash(f"killed after {len(self.transfers)} transfers")
        return made

    def moved(self, destination: str) -> int:
        """What actually reached ``destination``, in minor units."""
        return sum(
            t.request.amount_minor
            for t in self.transfers.values()
            if t.request.destination == destination
        )
