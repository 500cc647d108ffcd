"""The sandbox payment provider (SPEC §6.2, §7), chosen only by PAYMENT_PROVIDER=sandbox.

Each invoice gets a local payment page (shipbot.sandbox.payments_page) whose buttons call
`settle`, which sends an Oxapay-shaped callback signed with the sandbox merchant key exactly as
Oxapay signs with a merchant key, so the bot's real callback endpoint does the crediting. The
key is SANDBOX_MERCHANT_KEY or random per process: none is written in the source.

Invoices live in the bot's database (table sandbox_invoices), as Oxapay keeps its own: they
survive a restart, and any replica serves the page of an invoice another one created.
`invoice_state` of an unknown track_id raises PaymentRejected("unknown invoice"), as Oxapay
refuses an invoice it does not know.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from shipbot.db.database import Database
from shipbot.db.models import SandboxInvoiceRecord
from shipbot.providers.payments import signing
from shipbot.providers.payments.base import (
    CreatedInvoice,
    InvoiceRequest,
    InvoiceState,
    PaymentRejected,
    PaymentStatus,
)
from shipbot.providers.payments.oxapay import LIFETIME_MINUTES, OxapayPayments

log = logging.getLogger(__name__)

OUTCOMES = {
    "pay": PaymentStatus.PAID,
    "pay_less": PaymentStatus.UNDERPAID,
    "expire": PaymentStatus.EXPIRED,
}
# Oxapay capitalises the statuses of its callbacks.
_CALLBACK_STATUS = {status: status.value.capitalize() for status in OUTCOMES.values()}
_RETRY_DELAYS = (0.5, 1.0, 2.0)  # four attempts in all, a few seconds at most
NO_ANSWER = 0  # settle's status when the callback URL never answered


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SandboxInvoice:
    """An invoice as read from its row, for the page to show."""

    track_id: str
    order_id: str
    amount_cents: int
    currency: str
    description: str
    callback_url: str
    return_url: str | None
    expires_at: datetime
    status: PaymentStatus
    received_cents: int
    settled: bool
    callback_status: int | None  # the last answer to the settle's callback

    @classmethod
    def from_record(cls, record: SandboxInvoiceRecord) -> SandboxInvoice:
        return cls(
            track_id=record.track_id,
            order_id=record.order_id,
            amount_cents=record.amount_cents,
            currency=record.currency,
            description=record.description,
            callback_url=record.callback_url,
            return_url=record.return_url,
            expires_at=record.expires_at,
            status=PaymentStatus(record.status),
            received_cents=record.received_cents,
            settled=record.settled,
            callback_status=record.callback_status,
        )


class SandboxPayments:
    def __init__(
        self,
        database: Database,
        *,
        public_base_url: str,
        merchant_key: str,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = _utc_now,
        retry_delays: Sequence[float] = _RETRY_DELAYS,
    ) -> None:
        self._database = database
        self._base_url = public_base_url.rstrip("/")
        self._key = merchant_key
        self._clock = clock
        self._retry_delays = tuple(retry_delays)
        # Only its parse_callback is used, so both providers hold callbacks to one contract;
        # its HTTP client never sends anything.
        self._oxapay = OxapayPayments(merchant_key)
        self._client = httpx.AsyncClient(transport=transport, timeout=10.0)

    def __repr__(self) -> str:
        return f"SandboxPayments(public_base_url={self._base_url!r})"

    async def close(self) -> None:
        await self._client.aclose()
        await self._oxapay.close()

    async def create_invoice(self, request: InvoiceRequest) -> CreatedInvoice:
        if request.amount_cents <= 0:
            raise ValueError("an invoice amount must be positive")
        low, high = LIFETIME_MINUTES  # clamped like Oxapay, so both show the same expiry
        lifetime = min(max(request.lifetime_minutes, low), high)
        now = self._clock()
        expires_at = now + timedelta(minutes=lifetime)
        track_id = f"sbx-{secrets.token_hex(8)}"
        async with self._database.transaction() as session:
            session.add(
                SandboxInvoiceRecord(
                    track_id=track_id,
                    order_id=request.order_id,
                    amount_cents=request.amount_cents,
                    currency=request.currency.upper(),
                    description=request.description,
                    callback_url=request.callback_url,
                    return_url=request.return_url,
                    expires_at=expires_at,
                    status=PaymentStatus.WAITING.value,
                    created_at=now,
                )
            )
        url = f"{self._base_url}/sandbox/pay/{track_id}"
        return CreatedInvoice(track_id=track_id, payment_url=url, expires_at=expires_at)

    async def invoice(self, track_id: str) -> SandboxInvoice:
        """The invoice as of now: one left waiting past its expiry reads EXPIRED."""
        async with self._database.sessions() as session:
            record = await session.get(SandboxInvoiceRecord, track_id)
            if record is None:
                raise PaymentRejected("unknown invoice")
            invoice = SandboxInvoice.from_record(record)
        if invoice.status is PaymentStatus.WAITING and self._clock() >= invoice.expires_at:
            return replace(invoice, status=PaymentStatus.EXPIRED)
        return invoice

    async def invoice_state(self, track_id: str) -> InvoiceState:
        invoice = await self.invoice(track_id)
        return InvoiceState(
            track_id=invoice.track_id,
            order_id=invoice.order_id or None,
            status=invoice.status,
            amount_cents=invoice.amount_cents,
            received_cents=invoice.received_cents,
            currency=invoice.currency,
        )

    async def accepted_currencies(self) -> list[str]:
        return ["SANDBOX"]

    def verify_callback(self, raw_body: bytes, signature: str | None) -> bool:
        return signing.verify(raw_body, self._key, signature)

    def parse_callback(self, raw_body: bytes) -> InvoiceState:
        return self._oxapay.parse_callback(raw_body)

    async def settle(self, track_id: str, outcome: str) -> int:
        """Pay, underpay or expire the invoice and send its signed callback.

        Retries, like Oxapay, until the answer is HTTP 200 with body "ok"; returns the last
        HTTP status (NO_ANSWER if there was none). ValueError for an unknown outcome, an
        invoice already settled, or a payment after the expiry (Oxapay would not take it).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        invoice = await self.invoice(track_id)
        if invoice.settled:
            raise ValueError("the invoice is already settled")
        status = OUTCOMES[outcome]
        if invoice.status is PaymentStatus.EXPIRED and status is not PaymentStatus.EXPIRED:
            raise ValueError("the invoice has expired")
        paid = {
            PaymentStatus.PAID: invoice.amount_cents,
            PaymentStatus.UNDERPAID: max(invoice.amount_cents // 2, 1),
        }.get(status, 0)
        # One conditional UPDATE claims the invoice, so of two settles, in one process or in
        # two, only one gets past it.
        async with self._database.write_transaction() as session:
            claimed = await session.execute(
                update(SandboxInvoiceRecord)
                .where(
                    SandboxInvoiceRecord.track_id == track_id,
                    SandboxInvoiceRecord.settled.is_(False),
                )
                .values(status=status.value, received_cents=paid, settled=True)
            )
        if claimed.rowcount != 1:
            raise ValueError("the invoice is already settled")
        invoice = replace(invoice, status=status, received_cents=paid, settled=True)
        # Sent outside any transaction: the bot's callback endpoint, maybe in this very process,
        # writes to this database.
        answer = await self._deliver(invoice, _callback_body(invoice, self._clock()))
        async with self._database.write_transaction() as session:
            await session.execute(
                update(SandboxInvoiceRecord)
                .where(SandboxInvoiceRecord.track_id == track_id)
                .values(callback_status=answer)
            )
        return answer

    async def _deliver(self, invoice: SandboxInvoice, body: bytes) -> int:
        headers = {"Content-Type": "application/json", "HMAC": signing.sign(body, self._key)}
        answer = NO_ANSWER
        for attempt, delay in enumerate((*self._retry_delays, None), start=1):
            try:
                response = await self._client.post(
                    invoice.callback_url, content=body, headers=headers
                )
            except httpx.TransportError as exc:
                answer, outcome = NO_ANSWER, f"failed ({type(exc).__name__})"
            else:
                answer, outcome = response.status_code, str(response.status_code)
                if answer == 200 and response.text.strip() == "ok":
                    log.info("sandbox callback %s -> 200 ok", invoice.track_id)
                    return answer
            log.warning("sandbox callback %s attempt %d -> %s", invoice.track_id, attempt, outcome)
            if delay is not None:
                await asyncio.sleep(delay)
        return answer


def _callback_body(invoice: SandboxInvoice, now: datetime) -> bytes:
    """The fields of an Oxapay invoice callback that OxapayPayments.parse_callback reads."""
    paid = _dollars(invoice.received_cents)
    date = int(now.timestamp())
    txs = []
    if invoice.received_cents:  # an expired invoice has no transaction
        tx_hash = f"sandbox-{invoice.track_id}"
        txs.append({"status": "confirmed", "tx_hash": tx_hash, "value": paid, "date": date})
    data: dict[str, Any] = {
        "track_id": invoice.track_id,
        "status": _CALLBACK_STATUS[invoice.status],
        "type": "invoice",
        "amount": _dollars(invoice.amount_cents),
        "value": paid,
        "currency": invoice.currency,
        "order_id": invoice.order_id,
        "fee_paid_by_payer": 0,
        "date": date,
        "txs": txs,
    }
    return json.dumps(data).encode()


def _dollars(cents: int) -> int | float:
    # As Oxapay writes numbers; two decimals print back exactly from a float (1250 → 12.5).
    return cents // 100 if cents % 100 == 0 else cents / 100
