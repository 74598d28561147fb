"""Transfer providers and their configuration: the mode from the environment, the Stripe
Connect provider's exact requests (transfer and reversal, through a transport that records
them), errors translated."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe

from service.transfers.config import TransfersMode, make_provider, transfers_config_from_env
from service.transfers.interface import ReversalRequest, TransferError, TransferRequest
from service.transfers.manual import ManualProvider
from service.transfers.stripe_connect import StripeConnectProvider

GEO_ACCOUNT = "acct_1GeoFoundation"


def test_the_transfers_mode_comes_from_the_environment() -> None:
    assert transfers_config_from_env({}).mode is TransfersMode.NONE
    assert make_provider(transfers_config_from_env({})) is None
    manual = make_provider(transfers_config_from_env({"COPYFAIR_FOUNDATION_TRANSFERS": "manual"}))
    assert isinstance(manual, ManualProvider)
    stripe_config = transfers_config_from_env(
        {"COPYFAIR_FOUNDATION_TRANSFERS": "Stripe", "COPYFAIR_STRIPE_API_KEY": "sk_test_x"}
    )
    assert isinstance(make_provider(stripe_config), StripeConnectProvider)
    with pytest.raises(TransferError, match="needs COPYFAIR_STRIPE_API_KEY"):
        transfers_config_from_env({"COPYFAIR_FOUNDATION_TRANSFERS": "stripe"})
    with pytest.raises(TransferError, match="use one of none, manual, stripe"):
        transfers_config_from_env({"COPYFAIR_FOUNDATION_TRANSFERS": "paypal"})


def test_every_transfers_mode_is_handled() -> None:
    for mode in TransfersMode:
        config = transfers_config_from_env(
            {"COPYFAIR_FOUNDATION_TRANSFERS": mode.value, "COPYFAIR_STRIPE_API_KEY": "sk_test_x"}
        )
        provider = make_provider(config)
        assert (provider is None) == (mode is TransfersMode.NONE)


class CapturingHTTP(stripe.HTTPClient):
    """The SDK's transport, replaced: records each request, answers ``answer``."""

    name = "capturing"

    def __init__(self, status: int, answer: dict[str, Any]) -> None:
        super().__init__()
        self.status = status
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []

    def request(
        self,
        method: str,
        url: str,
        headers: Any,
        post_data: Any = None,
        *,
        _usage: Any = None,
    ) -> tuple[str, int, dict[str, str]]:
        self.calls.append((method, url, dict(headers or {}), post_data))
        return json.dumps(self.answer), self.status, {}

    def close(self) -> None:
        return None


REQUEST = TransferRequest(
    destination=GEO_ACCOUNT,
    amount_minor=960,
    currency="EUR",
    idempotency_key="copyfair-transfer-inv-geo",
    transfer_group="invoice_inv",
    description="Reciprocity for commons geo",
    metadata={"copyfair_invoice_id": "inv", "commons_id": "geo"},
)


def test_the_stripe_provider_sends_one_transfer_with_our_idempotency_key() -> None:
    from urllib.parse import parse_qs

    http = CapturingHTTP(200, {"id": "tr_1Abc", "object": "transfer", "amount": 960})
    provider = StripeConnectProvider("sk_test_x", "http://127.0.0.1:9", http_client=http)
    made = provider.transfer(REQUEST)
    assert made.external_id == "tr_1Abc" and made.request == REQUEST
    ((method, url, headers, body),) = http.calls
    assert (method, url) == ("post", "http://127.0.0.1:9/v1/transfers")
    assert headers["Idempotency-Key"] == "copyfair-transfer-inv-geo"
    form = {k: v[0] for k, v in parse_qs(body).items()}
    assert form == {
        "amount": "960",
        "currency": "eur",
        "destination": GEO_ACCOUNT,
        "transfer_group": "invoice_inv",
        "description": "Reciprocity for commons geo",
        "metadata[copyfair_invoice_id]": "inv",
        "metadata[commons_id]": "geo",
    }


def test_the_stripe_provider_translates_a_refusal() -> None:
    http = CapturingHTTP(
        400,
        {"error": {"type": "invalid_request_error", "message": "No such destination"}},
    )
    provider = StripeConnectProvider("sk_test_x", "http://127.0.0.1:9", http_client=http)
    with pytest.raises(TransferError, match="No such destination.*sending again is safe"):
        provider.transfer(REQUEST)


REVERSAL = ReversalRequest(
    transfer_id="tr_1Abc",
    amount_minor=384,
    currency="EUR",
    idempotency_key="copyfair-reversal-re_1-geo",
    description="Refund re_1 of invoice inv: commons geo's share taken back",
    metadata={"copyfair_invoice_id": "inv", "commons_id": "geo", "refund_id": "re_1"},
)


def test_the_stripe_provider_reverses_part_of_a_transfer_with_our_idempotency_key() -> None:
    from urllib.parse import parse_qs

    http = CapturingHTTP(
        200, {"id": "trr_1Xyz", "object": "transfer_reversal", "amount": 384, "transfer": "tr_1Abc"}
    )
    provider = StripeConnectProvider("sk_test_x", "http://127.0.0.1:9", http_client=http)
    made = provider.reverse(REVERSAL)
    assert made.external_id == "trr_1Xyz" and made.request == REVERSAL
    ((method, url, headers, body),) = http.calls
    assert (method, url) == ("post", "http://127.0.0.1:9/v1/transfers/tr_1Abc/reversals")
    assert headers["Idempotency-Key"] == "copyfair-reversal-re_1-geo"
    form = {k: v[0] for k, v in parse_qs(body).items()}
    assert form == {
        "amount": "384",
        "description": "Refund re_1 of invoice inv: commons geo's share taken back",
        "metadata[copyfair_invoice_id]": "inv",
        "metadata[commons_id]": "geo",
        "metadata[refund_id]": "re_1",
    }


def test_the_stripe_provider_translates_a_refused_reversal() -> None:
    http = CapturingHTTP(
        400,
        {
            "error": {
                "type": "invalid_request_error",
                "message": "Transfer tr_1Abc has already been fully reversed",
            }
        },
    )
    provider = StripeConnectProvider("sk_test_x", "http://127.0.0.1:9", http_client=http)
    with pytest.raises(TransferError, match="already been fully reversed.*sending again is safe"):
        provider.reverse(REVERSAL)


def test_the_manual_provider_records_a_reversal_as_owed_back() -> None:
    made = ManualProvider().reverse(REVERSAL)
    assert made.external_id == "manual-copyfair-reversal-re_1-geo" and made.request == REVERSAL


def test_a_reversal_request_is_checked() -> None:
    with pytest.raises(TransferError, match="amount must be positive, got 0"):
        ReversalRequest("tr_1", 0, "EUR", "copyfair-reversal-re-x")
    with pytest.raises(TransferError, match="no transfer to reverse"):
        ReversalRequest("", 1, "EUR", "copyfair-reversal-re-x")
