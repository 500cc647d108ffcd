"""Oxapay's v1 merchant API as a payment provider (SPEC §6.2), on httpx.

What we rely on (docs.oxapay.com, v1):
- `POST /payment/invoice` with the `merchant_api_key` header answers `data.track_id`,
  `data.payment_url` and `data.expired_at` (unix seconds); `lifetime` is 15–2880 minutes.
- `GET /payment/{track_id}` answers the invoice: `track_id, amount, currency, status, order_id,
  fee_paid_by_payer, txs[]`. Callbacks POST the same invoice, with `value` per transaction.
- Every answer is an envelope `{data, message, error: {type, key, message} | {}, status, version}`
  whose `status` is 200 on success; a failure may come in a 2xx, so the envelope decides.

The received amount is the sum of `value` (the payment's worth in USD, our invoice currency)
over the transactions Oxapay calls `confirmed`; see `_received` for the cases without one.
The merchant key only travels in its header: logs carry method, path, status and duration.

Reading is not judging. A callback or status answer that cannot be an invoice report is a
ValueError (the callback route answers 400; a poll reads it as PaymentUnavailable and asks
again next round): not JSON, no track_id or currency, an unknown status, an amount that is not
a finite, non-negative number of at most `MAX_CENTS` cents (NaN, Infinity, 1e400, 10**30,
exponents Decimal cannot hold), or `txs` that is not a list. Anything else is read, however
odd: a currency other than the invoice's or more than the invoice asked for is a report
services/topups.py records and holds for the operator, and the route answers `ok`, since a
retry would carry the same numbers. Amounts are Decimals from the JSON text, never floats.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx

from shipbot.domain.payments import MAX_CENTS
from shipbot.providers.payments import signing
from shipbot.providers.payments.base import (
    CreatedInvoice,
    InvoiceRequest,
    InvoiceState,
    PaymentRejected,
    PaymentStatus,
    PaymentUnavailable,
)

log = logging.getLogger(__name__)

LIFETIME_MINUTES = (15, 2880)  # Oxapay refuses an invoice lifetime outside this range
_CONNECT_TIMEOUT = 5.0  # a host that does not accept a connection in 5 s will not answer at 15
_MAX_MESSAGE = 300
_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal(MAX_CENTS).scaleb(-2)  # exact: 19 digits, within Decimal's 28
_CURRENCY = re.compile(r"[A-Z0-9]{2,10}")  # USD, USDT, BTC; keeps the review reason short


class _Secret:
    """Holds the merchant key so that no repr, traceback local or vars() dump shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<redacted>"


class OxapayPayments:
    """`fee_paid_by_payer` defaults to False: the user pays exactly the top-up and we absorb
    Oxapay's fee. `under_paid_coverage` (0–60 %) defaults to 0: a short payment is reported
    `underpaid` rather than `paid`; either way we credit what was received. Both are sent on
    every invoice, so the merchant's dashboard settings cannot silently change them.
    """

    def __init__(
        self,
        merchant_key: str,
        *,
        base_url: str = "https://api.oxapay.com/v1",
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sandbox: bool = False,
        fee_paid_by_payer: bool = False,
        under_paid_coverage: Decimal | int = 0,
    ) -> None:
        if not merchant_key.strip():
            raise ValueError("the Oxapay merchant key is empty")
        if not 0 <= Decimal(under_paid_coverage) <= 60:
            raise ValueError("under_paid_coverage must be between 0 and 60 (percent)")
        self._key = _Secret(merchant_key.strip())
        self._sandbox = sandbox
        self._fee_paid_by_payer = fee_paid_by_payer
        self._under_paid_coverage = Decimal(under_paid_coverage)
        self._client = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, _CONNECT_TIMEOUT)),
            headers={"Accept": "application/json"},
        )

    def __repr__(self) -> str:
        base = str(self._client.base_url)
        return f"OxapayPayments(base_url={base!r}, sandbox={self._sandbox}, key=<redacted>)"

    async def close(self) -> None:
        await self._client.aclose()

    async def create_invoice(self, request: InvoiceRequest) -> CreatedInvoice:
        if request.amount_cents <= 0:
            raise ValueError("an invoice amount must be positive")
        low, high = LIFETIME_MINUTES  # clamped, not refused: the expiry shown is Oxapay's own
        body: dict[str, Any] = {
            "amount": _number(Decimal(request.amount_cents) / 100),
            "currency": request.currency.upper(),
            "lifetime": min(max(request.lifetime_minutes, low), high),
            "fee_paid_by_payer": int(self._fee_paid_by_payer),
            "under_paid_coverage": _number(self._under_paid_coverage),
            "callback_url": request.callback_url,
            "order_id": request.order_id,
            "sandbox": self._sandbox,
        }
        if request.return_url:
            body["return_url"] = request.return_url
        if request.description:
            body["description"] = request.description
        data = await self._call("POST", "/payment/invoice", body)
        track_id, url = _text(data.get("track_id")), _text(data.get("payment_url"))
        try:
            expires_at = datetime.fromtimestamp(int(data["expired_at"]), UTC)
        except (KeyError, TypeError, ValueError, OverflowError):
            expires_at = None
        if not track_id or not url or expires_at is None:
            raise PaymentUnavailable("Oxapay's answer lacked the invoice's id, link or expiry.")
        return CreatedInvoice(track_id=track_id, payment_url=url, expires_at=expires_at)

    async def invoice_state(self, track_id: str) -> InvoiceState:
        if not track_id.strip():
            raise ValueError("a track_id is required")
        data = await self._call("GET", f"/payment/{quote(track_id.strip(), safe='')}")
        try:
            state = _state(data)
        except ValueError as exc:
            raise PaymentUnavailable(f"Oxapay sent an invoice we could not read: {exc}") from exc
        if state.track_id != track_id.strip():
            raise PaymentUnavailable("Oxapay answered about another invoice.")
        return state

    async def accepted_currencies(self) -> list[str]:
        """What payers may pay in; a cheap call that proves the merchant key works."""
        data = await self._call("GET", "/payment/accepted-currencies")
        currencies = data.get("list")
        if not isinstance(currencies, list):
            raise PaymentUnavailable("Oxapay sent an answer we could not read.")
        return [str(currency) for currency in currencies]

    def verify_callback(self, raw_body: bytes, signature: str | None) -> bool:
        return signing.verify(raw_body, self._key.value, signature)

    def parse_callback(self, raw_body: bytes) -> InvoiceState:
        try:
            data = _loads(raw_body)
        except ValueError as exc:
            raise ValueError(f"the callback is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError("the callback is not a JSON object")
        if str(data.get("type", "")).lower() == "payout":
            raise ValueError("a payout callback, not a payment")
        return _state(data)

    async def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        started, outcome = time.perf_counter(), "failed"
        try:
            response = await self._client.request(
                method, path, json=body, headers={"merchant_api_key": self._key.value}
            )
            outcome = str(response.status_code)
        except httpx.TransportError as exc:  # timeouts included
            outcome = f"failed ({type(exc).__name__})"
            late = isinstance(exc, httpx.TimeoutException)
            message = "Oxapay did not answer in time." if late else "Oxapay could not be reached."
            raise PaymentUnavailable(message) from exc
        finally:
            ms = (time.perf_counter() - started) * 1000
            log.info("oxapay %s %s -> %s in %.0f ms", method, path, outcome, ms)
        return self._data(response)

    def _data(self, response: httpx.Response) -> dict[str, Any]:
        try:
            answer = _loads(response.content)
        except ValueError:
            answer = None
        envelope = answer if isinstance(answer, dict) else {}
        status = response.status_code
        if response.is_success:  # a 2xx can still carry a failure in its envelope
            status = _int(envelope.get("status")) or status
            if envelope.get("error") and status < 300:
                status = 400
        if status < 300:
            if not isinstance(envelope.get("data"), dict):
                raise PaymentUnavailable("Oxapay sent an answer we could not read.")
            return envelope["data"]
        error = envelope.get("error")
        detail = error.get("message") if isinstance(error, dict) else None
        text = " ".join(str(detail or envelope.get("message") or "").split())
        text = text.replace(self._key.value, "<redacted>")  # should Oxapay ever echo it
        message = text[:_MAX_MESSAGE] or f"Oxapay answered HTTP {status}."
        if 400 <= status < 500 and status not in (408, 429):
            raise PaymentRejected(message)
        raise PaymentUnavailable(message)  # 5xx, 408, 429: worth trying again


def _state(data: dict[str, Any]) -> InvoiceState:
    """An invoice (status answer or callback) as an InvoiceState; ValueError if it is not one."""
    track_id = _text(data.get("track_id"))
    if not track_id:
        raise ValueError("no track_id")
    raw_status = data.get("status")
    try:
        status = PaymentStatus.parse(raw_status)  # type: ignore[arg-type]
    except (AttributeError, ValueError):
        raise ValueError(f"unknown payment status {raw_status!r}") from None
    currency = _text(data.get("currency")).upper()
    if not currency:
        raise ValueError("no currency")
    if not _CURRENCY.fullmatch(currency):
        raise ValueError(f"currency {currency[:20]!r} is not a currency code")
    amount = _decimal(data.get("amount"), "amount")
    return InvoiceState(
        track_id=track_id,
        order_id=_text(data.get("order_id")) or None,
        status=status,
        amount_cents=_cents(amount, "amount"),
        received_cents=_cents(_received(data, status, amount), "the received amount"),
        currency=currency,
    )


def _received(data: dict[str, Any], status: PaymentStatus, amount: Decimal) -> Decimal:
    if status is PaymentStatus.MANUAL_ACCEPT:
        return amount  # the merchant accepted the invoice as paid in full, in Oxapay's panel
    txs = data.get("txs") or []
    if not isinstance(txs, list):
        raise ValueError("txs is not a list")
    txs = [tx for tx in txs if isinstance(tx, dict)]
    if any("value" in tx for tx in txs):  # callbacks: only confirmed transactions count
        confirmed = [tx for tx in txs if str(tx.get("status", "")).strip().lower() == "confirmed"]
        received = sum((_decimal(tx.get("value"), "txs.value") for tx in confirmed), Decimal(0))
    elif not txs and "value" in data:
        received = _decimal(data["value"], "value")
    elif status is PaymentStatus.PAID:
        received = amount  # the status answer gives crypto amounts only; `paid` means in full
    elif status is PaymentStatus.UNDERPAID and txs:
        raise ValueError("an underpayment reported without its value; the callback carries it")
    else:
        received = Decimal(0)
    if _flag(data.get("fee_paid_by_payer")):
        received = min(received, amount)  # the excess is the payer's share of Oxapay's fee
    return received


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ValueError(f"{field} is not a number")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{field} is not a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{field} is not a valid amount")
    return number


def _cents(amount: Decimal, field: str) -> int:
    # Checked before quantize, which cannot hold 1e400 in 28 digits; a sum of many values
    # is checked here too.
    if amount > _MAX_AMOUNT:
        raise ValueError(f"{field} is beyond any payment")
    return int(amount.quantize(_CENT, rounding=ROUND_HALF_UP) * 100)


def _number(value: Decimal) -> int | float:
    # json cannot write a Decimal. A float's repr is the shortest text that reads back as it,
    # which for two decimals and far fewer than 15 digits is exactly these digits: 12.34.
    return int(value) if value == value.to_integral_value() else float(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    try:
        return Decimal(str(value)) > 0
    except InvalidOperation:  # None, "", "NaN"
        return False


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, ArithmeticError):
        return None


def _text(value: Any) -> str:
    ok = isinstance(value, str | int) and not isinstance(value, bool)
    return str(value).strip() if ok else ""


def _loads(raw: bytes) -> Any:
    """JSON with its numbers as Decimals; ValueError for anything that is not readable JSON."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_no_constant)
    except ArithmeticError:  # an exponent Decimal cannot hold, such as 1e99999999999999999999
        raise ValueError("a number beyond any amount") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")
