"""Users in the panel and the API (SPEC §4): search, a user's page, and the operator's actions
on them — adjust the balance, set a discount, block and unblock (the user is told in the bot).
The rules are in shipbot/services/admin_users.py; these handlers read the request and show
the outcome."""

from __future__ import annotations

import secrets
from decimal import Decimal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from shipbot.bot.account_news import tell_blocked
from shipbot.services import admin_users, shop_settings
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_lists import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.admin_users import AdminInputError, UserDetail, UserRow
from shipbot.services.audit import Actor
from shipbot.web.admin.actors import api_actor
from shipbot.web.admin.api import ERRORS, AdminApiError, api_identity
from shipbot.web.admin.auth import (
    PanelRefusal,
    client_address,
    current_admin,
    database_of,
    form_fields,
    require_csrf,
)
from shipbot.web.admin.rendering import render

pages = APIRouter()
api = APIRouter()

# What the page says after an action, by the `done` parameter of the redirect back to it.
DONE = {
    "adjusted": "The balance was adjusted.",
    "already": "This adjustment was already applied; nothing more was credited.",
    "discount": "The discount was saved.",
    "blocked": "The user was blocked and told in the bot.",
    "unblocked": "The user was unblocked and told in the bot.",
    "blocked_untold": "The user was blocked; the bot could not tell them.",
    "unblocked_untold": "The user was unblocked; the bot could not tell them.",
    "unchanged": "Nothing changed: the user already was so.",
}


def _user_url(user_id: int, done: str | None = None) -> str:
    return f"/admin/users/{user_id}" + (f"?{urlencode({'done': done})}" if done else "")


async def _adjustment_limit(request: Request, role: Role) -> int | None:
    """Owners adjust freely; support within the limit the owner set."""
    if role is Role.OWNER:
        return None
    runtime = request.app.state.runtime
    async with runtime.database.transaction() as session:
        shop = await shop_settings.current(session, runtime.shop_defaults)
    return shop.support_adjustment_limit_cents


async def _detail_or_404(request: Request, user_id: int) -> UserDetail:
    async with database_of(request).transaction() as session:
        detail = await admin_users.user_detail(session, user_id)
    if detail is None:
        raise PanelRefusal(404, f"There is no user {user_id}.")
    return detail


async def _user_page(
    request: Request,
    identity: AdminIdentity,
    user_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    detail = await _detail_or_404(request, user_id)
    return render(
        request,
        "user.html",
        status_code,
        identity=identity,
        owner=identity.role is Role.OWNER,
        detail=detail,
        user=detail.row.user,
        done=DONE.get(request.query_params.get("done", "")),
        error=error,
        form=form or {},
        # A fresh id per form shown: submitting the same form twice is one adjustment.
        action_id=secrets.token_urlsafe(16),
        limit_cents=await _adjustment_limit(request, identity.role),
    )


@pages.get("/users")
async def users_list(
    request: Request,
    identity: AdminIdentity = Depends(current_admin),
    q: str = "",
    offset: int = Query(0, ge=0),
) -> Response:
    async with database_of(request).transaction() as session:
        page = await admin_users.find_users(session, q, offset=offset)
    return render(
        request,
        "users.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        page=page,
        q=q,
        newer_url=_list_url(q, page.offset - page.limit) if page.offset else None,
        older_url=_list_url(q, page.offset + page.limit)
        if page.offset + page.limit < page.total
        else None,
    )


def _list_url(q: str, offset: int) -> str:
    return "/admin/users?" + urlencode({"q": q, "offset": max(offset, 0)})


@pages.get("/users/{user_id}")
async def user_page(
    request: Request, user_id: int, identity: AdminIdentity = Depends(current_admin)
) -> Response:
    return await _user_page(request, identity, user_id)


@pages.post("/users/{user_id}/adjust")
async def adjust(
    request: Request,
    user_id: int,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    try:
        result = await admin_users.adjust_balance(
            database_of(request),
            identity.actor(client_address(request)),
            user_id,
            admin_users.parse_cents(form.get("amount", "")),
            form.get("reason", ""),
            form.get("action_id", ""),
            limit_cents=await _adjustment_limit(request, identity.role),
        )
    except AdminInputError as error:
        return await _user_page(
            request, identity, user_id, status_code=400, error=f"Not adjusted: {error}.", form=form
        )
    return RedirectResponse(
        _user_url(user_id, "adjusted" if result.applied else "already"), status_code=303
    )


@pages.post("/users/{user_id}/discount")
async def discount(
    request: Request,
    user_id: int,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    try:
        percent = admin_users.parse_discount(form.get("percent", ""))
        await admin_users.set_discount(
            database_of(request),
            identity.actor(client_address(request)),
            user_id,
            percent,
            form.get("reason", ""),
        )
    except AdminInputError as error:
        return await _user_page(
            request, identity, user_id, status_code=400, error=f"Not saved: {error}.", form=form
        )
    return RedirectResponse(_user_url(user_id, "discount"), status_code=303)


async def _block(request: Request, actor: Actor, user_id: int, blocked: bool, reason: str) -> str:
    """Change the block and tell the user; the outcome's key in DONE."""
    changed = await admin_users.set_blocked(database_of(request), actor, user_id, blocked, reason)
    if not changed:
        return "unchanged"
    told = await tell_blocked(request.app.state.runtime, user_id, blocked)
    word = "blocked" if blocked else "unblocked"
    return word if told else f"{word}_untold"


@pages.post("/users/{user_id}/block")
async def block(
    request: Request,
    user_id: int,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    blocked = form.get("blocked") == "1"
    if blocked and form.get("confirm") != "yes":
        return await _user_page(
            request,
            identity,
            user_id,
            status_code=400,
            error="Not blocked: tick the box to confirm.",
            form=form,
        )
    try:
        actor = identity.actor(client_address(request))
        done = await _block(request, actor, user_id, blocked, form.get("reason", ""))
    except AdminInputError as error:
        return await _user_page(request, identity, user_id, status_code=400, error=f"{error}.")
    return RedirectResponse(_user_url(user_id, done), status_code=303)


# --- the API ---------------------------------------------------------------------------------


class UserOut(BaseModel):
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str | None
    blocked: bool
    discount_percent: Decimal
    balance_cents: int
    badges: list[str]

    @classmethod
    def of(cls, row: UserRow) -> UserOut:
        user = row.user
        return cls(
            id=user.id,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            language=user.language or user.telegram_language,
            blocked=user.is_blocked,
            discount_percent=user.discount_percent,
            balance_cents=row.balance_cents,
            badges=row.badges,
        )


class UserPageOut(BaseModel):
    items: list[UserOut]
    total: int
    offset: int
    limit: int


class LedgerEntryOut(BaseModel):
    id: int
    kind: str
    amount_cents: int
    reference: str
    created_at: str


class UserDetailOut(BaseModel):
    user: UserOut
    order_ids: list[str]
    ledger: list[LedgerEntryOut]
    invoice_ids: list[str]
    refund_ids: list[str]
    address_labels: list[str]


class AdjustmentIn(BaseModel):
    amount_cents: int = Field(description="credit positive, debit negative; never below zero")
    reason: str
    action_id: str = Field(description="your idempotency key: the same id applies once")


class AdjustmentOut(BaseModel):
    applied: bool
    balance_cents: int


class DiscountIn(BaseModel):
    percent: Decimal = Field(ge=0, le=100, decimal_places=2)
    reason: str = ""


class BlockIn(BaseModel):
    reason: str = ""


class BlockOut(BaseModel):
    changed: bool
    told: bool


def _refused(error: AdminInputError) -> AdminApiError:
    return AdminApiError(400, "invalid", str(error))


@api.get("/users", response_model=UserPageOut, responses=ERRORS)
async def api_users(
    request: Request,
    q: str = "",
    offset: int = Query(0, ge=0),
    limit: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> UserPageOut:
    """Users whose id, @username or name matches `q`, most recently seen first."""
    async with database_of(request).transaction() as session:
        page = await admin_users.find_users(session, q, offset=offset, limit=limit)
    return UserPageOut(
        items=[UserOut.of(row) for row in page.rows],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


@api.get("/users/{user_id}", response_model=UserDetailOut, responses=ERRORS)
async def api_user(request: Request, user_id: int) -> UserDetailOut:
    async with database_of(request).transaction() as session:
        detail = await admin_users.user_detail(session, user_id)
    if detail is None:
        raise AdminApiError(404, "not_found", f"there is no user {user_id}")
    return UserDetailOut(
        user=UserOut.of(detail.row),
        order_ids=[order.id for order in detail.orders],
        ledger=[
            LedgerEntryOut(
                id=entry.id,
                kind=entry.kind,
                amount_cents=entry.amount_cents,
                reference=entry.reference,
                created_at=entry.created_at.isoformat(),
            )
            for entry in detail.ledger
        ],
        invoice_ids=[invoice.id for invoice in detail.invoices],
        refund_ids=[refund.id for refund in detail.refunds],
        address_labels=[address.label for address in detail.addresses],
    )


@api.post("/users/{user_id}/adjustments", response_model=AdjustmentOut, responses=ERRORS)
async def api_adjust(request: Request, user_id: int, body: AdjustmentIn) -> AdjustmentOut:
    """Credit or debit the balance once per `action_id`."""
    if body.amount_cents == 0:
        raise AdminApiError(400, "invalid", "the amount must not be zero")
    try:
        result = await admin_users.adjust_balance(
            database_of(request),
            api_actor(request),
            user_id,
            body.amount_cents,
            body.reason,
            body.action_id,
            limit_cents=await _adjustment_limit(request, api_identity(request).role),
        )
    except AdminInputError as error:
        raise _refused(error) from None
    return AdjustmentOut(applied=result.applied, balance_cents=result.balance_cents)


@api.put("/users/{user_id}/discount", status_code=204, responses=ERRORS)
async def api_discount(request: Request, user_id: int, body: DiscountIn) -> Response:
    try:
        await admin_users.set_discount(
            database_of(request), api_actor(request), user_id, body.percent, body.reason
        )
    except AdminInputError as error:
        raise _refused(error) from None
    return Response(status_code=204)


@api.post("/users/{user_id}/block", response_model=BlockOut, responses=ERRORS)
async def api_block(request: Request, user_id: int, body: BlockIn) -> BlockOut:
    return await _api_set_blocked(request, user_id, True, body.reason)


@api.post("/users/{user_id}/unblock", response_model=BlockOut, responses=ERRORS)
async def api_unblock(request: Request, user_id: int, body: BlockIn) -> BlockOut:
    return await _api_set_blocked(request, user_id, False, body.reason)


async def _api_set_blocked(request: Request, user_id: int, blocked: bool, reason: str) -> BlockOut:
    try:
        done = await _block(request, api_actor(request), user_id, blocked, reason)
    except AdminInputError as error:
        raise AdminApiError(404, "not_found", str(error)) from None
    return BlockOut(changed=done != "unchanged", told=done in ("blocked", "unblocked"))
