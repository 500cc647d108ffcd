"""Refund requests in the panel and the API (SPEC §4): the list, and a decision on one the
carrier refused, a goodwill credit or closed with a note, told to the user in the bot. The rules
(once, never redecided) are in services/refunds.py."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from shipbot.bot.refund_news import tell_refund_decision
from shipbot.domain.money import format_usd
from shipbot.domain.orders import RefundState as State
from shipbot.services import refunds
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_lists import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, BadCursor, Days
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.audit import Actor
from shipbot.services.refunds import Decision, RefundDecided, RefundDecisionError, RefundFilter
from shipbot.web.admin.actors import api_actor, panel_actor
from shipbot.web.admin.api import ERRORS, AdminApiError, ErrorBody
from shipbot.web.admin.auth import (
    PanelRefusal,
    current_admin,
    database_of,
    form_fields,
    require_csrf,
)
from shipbot.web.admin.list_params import days, page_links
from shipbot.web.admin.orders import RefundOut, refusal_of
from shipbot.web.admin.rendering import render

pages = APIRouter()
api = APIRouter()
PAGE_SIZE = 50


def _state(text: str) -> State | None:
    try:
        return State(text) if text else None
    except ValueError:
        raise PanelRefusal(400, f"There is no refund state {text!r}.") from None


@pages.get("/refunds")
async def refund_list(
    request: Request,
    identity: AdminIdentity = Depends(current_admin),
    state: str = "",
    user: str = "",
    since: str = "",
    until: str = "",
    cursor: str = "",
) -> Response:
    filters = RefundFilter(_state(state), user, days(since, until))
    async with database_of(request).sessions() as session:
        try:
            page = await refunds.find_refunds(
                session, filters, cursor=cursor or None, limit=PAGE_SIZE
            )
        except BadCursor:
            raise PanelRefusal(
                400, "This page link is not valid; start from the first page."
            ) from None
    query = {"state": state, "user": user, "since": since, "until": until}
    older, newest = page_links("/admin/refunds", query, page.next_cursor, cursor)
    return render(
        request,
        "refunds.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        rows=page.rows,
        states=[choice.value for choice in State],
        query=query,
        older_url=older,
        newest_url=newest,
    )


@pages.post("/refunds/{refund_id}/goodwill")
async def refund_goodwill(
    request: Request,
    refund_id: str,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    """Credit the price anyway, confirmed by a ticked box."""
    if form.get("confirm") != "yes":
        return _outcome(
            request, identity, refund_id, error="Tick the box to confirm: nothing was credited."
        )
    return await _decide_on_page(request, identity, refund_id, Decision.GOODWILL, form)


@pages.post("/refunds/{refund_id}/close")
async def refund_close(
    request: Request,
    refund_id: str,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    return await _decide_on_page(request, identity, refund_id, Decision.CLOSED, form)


async def _decide_on_page(
    request: Request,
    identity: AdminIdentity,
    refund_id: str,
    decision: Decision,
    form: dict[str, str],
) -> Response:
    actor = panel_actor(request, identity)
    try:
        decided, told = await _decide(request, actor, refund_id, decision, form.get("note", ""))
    except RefundDecisionError as error:
        return _outcome(request, identity, refund_id, error=f"Not done: {error}.")
    return _outcome(request, identity, refund_id, done=_summary(decided, told))


def _outcome(request: Request, identity: AdminIdentity, refund_id: str, **said: str) -> Response:
    return render(
        request,
        "outcome.html",
        409 if "error" in said else 200,
        identity=identity,
        owner=identity.role is Role.OWNER,
        title=f"Refund {refund_id}",
        back_url="/admin/refunds",
        **said,
    )


class RefundRowOut(RefundOut):
    order_id: str
    user_id: int
    username: str | None
    order_price_cents: int


class RefundPageOut(BaseModel):
    items: list[RefundRowOut]
    next_cursor: str | None


class DecisionIn(BaseModel):
    note: str  # why; told to the user


class DecisionOut(BaseModel):
    refund: RefundOut
    decided_now: bool  # false: this decision was made before; nothing was done again
    credited_cents: int  # credited now
    user_told: bool | None  # null when nothing new was decided


RESPONSES = {
    **ERRORS,
    404: {"model": ErrorBody, "description": "no such refund request"},
    409: {"model": ErrorBody, "description": "approved, or decided otherwise before"},
}


@api.get("/refunds", response_model=RefundPageOut, responses=ERRORS)
async def api_refunds(
    request: Request,
    state: State | None = None,
    user: str = Query("", description="user id or @username"),
    since: date | None = Query(None, description="first day, inclusive (UTC)"),
    until: date | None = Query(None, description="last day, inclusive (UTC)"),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> RefundPageOut:
    """Refund requests, newest first; `refused` lists those still waiting for a decision."""
    filters = RefundFilter(state, user, Days(since, until))
    async with database_of(request).sessions() as session:
        try:
            page = await refunds.find_refunds(session, filters, cursor=cursor, limit=limit)
        except BadCursor as error:
            raise AdminApiError(422, "invalid_request", str(error)) from None
    items = [
        RefundRowOut(
            **RefundOut.model_validate(refund, from_attributes=True).model_dump(),
            order_id=order.id,
            user_id=owner.id,
            username=owner.username,
            order_price_cents=order.price_cents,
        )
        for refund, order, owner in page.rows
    ]
    return RefundPageOut(items=items, next_cursor=page.next_cursor)


@api.post("/refunds/{refund_id}/goodwill", response_model=DecisionOut, responses=RESPONSES)
async def api_refund_goodwill(request: Request, refund_id: str, body: DecisionIn) -> DecisionOut:
    """Credit the order's price as goodwill on a refused refund, once."""
    return await _decide_on_api(request, refund_id, Decision.GOODWILL, body.note)


@api.post("/refunds/{refund_id}/close", response_model=DecisionOut, responses=RESPONSES)
async def api_refund_close(request: Request, refund_id: str, body: DecisionIn) -> DecisionOut:
    """Close a refused refund with a note: the refusal stands."""
    return await _decide_on_api(request, refund_id, Decision.CLOSED, body.note)


async def _decide_on_api(
    request: Request, refund_id: str, decision: Decision, note: str
) -> DecisionOut:
    try:
        decided, told = await _decide(request, api_actor(request), refund_id, decision, note)
    except RefundDecisionError as error:
        raise refusal_of(error) from None
    return DecisionOut(
        refund=RefundOut.model_validate(decided.refund, from_attributes=True),
        decided_now=decided.decided_now,
        credited_cents=decided.credited_cents,
        user_told=told,
    )


async def _decide(
    request: Request, actor: Actor, refund_id: str, decision: Decision, note: str
) -> tuple[RefundDecided, bool | None]:
    """Decide, then tell the user, only when decided now (told: None otherwise)."""
    runtime = request.app.state.runtime
    decided = await refunds.decide_refund(runtime.database, actor, refund_id, decision, note)
    if not decided.decided_now:
        return decided, None
    told = await tell_refund_decision(
        runtime,
        decided.refund.user_id,
        decided.order.id,
        decision,
        decided.credited_cents,
        decided.refund.note or "",
    )
    return decided, told


def _summary(decided: RefundDecided, told: bool | None) -> str:
    refund = decided.refund
    if not decided.decided_now:
        return f"This refund was already {refund.decision}: nothing was done again."
    said = (
        f"Credited {format_usd(decided.credited_cents)} to the user's balance as goodwill."
        if refund.decision == Decision.GOODWILL
        else "Closed: the carrier's refusal stands."
    )
    if told:
        return said + " The user was told in the bot."
    return said + " The user could not be told in the bot (Telegram did not take the message)."
