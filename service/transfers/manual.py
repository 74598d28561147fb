"""The offline default provider: nothing is sent anywhere. Each transfer is recorded as owed
to the foundation, to be made by hand (a bank transfer), and each reversal as owed back by
the foundation, to be received by hand, under an id derived from its idempotency key, so that
recording it again records the same one."""

from __future__ import annotations

from service.transfers.interface import Reversal, ReversalRequest, Transfer, TransferRequest

__all__ = ["ManualProvider"]


class ManualProvider:
    kind = "manual"

    def transfer(self, request: TransferRequest) -> Transfer:
        return Transfer(f"manual-{request.idempotency_key}", request)

    def reverse(self, request: ReversalRequest) -> Reversal:
        return Reversal(f"manual-{request.idempotency_key}", request)
