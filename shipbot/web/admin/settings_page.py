"""The shop's settings in the panel and the API (SPEC §4), for owners only: markup, what is
offered, refund windows, support contact, quote lifetime and the panel's own limits. A change
is validated field by field, audited, and used by the next quote on every replica (the rules
are in shipbot/services/shop_settings.py; the text of the form in settings_form.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from shipbot.services import shop_settings
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.audit import Actor
from shipbot.services.settings_form import FIELD_NAMES, form_values, parse_form
from shipbot.services.shop_settings import InvalidSettings, ShopSettings, StaleSettings
from shipbot.web.admin.actors import api_actor
from shipbot.web.admin.api import ERRORS, OWNER_ONLY, AdminApiError, require_api_role
from shipbot.web.admin.auth import client_address, form_fields, require_csrf, require_role
from shipbot.web.admin.rendering import render

pages = APIRouter()
api = APIRouter()
PATH = "/settings"


async def _current(request: Request) -> ShopSettings:
    runtime = request.app.state.runtime
    async with runtime.database.transaction() as session:
        return await shop_settings.current(session, runtime.shop_defaults)


async def _change(request: Request, actor: Actor, form: dict[str, str]) -> ShopSettings:
    """Raises InvalidSettings (by field), StaleSettings, or ValueError for a bad version."""
    version = form.get("version", "")
    if not version.isdigit():
        raise ValueError("the form has no settings version; reload the page")
    runtime = request.app.state.runtime
    return await shop_settings.change(
        runtime.database,
        runtime.shop_defaults,
        actor,
        reason=" ".join(form.get("reason", "").split()) or None,
        expected_version=int(version),
        **parse_form(form),
    )


def _page(
    request: Request,
    identity: AdminIdentity,
    shop: ShopSettings,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings.html",
        status_code,
        identity=identity,
        owner=True,
        shop=shop,
        values=values or form_values(shop),
        errors=errors or {},
        error=error,
        saved=request.query_params.get("done") == "saved",
    )


@pages.get(PATH)
async def settings_page(
    request: Request, identity: AdminIdentity = Depends(require_role(Role.OWNER))
) -> Response:
    return _page(request, identity, await _current(request))


@pages.post(PATH)
async def save_settings(
    request: Request,
    identity: AdminIdentity = Depends(require_role(Role.OWNER)),
    _checked: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    typed = {name: form.get(name, "") for name in FIELD_NAMES}
    try:
        await _change(request, identity.actor(client_address(request)), form)
    except InvalidSettings as invalid:
        return _page(
            request,
            identity,
            await _current(request),
            values=typed,
            errors=invalid.errors,
            error="Not saved: some values need fixing.",
            status_code=400,
        )
    except (StaleSettings, ValueError) as refused:
        return _page(
            request,
            identity,
            await _current(request),
            values=typed,
            error=f"Not saved: {refused}.",
            status_code=409,
        )
    return RedirectResponse(f"/admin{PATH}?done=saved", status_code=303)


class SettingsOut(BaseModel):
    version: int
    values: dict[str, str]  # as the panel's form shows them (settings_form.py)


class SettingsChangeIn(BaseModel):
    version: int
    values: dict[str, str]  # only the fields to change, written as in the form
    reason: str = ""


@api.get(
    PATH,
    response_model=SettingsOut,
    responses={**ERRORS, **OWNER_ONLY},
    dependencies=[Depends(require_api_role(Role.OWNER))],
)
async def api_settings(request: Request) -> SettingsOut:
    shop = await _current(request)
    return SettingsOut(version=shop.version, values=form_values(shop))


@api.patch(
    PATH,
    response_model=SettingsOut,
    responses={**ERRORS, **OWNER_ONLY},
    dependencies=[Depends(require_api_role(Role.OWNER))],
)
async def api_change_settings(request: Request, body: SettingsChangeIn) -> SettingsOut:
    unknown = sorted(set(body.values) - set(FIELD_NAMES))
    if unknown:
        raise AdminApiError(400, "invalid", f"not settings: {', '.join(unknown)}")
    form = {**body.values, "version": str(body.version), "reason": body.reason}
    try:
        shop = await _change(request, api_actor(request), form)
    except InvalidSettings as invalid:
        raise AdminApiError(400, "invalid", str(invalid)) from None
    except StaleSettings as stale:
        raise AdminApiError(409, "stale", str(stale)) from None
    return SettingsOut(version=shop.version, values=form_values(shop))
