"""Oxapay v1 answers and callbacks, shaped after the documented JSON (docs.oxapay.com:
api-reference/payment/generate-invoice, payment-information, error, webhook).

Changed from the documentation's examples, and why:
- the callbacks are for a USD invoice paid in POL (the docs' sample invoices 10 POL), as ours
  are always in USD; `value` is then the worth of each transaction in the invoice currency;
- the error envelopes use the messages of the result-code table ("Invalid merchant API key",
  "Amount is too low"); the `type` and `key` strings are illustrative.
Amounts are Decimals so that the JSON carries them digit for digit (`as_json`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.unit.providers.shipstation_fixtures import as_json

__all__ = ["API", "KEY", "as_json"]

API = "https://api.oxapay.com/v1"
KEY = "TEST-MERCHANT-not-a-secret"

TRACK_ID = "184747701"
EXPIRED_AT = 1734546589  # 2024-12-18 18:29:49 UTC


def envelope(data: dict[str, Any], message: str = "Operation completed successfully!") -> dict:
    return {"data": data, "message": message, "error": {}, "status": 200, "version": "1.0.0"}


def error(status: int, message: str, key: str = "", kind: str = "invalid_request") -> dict:
    detail = {"type": kind, "key": key, "message": message}
    return {"data": {}, "message": message, "error": detail, "status": status, "version": "1.0.0"}


INVOICE_CREATED = envelope(
    {
        "track_id": TRACK_ID,
        "payment_url": f"https://pay.oxapay.com/13355581/{TRACK_ID}",
        "expired_at": EXPIRED_AT,
        "date": EXPIRED_AT - 3600,
    }
)


def payment(status: str = "paid", **changes: Any) -> dict[str, Any]:
    """The Payment Information `data`: crypto amounts per transaction, no `value`."""
    data: dict[str, Any] = {
        "track_id": TRACK_ID,
        "type": "invoice",
        "amount": 15,
        "currency": "USD",
        "status": status,
        "mixed_payment": False,
        "fee_paid_by_payer": 0,
        "under_paid_coverage": 0,
        "lifetime": 60,
        "callback_url": "https://bot.example.com/api/payments/oxapay/callback",
        "return_url": "https://t.me/shipbot",
        "email": "",
        "order_id": "inv-42",
        "description": "Balance top-up $15.00",
        "thanks_message": "",
        "expired_at": EXPIRED_AT,
        "date": EXPIRED_AT - 3600,
        "txs": [
            {
                "tx_hash": "0x2DehmnxMDFMhS3KHXCPpGSx41NeLBjH34q5vjN1oGbUDFFAMC9rG3",
                "amount": Decimal("0.00613418"),
                "currency": "ETH",
                "network": "Ethereum Network",
                "address": "HEHCVjnxD8cQrFwfo4k9WXJXErpmK9Ym1nRaEiJJ8DP4",
                "status": "confirmed",
                "confirmations": 11,
                "auto_convert": {
                    "processed": True,
                    "amount": Decimal("14.73130872"),
                    "currency": "USDT",
                },
                "auto_withdrawal": {"processed": False},
                "date": EXPIRED_AT - 3300,
            }
        ],
    }
    return {**data, **changes}


def tx(value: str, status: str = "confirmed", sent: str = "27.1451") -> dict[str, Any]:
    """One callback transaction, as in the webhook's "Paid IPN" sample."""
    return {
        "status": status,
        "tx_hash": "0x5e1c0d4f",
        "sent_amount": Decimal(sent),
        "received_amount": Decimal(sent) * Decimal("0.985"),  # after Oxapay's fee
        "value": Decimal(value),
        "sent_value": Decimal(value),
        "currency": "POL",
        "network": "Polygon Network",
        "sender_address": "0x9a1f",
        "address": "0x77b3",
        "rate": Decimal("0.36839"),
        "confirmations": 250 if status == "confirmed" else 10,
        "auto_convert_amount": 0,
        "auto_convert_currency": "USDT",
        "date": EXPIRED_AT - 3000,
    }


def callback(status: str = "Paid", amount: str = "10", txs: list | None = None, **changes: Any):
    txs = [tx("9.99996")] if txs is None else txs
    total = sum((t["value"] for t in txs), Decimal(0))
    data: dict[str, Any] = {
        "track_id": TRACK_ID,
        "status": status,
        "type": "invoice",
        "module_name": "OxaPay",
        "amount": Decimal(amount),
        "value": total,
        "sent_value": total,
        "currency": "USD",
        "order_id": "inv-42",
        "email": "",
        "note": "",
        "fee_paid_by_payer": 0,
        "under_paid_coverage": 0,
        "description": "Balance top-up",
        "date": EXPIRED_AT - 3600,
        "txs": txs,
    }
    return {**data, **changes}
