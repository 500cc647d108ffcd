"""Personal API tokens in the panel: each admin creates and revokes their own, owners see and
revoke everyone's. The rules are in shipbot/services/admin_api_tokens.py."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from shipbot.services import admin_api_tokens
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_api_tokens import ApiTokenError
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.web.admin.auth import (
    client_address,
    current_admin,
    database_of,
    form_fields,
    require_csrf,
)
from shipbot.web.admin.rendering import render

pages = APIRouter()
PATH = "/api-tokens"


async def _page(
    request: Request,
    identity: AdminIdentity,
    *,
    status_code: int = 200,
    new_token: str | None = None,
    new_token_name: str | None = None,
    error: str | None = None,
    name: str = "",
) -> Response:
    owner = identity.role is Role.OWNER
    tokens = await admin_api_tokens.list_tokens(
        database_of(request), None if owner else identity.account_id
    )
    return render(
        request,
        "api_tokens.html",
        status_code,
        identity=identity,
        owner=owner,
        tokens=tokens,
        new_token=new_token,
        new_token_name=new_token_name,
        error=error,
        name=name,
        revoked=request.query_params.get("done") == "revoked",
    )


@pages.get(PATH)
async def tokens_page(
    request: Request, identity: AdminIdentity = Depends(current_admin)
) -> Response:
    return await _page(request, identity)


@pages.post(PATH)
async def create_token(
    request: Request,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    """Answered with the page itself, not a redirect: the token is in this response only."""
    try:
        token, view = await admin_api_tokens.create(
            database_of(request), identity.actor(client_address(request)), form.get("name", "")
        )
    except ApiTokenError as error:
        return await _page(
            request,
            identity,
            status_code=400,
            error=f"Not created: {error}.",
            name=form.get("name", ""),
        )
    return await _page(request, identity, new_token=token, new_token_name=view.name)


@pages.post(PATH + "/{token_id}/revoke")
async def revoke_token(
    request: Request,
    token_id: int,
    identity: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    if form.get("confirm") != "yes":
        return await _page(
            request,
            identity,
            status_code=400,
            error="Tick the box to confirm: nothing was revoked.",
        )
    try:
        await admin_api_tokens.revoke(
            database_of(request), token_id, identity.actor(client_address(request)), identity.role
        )
    except ApiTokenError as error:
        return await _page(request, identity, status_code=400, error=f"Not revoked: {error}.")
    return RedirectResponse(f"/admin{PATH}?done=revoked", status_code=303)
