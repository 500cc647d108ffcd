"""Oxapay-shaped callbacks for tests, signed like Oxapay signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

# The servers under test are started with SANDBOX_MERCHANT_KEY set to this.
SANDBOX_KEY = "test-sandbox-merchant-key"


def dollars(cents: int) -> float:
    # Two decimals print back exactly from a float: 1250 → 12.5, as Oxapay writes numbers.
    return cents / 100


def callback_body(
    track_id: str, status: str, amount_cents: int, paid_cents: int, order_id: str = ""
) -> bytes:
    txs = (
        [
            {
                "status": "confirmed",
                "tx_hash": "0xabc",
                "sent_amount": 27.1,
                "received_amount": 26.7,
                "value": dollars(paid_cents),
                "sent_value": dollars(paid_cents),
                "currency": "POL",
                "rate": 0.36839,
                "date": int(time.time()),
            }
        ]
        if paid_cents
        else []
    )
    return json.dumps(
        {
            "track_id": track_id,
            "status": status,
            "type": "invoice",
            "amount": dollars(amount_cents),
            "value": dollars(paid_cents),
            "sent_value": dollars(paid_cents),
            "currency": "USD",
            "order_id": order_id,
            "date": int(time.time()),
            "txs": txs,
        }
    ).encode()


def signature(body: bytes, key: str = SANDBOX_KEY) -> str:
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()
