"""The panel's pages: login and logout, home and the audit log. Handlers read the request,
call one service and render one template."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from shipbot.services import admin_sessions, audit
from shipbot.services.admin_accounts import LockedOut, LoginFailed, Role
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.web.admin import dashboard
from shipbot.web.admin.auth import (
    CSRF_FIELD,
    LOGIN_PATH,
    check_login_csrf,
    client_address,
    current_admin,
    database_of,
    delete_cookie,
    form_fields,
    login_csrf_cookie_name,
    new_login_csrf_token,
    require_csrf,
    session_cookie_name,
    set_cookie,
)
from shipbot.web.admin.list_params import day
from shipbot.web.admin.rendering import render

HOME_PATH = "/admin"
AUDIT_PAGE_SIZE = 50

# Open to anyone: the login form itself.
login_router = APIRouter(prefix="/admin")
# Mounted behind the login in shipbot/web/admin/routes.py, with every other area's pages.
panel_router = APIRouter()


def _login_form(
    request: Request, csrf_token: str, status_code: int = 200, **context: object
) -> Response:
    response = render(
        request, "login.html", status_code, csrf_field=CSRF_FIELD, csrf_token=csrf_token, **context
    )
    set_cookie(request, response, login_csrf_cookie_name(request), csrf_token)
    return response


@login_router.get("/login")
async def login_page(request: Request) -> Response:
    token = request.cookies.get(session_cookie_name(request))
    if await admin_sessions.resolve(database_of(request), token) is not None:
        return RedirectResponse(HOME_PATH, status_code=303)
    return _login_form(request, new_login_csrf_token())


@login_router.post("/login")
async def log_in(request: Request, form: dict[str, str] = Depends(form_fields)) -> Response:
    csrf_token = check_login_csrf(request, form)
    username = form.get("username", "")
    try:
        token, _ = await admin_sessions.log_in(
            database_of(request), username, form.get("password", ""), client_address(request)
        )
    except LoginFailed:
        return _login_form(
            request, csrf_token, 401, username=username, error="Wrong username or password."
        )
    except LockedOut as locked:
        return _login_form(
            request,
            csrf_token,
            429,
            username=username,
            error=f"Too many failed logins. Try again after {locked.until:%H:%M} UTC.",
        )
    response = RedirectResponse(HOME_PATH, status_code=303)
    set_cookie(request, response, session_cookie_name(request), token)
    delete_cookie(request, response, login_csrf_cookie_name(request))
    return response


@panel_router.post("/logout")
async def log_out(request: Request, identity: AdminIdentity = Depends(require_csrf)) -> Response:
    await admin_sessions.log_out(database_of(request), identity, client_address(request))
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    delete_cookie(request, response, session_cookie_name(request))
    return response


@panel_router.get("")
async def home(
    request: Request,
    identity: AdminIdentity = Depends(current_admin),
    query: dashboard.DashboardQuery = Depends(dashboard.dashboard_query),
) -> Response:
    """The dashboard: what an operator looks at first."""
    return await dashboard.dashboard_page(request, identity, query)


@panel_router.get("/audit")
async def audit_log(
    request: Request,
    identity: AdminIdentity = Depends(current_admin),
    admin: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    before: int | None = Query(None, ge=1),
) -> Response:
    """Newest first, filtered by who, what and which days (both inclusive, UTC)."""
    first, last = day(since, "From"), day(until, "To")
    filters = audit.AuditFilter.of_days(admin, action, first, last)
    database = database_of(request)
    page = await audit.list_entries(database, filters, before_id=before, limit=AUDIT_PAGE_SIZE)
    query = {
        "admin": admin,
        "action": action,
        "since": first.isoformat() if first else "",
        "until": last.isoformat() if last else "",
    }
    kept = {name: value for name, value in query.items() if value}
    older = (
        f"/admin/audit?{urlencode({**kept, 'before': page.next_cursor})}"
        if page.next_cursor
        else None
    )
    newest = f"/admin/audit?{urlencode(kept)}" if before is not None else None
    return render(
        request,
        "audit.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        page=page,
        actions=await audit.list_actions(database),
        query=query,
        older_url=older,
        newest_url=newest,
    )
