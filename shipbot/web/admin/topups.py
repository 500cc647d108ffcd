"""Top-ups in the panel and the API (SPEC §4): the invoices with their amounts and totals, and
"check at the provider now" on an open one, credited through the callback's exactly-once path
and told to the user as the poller tells them."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from shipbot.bot.notifications import tell_about_top_up
from shipbot.db.models import Invoice, User
from shipbot.domain.money import format_usd
from shipbot.services import topups
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_lists import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, BadCursor, Days
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.audit import Actor
from shipbot.services.topups import Credit, InvoiceCheckError, InvoiceFilter
from shipbot.web.admin.actors import api_actor, panel_actor
from shipbot.web.admin.api import ERRORS, AdminApiError, ErrorBody
from shipbot.web.admin.auth import PanelRefusal, current_admin, database_of, require_csrf
from shipbot.web.admin.list_params import days, page_links
from shipbot.web.admin.rendering import render

pages = APIRouter()
api = APIRouter()
PAGE_SIZE = 50


@pages.get("/topups")
async def topup_list(
    request: Request,
    identity: AdminIdentity = Depends(current_admin),
    status: str = "",
    user: str = "",
    since: str = "",
    until: str = "",
    held: str = "",
    cursor: str = "",
) -> Response:
    filters = InvoiceFilter(status, user, days(since, until), held_only=held == "yes")
    async with database_of(request).sessions() as session:
        try:
            page = await topups.find_invoices(
                session, filters, cursor=cursor or None, limit=PAGE_SIZE
            )
        except BadCursor:
            raise PanelRefusal(
                400, "This page link is not valid; start from the first page."
            ) from None
        totals = await topups.invoice_totals(session, filters)
    query = {"status": status, "user": user, "since": since, "until": until, "held": held}
    older, newest = page_links("/admin/topups", query, page.next_cursor, cursor)
    return render(
        request,
        "topups.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        rows=page.rows,
        totals=totals,
        statuses=topups.invoice_statuses(),
        is_open=topups.is_open,
        query=query,
        older_url=older,
        newest_url=newest,
    )


@pages.post("/topups/{invoice_id}/check")
async def topup_check(
    request: Request, invoice_id: str, identity: AdminIdentity = Depends(require_csrf)
) -> Response:
    try:
        credit, told = await _check(request, panel_actor(request, identity), invoice_id)
    except InvoiceCheckError as error:
        return render(
            request,
            "outcome.html",
            409,
            identity=identity,
            owner=identity.role is Role.OWNER,
            title=f"Invoice {invoice_id}",
            error=f"Not checked: {error}.",
            back_url="/admin/topups",
        )
    return render(
        request,
        "outcome.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        title=f"Invoice {invoice_id}",
        done=_summary(credit, told),
        back_url="/admin/topups",
    )


class InvoiceOut(BaseModel):
    id: str
    user_id: int
    username: str | None
    track_id: str
    status: str
    amount_cents: int  # asked
    received_cents: int
    credited_cents: int
    held_cents: int  # held for review, not credited
    review_reason: str | None
    order_id: str | None
    expires_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, invoice: Invoice, user: User | None = None) -> InvoiceOut:
        return cls.model_validate(
            {
                **{name: getattr(invoice, name) for name in cls.model_fields if name != "username"},
                "username": user.username if user else None,
            }
        )


class InvoiceTotalsOut(BaseModel):
    count: int
    amount_cents: int
    received_cents: int
    credited_cents: int
    held_cents: int


class InvoicePageOut(BaseModel):
    items: list[InvoiceOut]
    totals: InvoiceTotalsOut  # of the whole filtered set
    next_cursor: str | None


class CheckOut(BaseModel):
    invoice: InvoiceOut
    credited_now_cents: int
    status_changed: bool
    held_for_review: str | None  # the reason, when this check held a report for review
    user_told: bool  # false: Telegram did not take it; the poller tells them later


NOT_FOUND = {404: {"model": ErrorBody, "description": "no such invoice"}}


@api.get("/topups", response_model=InvoicePageOut, responses=ERRORS)
async def api_topups(
    request: Request,
    status: str = "",
    user: str = Query("", description="user id or @username"),
    since: date | None = Query(None, description="first day, inclusive (UTC)"),
    until: date | None = Query(None, description="last day, inclusive (UTC)"),
    held: bool = Query(False, description="only invoices held for review"),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> InvoicePageOut:
    """Top-up invoices, newest first, with the totals of the filtered set."""
    filters = InvoiceFilter(status, user, Days(since, until), held_only=held)
    async with database_of(request).sessions() as session:
        try:
            page = await topups.find_invoices(session, filters, cursor=cursor, limit=limit)
        except BadCursor as error:
            raise AdminApiError(422, "invalid_request", str(error)) from None
        totals = await topups.invoice_totals(session, filters)
    return InvoicePageOut(
        items=[InvoiceOut.of(invoice, owner) for invoice, owner in page.rows],
        totals=InvoiceTotalsOut.model_validate(totals, from_attributes=True),
        next_cursor=page.next_cursor,
    )


@api.post(
    "/topups/{invoice_id}/check",
    response_model=CheckOut,
    responses={**ERRORS, **NOT_FOUND, 409: {"model": ErrorBody, "description": "not open"}},
)
async def api_topup_check(request: Request, invoice_id: str) -> CheckOut:
    """Ask the provider about an open invoice now and credit what arrived, once."""
    try:
        credit, told = await _check(request, api_actor(request), invoice_id)
    except InvoiceCheckError as error:
        if isinstance(error, topups.InvoiceNotFound):
            raise AdminApiError(404, "not_found", str(error)) from None
        raise AdminApiError(409, "conflict", str(error)) from None
    return CheckOut(
        invoice=InvoiceOut.of(credit.invoice),
        credited_now_cents=credit.credited_cents,
        status_changed=credit.status_changed,
        held_for_review=credit.review_reason,
        user_told=told,
    )


async def _check(request: Request, actor: Actor, invoice_id: str) -> tuple[Credit, bool]:
    runtime = request.app.state.runtime
    credit = await topups.check_invoice(
        runtime.database, runtime.payments.provider, actor, invoice_id
    )
    # As the poller does: whatever the user has not been told yet, under their chat's lock.
    await tell_about_top_up(runtime, credit.invoice)
    return credit, not await topups.news_still_owed(runtime.database, invoice_id)


def _summary(credit: Credit, told: bool) -> str:
    invoice = credit.invoice
    received = format_usd(invoice.received_cents)
    said = f"The provider reports the invoice {invoice.status}, {received} received."
    if credit.credited_cents:
        said += f" {format_usd(credit.credited_cents)} was credited now."
    else:
        said += " Nothing new to credit."
    if credit.review_reason:
        said += f" Held for review: {credit.review_reason}."
    if not told:
        said += " The user could not be told in the bot now; the payment poller tries again."
    return said
