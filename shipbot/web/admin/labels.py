"""A label for a user, from their page and the API (support work, SPEC §4): the shipment, its
rates with our prices, then the purchase charged to the balance or given as goodwill. The rules
are in shipbot/services/admin_labels.py; the label reaches the user in the bot like any other.

Between the steps only ids travel (the quote's, then the order's), each read back through the
user it belongs to: prices always come from the database, never from the form."""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from shipbot.bot.ui.rejections import rejection_text
from shipbot.db.models import Order, RateQuote
from shipbot.domain.errors import Rejected
from shipbot.domain.money import format_usd
from shipbot.domain.parcel import PRESETS, describe_weight
from shipbot.providers.carriers.base import CarrierError, Shipment
from shipbot.services import admin_labels, ledger
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_labels import (
    AlreadyBought,
    LabelRefused,
    NotFound,
    QuoteExpired,
    ShipmentRejected,
    ShortBalance,
)
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.audit import Actor
from shipbot.services.quoting import PricedRate, rates_of, shipment_from_dict
from shipbot.web.admin.actors import api_actor, panel_actor
from shipbot.web.admin.api import ERRORS, AdminApiError, api_identity
from shipbot.web.admin.auth import PanelRefusal, current_admin, form_fields, require_csrf
from shipbot.web.admin.rendering import render

pages = APIRouter()
api = APIRouter()


def _runtime(request: Request):
    return request.app.state.runtime


def _base(user_id: int) -> str:
    return f"/admin/users/{user_id}/label"


def _rule_lines(request: Request, rejected: Rejected) -> list[str]:
    """The bot's own message for a broken rule, in English: the problem, then an example.
    Its values are HTML-escaped, for Telegram."""
    i18n = _runtime(request).i18n
    with i18n.context(), i18n.use_locale("en"):
        text = rejection_text(rejected)
    return text.removeprefix("⚠️ ").split("\n")


def _explain(request: Request, rejected: Rejected) -> Markup:
    # Escaped for Telegram's HTML, which is HTML: shown as it is, line by line.
    return Markup("<br>").join(Markup(line) for line in _rule_lines(request, rejected))


def _explain_plainly(request: Request, rejected: Rejected) -> str:
    return " ".join(html.unescape(line) for line in _rule_lines(request, rejected))


def _carrier_problem(error: CarrierError) -> str:
    return f"The carrier could not quote this shipment: {error.message or type(error).__name__}."


# ---- the panel


def _label_page(
    request: Request,
    identity: AdminIdentity,
    user_id: int,
    step: str,
    *,
    error: str | None = None,
    problems: dict[str, Markup] | None = None,
    **context: object,
) -> Response:
    """A step of the label form; 400 when it shows why the last submit did nothing."""
    return render(
        request,
        "user_label.html",
        400 if problems or error else 200,
        identity=identity,
        owner=identity.role is Role.OWNER,
        step=step,
        user_id=user_id,
        error=error,
        problems=problems or {},
        **context,
    )


@contextmanager
def _missing_is_404() -> Iterator[None]:
    try:
        yield
    except NotFound as missing:
        raise PanelRefusal(404, f"Not found: {missing}.") from None


async def _shipment_form(
    request: Request,
    identity: AdminIdentity,
    user_id: int,
    *,
    form: dict[str, str] | None = None,
    problems: dict[str, Markup] | None = None,
    error: str | None = None,
) -> Response:
    return _label_page(
        request,
        identity,
        user_id,
        "shipment",
        error=error,
        problems=problems,
        form=form or {"box": "medium"},
        presets=PRESETS,
    )


@pages.get("/users/{user_id}/label")
async def label_form(
    request: Request, user_id: int, identity: AdminIdentity = Depends(current_admin)
) -> Response:
    return await _shipment_form(request, identity, user_id)


@pages.post("/users/{user_id}/label")
async def label_quote(
    request: Request,
    user_id: int,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    try:
        shipment = admin_labels.read_shipment(form)
        quote = await _quote(request, user_id, shipment)
    except ShipmentRejected as rejected:
        problems = {f: _explain(request, r) for f, r in rejected.problems.items()}
        return await _shipment_form(request, identity, user_id, form=form, problems=problems)
    except CarrierError as error:
        return await _shipment_form(
            request, identity, user_id, form=form, error=_carrier_problem(error)
        )
    return RedirectResponse(f"{_base(user_id)}/quote/{quote.id}", status_code=303)


async def _quote(request: Request, user_id: int, shipment: Shipment) -> RateQuote:
    runtime = _runtime(request)
    with _missing_is_404():
        return await admin_labels.quote(runtime.database, runtime.quoter, user_id, shipment)


@pages.get("/users/{user_id}/label/quote/{quote_id}")
async def label_rates(
    request: Request,
    user_id: int,
    quote_id: str,
    identity: AdminIdentity = Depends(current_admin),
) -> Response:
    with _missing_is_404():
        quote = await admin_labels.find_quote(_runtime(request).database, user_id, quote_id)
    return _rates_page(request, identity, user_id, quote)


def _rates_page(
    request: Request,
    identity: AdminIdentity,
    user_id: int,
    quote: RateQuote,
    *,
    error: str | None = None,
) -> Response:
    shipment = shipment_from_dict(quote.shipment)
    return _label_page(
        request,
        identity,
        user_id,
        "rates",
        error=error,
        quote=quote,
        rates=rates_of(quote),
        shipment=shipment,
        weight=describe_weight(shipment.ounces),
    )


@pages.post("/users/{user_id}/label/order")
async def label_order(
    request: Request,
    user_id: int,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    database = _runtime(request).database
    quote_id = form.get("quote_id", "")
    try:
        order = await admin_labels.order_rate(
            database, user_id, quote_id, _index(form.get("rate_index", ""))
        )
    except QuoteExpired as expired:
        return await _requoted(request, identity, user_id, expired)
    except NotFound as missing:
        raise PanelRefusal(404, f"Not found: {missing}.") from None
    except LabelRefused as refused:
        quote = await admin_labels.find_quote(database, user_id, quote_id)
        return _rates_page(request, identity, user_id, quote, error=f"Not ordered: {refused}.")
    return RedirectResponse(f"{_base(user_id)}/order/{order.id}", status_code=303)


def _index(text: str) -> int:
    return int(text) if text.isdigit() else -1


async def _requoted(
    request: Request, identity: AdminIdentity, user_id: int, expired: QuoteExpired
) -> Response:
    """The rates shown had expired: today's rates for the same shipment, to choose again."""
    try:
        quote = await _quote(request, user_id, expired.shipment)
    except CarrierError as error:
        return await _shipment_form(request, identity, user_id, error=_carrier_problem(error))
    return _rates_page(
        request, identity, user_id, quote, error="Those rates had expired: choose from today's."
    )


@pages.get("/users/{user_id}/label/order/{order_id}")
async def label_confirm(
    request: Request,
    user_id: int,
    order_id: str,
    identity: AdminIdentity = Depends(current_admin),
) -> Response:
    return await _confirm_page(request, identity, user_id, order_id)


async def _confirm_page(
    request: Request,
    identity: AdminIdentity,
    user_id: int,
    order_id: str,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    database = _runtime(request).database
    with _missing_is_404():
        order = await admin_labels.find_order(database, user_id, order_id)
    async with database.sessions() as session:
        balance = await ledger.balance_of(session, user_id)
    return _label_page(
        request,
        identity,
        user_id,
        "confirm",
        error=error,
        order=order,
        rate=PricedRate.from_dict(order.rate),
        shipment=shipment_from_dict(order.shipment),
        balance_cents=balance,
        shortfall_cents=max(order.price_cents - balance, 0),
        form=form or {},
    )


@pages.post("/users/{user_id}/label/buy")
async def label_buy(
    request: Request,
    user_id: int,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    order_id = form.get("order_id", "")
    if form.get("confirm") != "yes":
        return await _confirm_page(
            request,
            identity,
            user_id,
            order_id,
            error="Tick the box to confirm the purchase: nothing was bought.",
            form=form,
        )
    try:
        bought = await _buy(
            request,
            panel_actor(request, identity),
            identity.role,
            user_id,
            order_id,
            goodwill=form.get("payment") == "goodwill",
            reason=form.get("reason", ""),
        )
    except QuoteExpired as expired:
        return await _requoted(request, identity, user_id, expired)
    except AlreadyBought as already:
        return _started_page(request, identity, already.order, again=True)
    except NotFound as missing:
        raise PanelRefusal(404, f"Not found: {missing}.") from None
    except LabelRefused as refused:
        return await _confirm_page(
            request, identity, user_id, order_id, error=_refusal_text(refused), form=form
        )
    return _started_page(request, identity, bought, again=False)


def _refusal_text(refused: LabelRefused) -> str:
    if isinstance(refused, ShortBalance):
        return (
            f"Not bought: the user's balance is short by {format_usd(refused.shortfall_cents)}. "
            "Adjust the balance, or give the label as goodwill."
        )
    return f"Not bought: {refused}."


def _started_page(
    request: Request, identity: AdminIdentity, order: Order, *, again: bool
) -> Response:
    return render(
        request,
        "user_label.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        step="started",
        user_id=order.user_id,
        order=order,
        again=again,
    )


# ---- the API


class LabelShipmentIn(BaseModel):
    sender: str = Field(description="the sender's address, pasted whole as in the bot")
    recipient: str = Field(description="the recipient's address, pasted whole")
    weight: str = Field(description="2, 2.5 lb, 32 oz, 2 lb 4 oz, 1.2 kg")
    box: str = Field(description="envelope, small, medium, large, or 12x10x8 (in; cm accepted)")


class LabelRateOut(BaseModel):
    index: int
    carrier: str
    service: str
    delivery_days: int | None
    price_cents: int


class LabelQuoteOut(BaseModel):
    quote_id: str
    expires_at: datetime
    rates: list[LabelRateOut]


class LabelBuyIn(BaseModel):
    quote_id: str
    rate_index: int = Field(ge=0)
    goodwill: bool = False
    reason: str = Field("", description="required for goodwill; audited")


class LabelBuyOut(BaseModel):
    order_id: str
    status: str
    price_cents: int
    started: bool  # false: this quote and rate were bought before, nothing more was bought


@api.post("/users/{user_id}/labels/quote", response_model=LabelQuoteOut, responses=ERRORS)
async def api_label_quote(request: Request, user_id: int, body: LabelShipmentIn) -> LabelQuoteOut:
    """Today's rates for the user's shipment, priced for them; a 422's message names each field
    that breaks the bot's rules."""
    runtime = _runtime(request)
    try:
        shipment = admin_labels.read_shipment(body.model_dump())
        quote = await admin_labels.quote(runtime.database, runtime.quoter, user_id, shipment)
    except ShipmentRejected as rejected:
        said = "; ".join(
            f"{field}: {_explain_plainly(request, problem)}"
            for field, problem in rejected.problems.items()
        )
        raise AdminApiError(422, "invalid_shipment", said) from None
    except NotFound as missing:
        raise AdminApiError(404, "not_found", str(missing)) from None
    except CarrierError as error:
        raise AdminApiError(502, "carrier_error", _carrier_problem(error)) from None
    return _quote_out(quote)


def _quote_out(quote: RateQuote) -> LabelQuoteOut:
    return LabelQuoteOut(
        quote_id=quote.id,
        expires_at=quote.expires_at,
        rates=[
            LabelRateOut(
                index=index,
                carrier=rate.carrier_name,
                service=rate.service_name,
                delivery_days=rate.delivery_days,
                price_cents=rate.price_cents,
            )
            for index, rate in enumerate(rates_of(quote))
        ],
    )


@api.post("/users/{user_id}/labels", response_model=LabelBuyOut, responses=ERRORS)
async def api_label_buy(request: Request, user_id: int, body: LabelBuyIn) -> LabelBuyOut:
    """Order the quote's rate and buy it, from the balance (409 `short_balance` with the
    shortfall) or as goodwill; the user receives the label in the bot. Sent again, nothing more
    is bought."""
    database = _runtime(request).database
    try:
        order = await admin_labels.order_rate(database, user_id, body.quote_id, body.rate_index)
        bought = await _buy(
            request,
            api_actor(request),
            api_identity(request).role,
            user_id,
            order.id,
            goodwill=body.goodwill,
            reason=body.reason,
        )
    except AlreadyBought as already:
        return _buy_out(already.order, started=False)
    except NotFound as missing:
        raise AdminApiError(404, "not_found", str(missing)) from None
    except QuoteExpired:
        raise AdminApiError(409, "quote_expired", "the quote has expired; quote again") from None
    except ShortBalance as short:
        raise AdminApiError(
            409, "short_balance", f"the balance is short by {short.shortfall_cents} cents"
        ) from None
    except LabelRefused as refused:
        raise AdminApiError(422, "invalid_request", str(refused)) from None
    return _buy_out(bought, started=True)


def _buy_out(order: Order, *, started: bool) -> LabelBuyOut:
    return LabelBuyOut(
        order_id=order.id, status=order.status, price_cents=order.price_cents, started=started
    )


# ---- shared by both


async def _buy(
    request: Request,
    actor: Actor,
    role: Role,
    user_id: int,
    order_id: str,
    *,
    goodwill: bool,
    reason: str,
) -> Order:
    """The purchase started through the service, then the label bought in the background and
    sent to the user's chat as a new message (private chats: the chat id is the user id)."""
    runtime = _runtime(request)
    order = await admin_labels.buy(
        runtime.database,
        runtime.shop_defaults,
        actor,
        role,
        user_id,
        order_id,
        goodwill=goodwill,
        reason=reason,
    )
    runtime.purchases.start(order.id, user_id, None)
    return order
