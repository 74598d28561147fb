"""The offline default provider: nothing is sent anywhere. Each transfer is recorded as owed
to the foundation, to be made by hand (a bank transfer), under an id derived from its
idempotency key, so that recording it again records the same one."""

from __future__ import annotations

from service.transfers.interface import Transfer, TransferRequest

__all__ = ["ManualProvider"]


class ManualProvider:
    kind = "manual"

    def transfer(self, request: TransferRequest) -> Transfer:
        return Transfer(f"manual-{request.idempotency_key}", request)
