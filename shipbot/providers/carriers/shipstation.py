"""ShipStation API v2 as a carrier provider (SPEC §6.1), on httpx.

Retry policy: reads (carriers, rates, tracking, the label list, the label PDF) are retried up to
`max_read_retries` times on 429 (after its Retry-After), 5xx, timeouts and connection failures.
Writes (buying and voiding a label) are sent exactly once: a retry after a success we did not
see would buy a second label, or report an already voided label as "refused".

The API key only ever travels in the API-Key header to the API's own host; it is kept out of
logs (we log method, path, status, duration and request_id, never headers or query strings),
exception messages and reprs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote as quote_segment

import httpx

from shipbot.domain.address import Address
from shipbot.providers.carriers.base import (
    AuthenticationFailed,
    CarrierAccount,
    CarrierError,
    CarrierService,
    CarrierUnavailable,
    CheckedAddress,
    InvalidAddress,
    LabelDownloadFailed,
    NoRates,
    PurchasedLabel,
    PurchaseStateUnknown,
    Rate,
    RateLimited,
    Shipment,
    Tracking,
    TrackingEvent,
    UnknownCarrierError,
    VoidResult,
)

log = logging.getLogger(__name__)

_CONNECT_TIMEOUT = 5.0  # a host that does not accept a connection in 5 s will not answer at 15
_BACKOFF = 0.5  # first wait before retrying a read after a 5xx or a network failure; doubles
_MAX_RETRY_AFTER = 30.0  # a longer Retry-After is not worth holding a user's rates screen for
_MAX_REDIRECTS = 3
_MAX_MESSAGE = 300
_HUNDREDTH = Decimal("0.01")
_CHARGES = ("shipping_amount", "insurance_amount", "confirmation_amount", "other_amount")
# What an error about the address the user typed mentions (by message or by field name).
_ADDRESS_TEXT = re.compile(
    r"address|postal|\bzip|\bcity\b|city_locality|state_province|\bstreet\b|phone|ship_(to|from)"
)
_LABEL_OPTIONS = {"label_format": "pdf", "label_layout": "4x6", "label_download_type": "url"}
# Tracking codes -> Tracking.status. The v2 document's status_code and status_detail_code take
# the long codes (its tracking_status_detail_code enum, every value listed here); the API has
# also answered status_code in two letters. "exception" is whatever needs the user's eye:
# a failed attempt, a parcel held, damaged, refused or coming back, one to collect.
_TRACKING_CODES = {
    "label_created": (
        "UN", "NY", "AWAITING_DESPATCH", "COLLECTION_REQUESTED", "COLLECTION_FAILED",
        "ELEC_ADVICE_RECD_BY_CARRIER", "AWAITING_ELECTRONIC_ADVICE",
        "NOT_YET_RECEIVED_BY_CARRIER",
    ),
    "in_transit": (
        "AC", "IT", "DESPATCHED", "COLLECTION_MADE", "RECEIVED_BY_CARRIER",
        "RECD_BY_CARRIER_NO_ELEC_ADVICE", "IN_TRANSIT", "HUB_SCAN_OUT",
        "RECEIVED_LOCAL_DELIVERY_DEPOT", "SUB_CONTRACTOR_EVENT", "SUB_CONTRACTOR_RECEIVED",
        "CUSTOMS_CLEARED", "CUSTOMS_PROCESSING", "CARRIER_DELAYS", "DELAYED_NOT_CARRIER",
        "DELIVERY_ARRANGED_WITH_RECIPIENT", "INFORMATION", "PARCEL_OVER_LABELLED",
        "PARCEL_REPACKED", "PARCEL_UPDATE_NOTIFICATION_VIA_EMAIL",
        "PARCEL_UPDATE_NOTIFICATION_VIA_SMS", "COD_AMOUNT_PAID", "CARRIER_STATUS_NOT_MAPPED",
    ),
    "out_for_delivery": ("OUT_FOR_DELIVERY",),
    "delivered": (
        "DE", "SP", "DELIVERED", "DELIVERED_SPECIFIED_SAFE_PLACE",
        "DELIVERED_TO_ALTERNATIVE_DELIVERY_LOCATION", "DELIVERED_TO_NEIGHBOUR",
        "DELIVERED_TO_PO_BOX", "PARCEL_COLLECTED_FROM_PICKUP_POINT", "PROOF_OF_DELIVERY",
        "POST_TRANSIT_STATUS",
    ),
    "exception": (
        "EX", "AT", "ATTEMPTED_DELIVERY", "ATTEMPTED_DELIVERY_2ND", "ATTEMPTED_DELIVERY_3RD",
        "CUSTOMER_CARDED", "COD_AMOUNT_NOT_PAID", "CUSTOMER_IDENTIFICATION_FAILED",
        "INVALID_METHOD_OF_PAYMENT", "NO_ACCESS_TO_RECIPIENTS_ADDRESS", "ADDRESS_QUERY",
        "DELIVERED_DAMAGED", "DELIVERED_IN_PART", "DELIVERED_TO_LOCKER_COLLECTION_POINT",
        "AWAITING_COLLECTION_FROM_PICKUP_POINT", "COLLECT_AT_LOCAL_PO",
        "CUSTOMER_TO_COLLECT_FROM_CARRIER", "NOT_COLLECTED_FROM_PICKUP_POINT", "CANCELLED",
        "CANCELLED_BEFORE_DESPATCH", "CUSTOMER_MOVED", "HAZARDOUS_PROHIBITED",
        "NOT_DELIVERED", "NOT_DELIVERED_ADDRESSEE_DECEASED", "PARCEL_DAMAGED",
        "PARCEL_DISPOSED", "PARCEL_LOST", "PARCEL_OUTSIDE_OF_SERVICE_CAPABILITY",
        "REFUSED_BY_CUSTOMER", "RETURN_TO_SENDER", "HELD_BY_CARRIER",
        "HELD_BY_CARRIER_FOR_CLEARANCE_PRE_PROCESSING", "HELD_BY_CUSTOMS",
        "HELD_BY_EXPORT_CUSTOMS", "HELD_BY_IMPORT_CUSTOMS", "INCORRECT_DECLARATION",
        "MISSORTED", "ROUTING_ERROR",
    ),
}  # fmt: skip
_TRACKING_STATUS = {code: status for status, codes in _TRACKING_CODES.items() for code in codes}
# Failures raised before a byte of the request left: a purchase that hit one bought nothing.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Secret:
    """Holds the API key so that no repr, traceback local or vars() dump shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<redacted>"


class ShipStationCarrier:
    def __init__(
        self,
        api_key: str,
        *,
        shipper_phone: str,
        base_url: str = "https://api.shipstation.com/v2",
        timeout: float = 15.0,
        carriers_ttl: float = 3600.0,
        transport: httpx.AsyncBaseTransport | None = None,
        max_read_retries: int = 2,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not api_key.strip():
            raise ValueError("the ShipStation API key is empty")
        if not (shipper_phone or "").strip():
            raise ValueError("a shipper phone is required: ShipStation needs one on every address")
        self._key = _Secret(api_key.strip())
        self._phone = shipper_phone.strip()
        connect = min(timeout, _CONNECT_TIMEOUT)
        self._timeout = httpx.Timeout(timeout, connect=connect)
        # The purchase waits on the carrier itself, and an abandoned one costs a reconciliation.
        self._purchase_timeout = httpx.Timeout(2 * timeout, connect=connect)
        self._client = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=self._timeout,
            headers={"Accept": "application/json"},
        )
        self._carriers_ttl = carriers_ttl
        self._max_read_retries = max_read_retries
        self._sleep = sleep
        self._services: list[CarrierService] = []
        self._services_at = -float("inf")
        self._services_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ShipStationCarrier(base_url={str(self._client.base_url)!r}, api_key=<redacted>)"

    async def close(self) -> None:
        await self._client.aclose()

    async def list_services(self) -> list[CarrierService]:
        async with self._services_lock:  # one refresh for concurrent quotes, not one each
            if time.monotonic() - self._services_at >= self._carriers_ttl:
                data = _json(await self._read("GET", "/carriers"))
                self._services = [s for c in data.get("carriers") or [] for s in _services(c)]
                self._services_at = time.monotonic()
            return list(self._services)

    async def list_carrier_accounts(self) -> list[CarrierAccount]:
        data = _json(await self._read("GET", "/carriers"))
        return [_account(c) for c in data.get("carriers") or [] if isinstance(c, dict)]

    async def quote(self, shipment: Shipment) -> list[Rate]:
        services = await self.list_services()
        names = {s.carrier_id: s.carrier_name for s in services}
        rate_options = {"carrier_ids": _carrier_ids(services)}
        body = {"rate_options": rate_options, "shipment": _shipment(shipment, self._phone)}
        answer = _json(await self._read("POST", "/rates", body)).get("rate_response") or {}
        rates = [r for r in (_rate(raw, names) for raw in answer.get("rates") or []) if r]
        errors = answer.get("errors") or []
        if rates:
            if errors:  # a partial answer: some carriers failed, the others still priced it
                log.warning("shipstation rates came with errors: %s", _message(errors))
            return rates
        if errors:
            raise _error_from(errors)
        raise NoRates(
            _message(_invalid_rate_errors(answer)) or "No service can carry this shipment."
        )

    async def check_recipient(self, shipment: Shipment) -> CheckedAddress:
        """v2 has no address validation endpoint: a rates request with `validate_and_clean`
        validates the ship_to and answers with the shipment, its ship_to cleaned."""
        body = {
            "rate_options": {"carrier_ids": _carrier_ids(await self.list_services())},
            "shipment": {
                **_shipment(shipment, self._phone),
                "validate_address": "validate_and_clean",
            },
        }
        return _checked_recipient(_json(await self._read("POST", "/rates", body)), shipment.ship_to)

    async def buy_label(self, rate: Rate, shipment: Shipment) -> PurchasedLabel:
        path = f"/labels/rates/{quote_segment(rate.rate_id, safe='')}"
        try:  # sent once: see the module docstring
            response = await self._send("POST", path, _LABEL_OPTIONS, self._purchase_timeout)
            data = _json(response)  # unreadable after a 2xx: bought, most likely
        except CarrierUnavailable as exc:
            if isinstance(exc.__cause__, _NOT_SENT):
                raise CarrierUnavailable(
                    "ShipStation could not be reached; nothing was bought."
                ) from exc
            raise PurchaseStateUnknown(
                "ShipStation did not confirm the purchase; its state is unknown until checked."
            ) from exc
        return await self._bought(data, rate)

    async def find_label(self, rate: Rate, shipment: Shipment) -> PurchasedLabel | None:
        """The label bought with this rate, looked up by the list's `rate_id` filter; None when
        there is none, or only voided or failed ones (nothing was sold). Anything that does not
        settle it one way or the other raises PurchaseStateUnknown: the order is left as it is.
        """
        url = httpx.URL("/labels", params={"rate_id": rate.rate_id})
        data = _json(await self._read("GET", url))
        labels = [label for label in data.get("labels") or [] if isinstance(label, dict)]
        sold = [x for x in labels if x.get("status") == "completed" and x.get("voided") is not True]
        if doubt := _doubt(data, labels, sold, rate):
            raise PurchaseStateUnknown(f"ShipStation on rate {rate.rate_id}: {doubt}")
        return await self._bought(sold[0], rate) if sold else None

    async def void_label(self, label_id: str) -> VoidResult:
        path = f"/labels/{quote_segment(label_id, safe='')}/void"
        data = _json(await self._send("PUT", path))
        approved = data.get("approved") is True
        return VoidResult(approved=approved, message=_clean(data.get("message")))

    async def _bought(self, data: dict[str, Any], rate: Rate) -> PurchasedLabel:
        """A bought label (a label object of the API) with its PDF, downloaded now."""
        label_id, tracking = str(data.get("label_id") or ""), str(data.get("tracking_number") or "")
        url = (data.get("label_download") or {}).get("pdf") or ""
        try:
            pdf = await self._download(url) if url else b""
        except CarrierError as exc:
            raise LabelDownloadFailed(
                f"Label bought, PDF not fetched: {exc.message}", label_id, tracking
            ) from exc
        if not pdf.startswith(b"%PDF"):
            raise LabelDownloadFailed("Label bought, but no PDF came with it.", label_id, tracking)
        costs = (data.get("shipment_cost"), data.get("insurance_cost"))
        cost = sum(_cents(money, strict=False) or 0 for money in costs)
        return PurchasedLabel(label_id, tracking, rate.service, cost, pdf)

    async def track(self, label_id: str) -> Tracking:
        data = _json(await self._read("GET", f"/labels/{quote_segment(label_id, safe='')}/track"))
        events = sorted(
            filter(None, map(_event, data.get("events") or [])),
            key=lambda e: e.occurred_at,
            reverse=True,
        )
        description = _clean(data.get("status_description"))
        # The detail code is the more specific (DELIVERED_DAMAGED beside a plain "delivered").
        codes = [str(data.get(k) or "").upper() for k in ("status_detail_code", "status_code")]
        codes = [code for code in codes if code] or ["UN"]  # no code yet: not scanned yet
        status = next((_TRACKING_STATUS[c] for c in codes if c in _TRACKING_STATUS), "in_transit")
        hints = [data.get("carrier_status_description"), description]
        hints += [e.description for e in events[:1]]
        if status == "in_transit" and any("out for delivery" in str(h).lower() for h in hints):
            status = "out_for_delivery"
        return Tracking(
            tracking_number=str(data.get("tracking_number") or ""),
            status=status,
            status_description=description,
            events=tuple(events),
            estimated_delivery=_date(data.get("estimated_delivery_date")),
        )

    # --- HTTP ---------------------------------------------------------------------------------

    async def _read(self, method: str, url: str | httpx.URL, body: Any = None) -> httpx.Response:
        return await self._send(method, url, body, retries=self._max_read_retries)

    async def _send(
        self,
        method: str,
        url: str | httpx.URL,
        body: Any = None,
        timeout: httpx.Timeout | None = None,
        *,
        retries: int = 0,
    ) -> httpx.Response:
        """One call, retried `retries` times when that is safe; failures as CarrierErrors."""
        for attempt in range(retries + 1):
            try:
                response = await self._exchange(method, url, body, timeout or self._timeout)
            except httpx.TransportError as exc:
                if attempt == retries:
                    raise CarrierUnavailable(_network_message(exc)) from exc
                await self._sleep(_BACKOFF * 2**attempt)
                continue
            if response.is_success or response.is_redirect:
                return response
            error = _error_for(response)
            wait = _retry_wait(error, attempt)
            if attempt == retries or wait is None:
                raise error
            args = (method, _path(url), response.status_code, attempt + 1, retries, wait)
            log.warning("shipstation %s %s: HTTP %s, retry %d of %d in %.1f s", *args)
            await self._sleep(wait)
        raise AssertionError("unreachable")

    async def _exchange(
        self, method: str, url: str | httpx.URL, body: Any, timeout: httpx.Timeout
    ) -> httpx.Response:
        # The key goes to the API's own host only: never to a label storage host.
        headers = {"API-Key": self._key.value} if self._is_api(url) else {}
        started, outcome, request_id = time.perf_counter(), "failed", "-"
        try:
            response = await self._client.request(
                method, url, json=body, headers=headers, timeout=timeout
            )
            outcome = str(response.status_code)
            request_id = (response.is_error and _envelope(response)[0]) or "-"
            return response
        except httpx.TransportError as exc:
            outcome = f"failed ({type(exc).__name__})"
            raise
        finally:
            ms = (time.perf_counter() - started) * 1000
            args = (method, _path(url), outcome, ms, request_id)
            log.info("shipstation %s %s -> %s in %.0f ms request_id=%s", *args)

    async def _download(self, url: str) -> bytes:
        """GETs the label PDF, following redirects by hand so the key never follows them."""
        target = httpx.URL(url)
        for _ in range(_MAX_REDIRECTS + 1):
            response = await self._read("GET", target)
            if not response.is_redirect:
                return response.content
            target = target.join(response.headers.get("location", ""))
        raise CarrierUnavailable("The label download redirected too many times.")

    def _is_api(self, url: str | httpx.URL) -> bool:
        url, base = httpx.URL(url), self._client.base_url
        same_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
        return url.is_relative_url or same_origin


def _carrier_ids(services: list[CarrierService]) -> list[str]:
    carrier_ids = list(dict.fromkeys(s.carrier_id for s in services))
    if not carrier_ids:
        raise UnknownCarrierError("No carrier account is connected to ShipStation.")
    return carrier_ids


# --- request bodies ---------------------------------------------------------------------------


def _number(value: Decimal) -> int | float:
    """A Decimal as a JSON number with exactly its digits: 12.50 -> 12.5, 16.00 -> 16.

    Rounded up to the hundredth first (a carrier must never see a lighter or smaller parcel);
    a float with so few digits prints back exactly, since repr() is the shortest round trip."""
    value = Decimal(value).quantize(_HUNDREDTH, rounding=ROUND_CEILING)
    return int(value) if value == value.to_integral_value() else float(value)


def _address(address: Address, residential: str, shipper_phone: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": address.name,
        "phone": address.phone or shipper_phone,  # required, non-empty: ours if none was given
        "address_line1": address.street1,
        "city_locality": address.city,
        "state_province": address.state,
        "postal_code": address.zip,
        "country_code": "US",
        "address_residential_indicator": residential,
    }
    if address.company:
        body["company_name"] = address.company
    if address.street2:
        body["address_line2"] = address.street2
    return body


def _shipment(shipment: Shipment, shipper_phone: str) -> dict[str, Any]:
    dims = shipment.dimensions
    # Origin residential status does not change US rates; we only know it for a named company.
    sender = "no" if shipment.ship_from.company else "unknown"
    recipient = "yes" if shipment.residential else "no"
    return {
        # Required by the document and nullable: none chosen, rate_options.carrier_ids decide.
        "carrier_id": None,
        "service_code": None,
        "ship_from": _address(shipment.ship_from, sender, shipper_phone),
        "ship_to": _address(shipment.ship_to, recipient, shipper_phone),
        "packages": [
            {
                "weight": {"value": _number(shipment.ounces), "unit": "ounce"},
                "dimensions": {
                    "unit": "inch",
                    "length": _number(dims.length),
                    "width": _number(dims.width),
                    "height": _number(dims.height),
                },
            }
        ],
    }


# --- answers ----------------------------------------------------------------------------------


_RESIDENTIAL = {"yes": True, "no": False}


def _checked_recipient(answer: dict[str, Any], sent: Address) -> CheckedAddress:
    """The cleaned ship_to of a validating rates answer: its `address_validation` result when
    the answer has one (its matched address, or InvalidAddress with its messages on "error"),
    else the answer's ship_to. The name and phone stay the user's: validation is about where."""
    validation = answer.get("address_validation") or {}
    if validation.get("status") == "error":
        messages = [m for m in validation.get("messages") or [] if isinstance(m, dict)]
        raise InvalidAddress(_message(messages) or "The carrier could not find this address.")
    errors = (answer.get("rate_response") or {}).get("errors") or []
    if any(_is_address_error(e) for e in errors if isinstance(e, dict)):
        raise _error_from(errors)
    cleaned = validation.get("matched_address") or answer.get("ship_to")
    if not isinstance(cleaned, dict):
        return CheckedAddress(sent, None)
    address = Address(
        name=sent.name,
        company=_clean(cleaned.get("company_name")) or sent.company,
        street1=_clean(cleaned.get("address_line1")) or sent.street1,
        street2=(_clean(cleaned["address_line2"]) or None)
        if "address_line2" in cleaned
        else sent.street2,
        city=_clean(cleaned.get("city_locality")) or sent.city,
        state=_clean(cleaned.get("state_province")) or sent.state,
        zip=_clean(cleaned.get("postal_code")) or sent.zip,
        phone=sent.phone,
    )
    return CheckedAddress(address, _RESIDENTIAL.get(cleaned.get("address_residential_indicator")))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:  # Decimal straight from the JSON text: 12.34 must stay 12.34, not 12.339999...
        data = response.json(parse_float=Decimal)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise CarrierUnavailable("ShipStation sent an answer we could not read.")
    return data


def _envelope(response: httpx.Response) -> tuple[str, list[dict[str, Any]]]:
    """(request_id, errors) of an answer, empty when it carries none."""
    if "json" not in response.headers.get("content-type", ""):
        return "", []
    try:
        data = response.json()
    except ValueError:
        return "", []
    if not isinstance(data, dict):
        return "", []
    errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
    return str(data.get("request_id") or ""), errors


def _services(carrier: dict[str, Any]) -> list[CarrierService]:
    code, name = carrier.get("carrier_code") or "", carrier.get("friendly_name") or ""
    return [
        CarrierService(
            carrier_id=carrier.get("carrier_id") or "",
            carrier_code=code,
            carrier_name=name or code.upper(),
            service_code=s.get("service_code") or "",
            service_name=s.get("name") or s.get("service_code") or "",
        )
        for s in carrier.get("services") or []
        if s.get("domestic") is not False  # we sell US domestic labels only
    ]


def _account(carrier: dict[str, Any]) -> CarrierAccount:
    code = carrier.get("carrier_code") or ""
    return CarrierAccount(
        carrier_id=carrier.get("carrier_id") or "",
        carrier_code=code,
        name=carrier.get("nickname") or carrier.get("friendly_name") or code.upper(),
        balance_cents=_balance(carrier),
    )


def _balance(carrier: dict[str, Any]) -> int | None:
    """A prepaid account's balance in cents; None for an account the carrier bills instead
    (its `balance` is then a meaningless 0) or a balance we cannot read. The document types
    `balance` as a bare number, which for the US accounts we sell through is dollars; a
    monetary_value is read too, and refused unless in dollars."""
    if carrier.get("requires_funded_amount") is False:
        return None
    balance = carrier.get("balance")
    try:
        if isinstance(balance, dict):
            return _cents(balance)
        if isinstance(balance, int | Decimal) and not isinstance(balance, bool):
            return _cents({"currency": "usd", "amount": balance})
    except (InvalidOperation, AttributeError):
        pass
    return None


def _cents(money: Any, *, strict: bool = True) -> int | None:
    """A monetary_value as integer cents, half up; None when strict and not in US dollars."""
    if not money:
        return 0
    amount = Decimal(str(money.get("amount") or 0))
    if strict and amount and str(money.get("currency") or "").lower() != "usd":
        return None
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rate(raw: dict[str, Any], names: dict[str, str]) -> Rate | None:
    try:
        charges = [_cents(raw.get(k)) for k in _CHARGES]
    except (InvalidOperation, AttributeError):
        charges = [None]
    if None in charges or not raw.get("rate_id"):
        log.info("shipstation: skipped rate %s (no id, or not in USD)", raw.get("rate_id"))
        return None
    carrier_id, code = raw.get("carrier_id") or "", raw.get("carrier_code") or ""
    service = CarrierService(
        carrier_id=carrier_id,
        carrier_code=code,
        carrier_name=raw.get("carrier_friendly_name") or names.get(carrier_id) or code.upper(),
        service_code=raw.get("service_code") or "",
        service_name=raw.get("service_type") or raw.get("service_code") or "",
    )
    shipping, insurance, confirmation, other = charges
    days = raw.get("delivery_days")
    return Rate(
        rate_id=str(raw["rate_id"]),
        service=service,
        shipping_cents=shipping or 0,
        insurance_cents=insurance or 0,
        confirmation_cents=confirmation or 0,
        other_cents=other or 0,
        delivery_days=int(days) if isinstance(days, int | Decimal) else None,
        estimated_delivery=_date(raw.get("estimated_delivery_date")),
    )


def _invalid_rate_errors(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The carriers' reasons for refusing the shipment, to say why there is no rate."""
    messages = [m for r in answer.get("invalid_rates") or [] for m in r.get("error_messages") or []]
    return [{"message": m} for m in messages if isinstance(m, str)]


def _doubt(
    data: dict[str, Any], labels: list[dict[str, Any]], sold: list[dict[str, Any]], rate: Rate
) -> str:
    """Why a list of the labels of a rate does not tell whether it was sold; "" when it does."""
    service = (rate.service.carrier_id, rate.service.service_code)
    if len(labels) < (data.get("total") or 0):
        return "more labels than one page"
    if any((x.get("carrier_id"), x.get("service_code")) != service for x in labels):
        return "labels of another service listed (was the filter applied?)"
    if any(x.get("status") == "processing" for x in labels):
        return "a label is still processing"
    return f"{len(sold)} labels sold, void all but one" if len(sold) > 1 else ""


def _event(raw: dict[str, Any]) -> TrackingEvent | None:
    try:
        at = datetime.fromisoformat(str(raw.get("occurred_at")))
    except ValueError:
        return None
    return TrackingEvent(
        occurred_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        description=_clean(raw.get("description")),
        city=_clean(raw.get("city_locality")),
        state=_clean(raw.get("state_province")),
    )


def _date(value: Any) -> date | None:
    """The date of "2024-10-27" or "2024-10-27T11:59:03.289Z", as the carrier wrote it."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# --- errors -----------------------------------------------------------------------------------


def _clean(text: Any) -> str:
    """A carrier's message as shown to users: one line, trimmed."""
    return " ".join(str(text or "").split())[:_MAX_MESSAGE]


def _message(errors: list[dict[str, Any]]) -> str:
    return next((m for e in errors if (m := _clean(e.get("message")))), "")


def _is_address_error(error: dict[str, Any]) -> bool:
    if error.get("error_code") == "invalid_address":
        return True
    if error.get("error_type") in ("account_status", "security", "system", "integrations"):
        return False  # e.g. "your account address is unverified": the operator's problem
    # The error object has no field name: its message names the field.
    return bool(_ADDRESS_TEXT.search(str(error.get("message") or "").lower()))


def _error_from(errors: list[dict[str, Any]]) -> CarrierError:
    """The error for an errors[] array: the address, a passing failure, or anything else."""
    if address := [e for e in errors if _is_address_error(e)]:
        return InvalidAddress(_message(address) or "The carrier could not use this address.")
    if all(e.get("error_type") == "system" for e in errors):
        return CarrierUnavailable(_message(errors) or "The carrier is unavailable.")
    return UnknownCarrierError(_message(errors) or "ShipStation refused the request.")


def _error_for(response: httpx.Response) -> CarrierError:
    status, (_, errors) = response.status_code, _envelope(response)
    if status in (401, 403):
        return AuthenticationFailed("ShipStation refused the API key.")
    if status == 429:
        retry_after = _retry_after(response)
        wait = f" in {retry_after:g} s" if retry_after is not None else " shortly"
        return RateLimited(f"ShipStation is busy; try again{wait}.", retry_after=retry_after)
    if status >= 500:
        return CarrierUnavailable(_message(errors) or f"ShipStation is unavailable ({status}).")
    if status == 400 and errors:
        return _error_from(errors)
    return UnknownCarrierError(_message(errors) or f"ShipStation answered HTTP {status}.")


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date; None when absent."""
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _retry_wait(error: CarrierError, attempt: int) -> float | None:
    """How long to wait before retrying a read after `error`; None: do not retry."""
    if isinstance(error, RateLimited):
        if error.retry_after is None:
            return _BACKOFF * 2**attempt
        return error.retry_after if error.retry_after <= _MAX_RETRY_AFTER else None
    return _BACKOFF * 2**attempt if isinstance(error, CarrierUnavailable) else None


def _network_message(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "ShipStation did not answer in time."
    return "ShipStation could not be reached."


def _path(url: str | httpx.URL) -> str:
    """What we log of a URL: its path, never a query string (label links may be signed)."""
    return httpx.URL(url).path
