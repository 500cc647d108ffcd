"""The shop's settings in the panel and the API (SPEC §4), for owners only: markup, what is
offered, refund windows, support contact, quote lifetime and the panel's own limits. A change
is validated field by field, audited, and used by the next quote on every replica (the rules
are in shipbot/services/shop_settings.py; the text of the form in settings_form.py).

Maintenance mode is switched here too (SPEC §3.7; shipbot/services/maintenance.py): on, with
an optional "expected back" text, and off, optionally telling the users it turned away."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from shipbot.bot.maintenance_news import tell_back
from shipbot.services import maintenance, shop_settings
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
MAINTENANCE_PATH = "/settings/maintenance"
DONE = {
    "saved": "The settings were saved.",
    "maintenance_on": "Maintenance is on: users are turned away, admins pass.",
    "maintenance_note": "The expected-back text was changed.",
    "maintenance_off": "Maintenance is off.",
    "maintenance_told": "Maintenance is off; the users it turned away are being told.",
    "maintenance_same": "Nothing changed.",
}


class MaintenanceOut(BaseModel):
    on: bool
    note: str | None = None
    since: datetime | None = None
    started_by: str | None = None
    turned_away: int = 0  # users told of the period in force
    told: int = 0  # users being told that the bot is back (after switching it off)


class MaintenanceIn(BaseModel):
    on: bool
    note: str = ""  # when the bot is expected back, shown to users
    tell_users: bool = False  # when switching off: tell the users it turned away
    reason: str = ""


async def _current(request: Request) -> ShopSettings:
    runtime = request.app.state.runtime
    async with runtime.database.transaction() as session:
        return await shop_settings.current(session, runtime.shop_defaults)


async def _maintenance(request: Request) -> MaintenanceOut:
    async with request.app.state.runtime.database.transaction() as session:
        period = await maintenance.open_period(session)
        if period is None:
            return MaintenanceOut(on=False)
        turned_away = await maintenance.turned_away_count(session, period.id)
    return MaintenanceOut(
        on=True,
        note=period.note,
        since=period.started_at,
        started_by=period.started_by,
        turned_away=turned_away,
    )


async def _switch(
    request: Request, actor: Actor, on: bool, note: str, tell: bool, reason: str
) -> tuple[maintenance.Switched, int]:
    """The switch, and how many users are being told the bot is back. Raises InvalidNote."""
    runtime = request.app.state.runtime
    switched = await maintenance.switch(runtime.database, actor, on=on, note=note, reason=reason)
    told = switched.turned_away if tell else []
    if told:
        tell_back(runtime, told)
    return switched, len(told)


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


async def _page(
    request: Request,
    identity: AdminIdentity,
    shop: ShopSettings,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    maintenance_state = await _maintenance(request)
    return render(
        request,
        "settings.html",
        status_code,
        identity=identity,
        owner=True,
        shop=shop,
        maintenance=maintenance_state,
        values=values or form_values(shop),
        errors=errors or {},
        error=error,
        done=DONE.get(request.query_params.get("done", "")),
    )


@pages.get(PATH)
async def settings_page(
    request: Request, identity: AdminIdentity = Depends(require_role(Role.OWNER))
) -> Response:
    return await _page(request, identity, await _current(request))


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
        return await _page(
            request,
            identity,
            await _current(request),
            values=typed,
            errors=invalid.errors,
            error="Not saved: some values need fixing.",
            status_code=400,
        )
    except (StaleSettings, ValueError) as refused:
        return await _page(
            request,
            identity,
            await _current(request),
            values=typed,
            error=f"Not saved: {refused}.",
            status_code=409,
        )
    return RedirectResponse(f"/admin{PATH}?done=saved", status_code=303)


@pages.post(MAINTENANCE_PATH)
async def switch_maintenance(
    request: Request,
    identity: AdminIdentity = Depends(require_role(Role.OWNER)),
    _checked: AdminIdentity = Depends(require_csrf),
    form: dict[str, str] = Depends(form_fields),
) -> Response:
    try:
        switched, told = await _switch(
            request,
            identity.actor(client_address(request)),
            form.get("on") == "1",
            form.get("note", ""),
            form.get("tell") == "1",
            form.get("reason", ""),
        )
    except maintenance.InvalidNote as invalid:
        return await _page(
            request,
            identity,
            await _current(request),
            error=f"Not switched: {invalid}.",
            status_code=400,
        )
    done = switched.action or "maintenance_same"
    if told:
        done = "maintenance_told"
    return RedirectResponse(f"/admin{PATH}?done={done}", status_code=303)


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


@api.get(
    MAINTENANCE_PATH,
    response_model=MaintenanceOut,
    responses={**ERRORS, **OWNER_ONLY},
    dependencies=[Depends(require_api_role(Role.OWNER))],
)
async def api_maintenance(request: Request) -> MaintenanceOut:
    return await _maintenance(request)


@api.put(
    MAINTENANCE_PATH,
    response_model=MaintenanceOut,
    responses={**ERRORS, **OWNER_ONLY},
    dependencies=[Depends(require_api_role(Role.OWNER))],
)
async def api_switch_maintenance(request: Request, body: MaintenanceIn) -> MaintenanceOut:
    try:
        _, told = await _switch(
            request, api_actor(request), body.on, body.note, body.tell_users, body.reason
        )
    except maintenance.InvalidNote as invalid:
        raise AdminApiError(400, "invalid", str(invalid)) from None
    return (await _maintenance(request)).model_copy(update={"told": told})
