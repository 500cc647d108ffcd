"""Who is asking, and may they: the panel's session cookie, CSRF tokens and roles, as FastAPI
dependencies. A page that depends on `current_admin` is closed to anonymous requests, which
are sent to the login page."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response

from shipbot.config import Settings
from shipbot.db.database import Database
from shipbot.services import admin_sessions
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.web.bodies import read_body

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
FORM_LIMIT = 64 * 1024  # the panel's forms are a few fields of text
LOGIN_PATH = "/admin/login"


class LoginRequired(Exception):
    """No valid session: the request is sent to the login page."""


class PanelRefusal(Exception):
    """A panel request refused with a status and a message for a person."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def csrf_refused() -> PanelRefusal:
    return PanelRefusal(
        403,
        "This form has expired or did not come from this panel. Reload the page and try again.",
    )


def settings_of(request: Request) -> Settings:
    return request.app.state.runtime.settings


def database_of(request: Request) -> Database:
    return request.app.state.runtime.database


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _secure(request: Request) -> bool:
    return settings_of(request).public_base_url.startswith("https://")


def _cookie_name(request: Request, name: str) -> str:
    # Over https the __Host- prefix makes browsers refuse the cookie unless this very host set
    # it Secure on path /: a sibling subdomain cannot plant or overwrite it.
    return f"__Host-{name}" if _secure(request) else name


def session_cookie_name(request: Request) -> str:
    return _cookie_name(request, "shipbot_admin")


def login_csrf_cookie_name(request: Request) -> str:
    return _cookie_name(request, "shipbot_admin_login")


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """HttpOnly, SameSite=Lax, path /, Secure over https; ends with the browser session (the
    server decides when a session expires)."""
    response.set_cookie(
        name, value, path="/", secure=_secure(request), httponly=True, samesite="lax"
    )


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=_secure(request), httponly=True, samesite="lax")


async def form_fields(request: Request) -> dict[str, str]:
    """The URL-encoded form, read up to FORM_LIMIT (413 beyond); the last value of a repeated
    field wins."""
    body = await read_body(request, FORM_LIMIT)
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


async def current_admin(request: Request) -> AdminIdentity:
    token = request.cookies.get(session_cookie_name(request))
    identity = await admin_sessions.resolve(database_of(request), token)
    if identity is None:
        raise LoginRequired()
    return identity


def require_role(*roles: Role | str) -> Callable[..., Awaitable[AdminIdentity]]:
    """A dependency admitting the given roles only: `Depends(require_role("owner"))`; other
    roles get 403."""
    allowed = {Role(role) for role in roles}

    async def check(identity: AdminIdentity = Depends(current_admin)) -> AdminIdentity:
        if identity.role not in allowed:
            raise PanelRefusal(403, "Your role does not give access to this page.")
        return identity

    return check


async def require_csrf(
    request: Request,
    identity: AdminIdentity = Depends(current_admin),
    form: dict[str, str] = Depends(form_fields),
) -> AdminIdentity:
    """For every state-changing request: the session's token, from the X-CSRF-Token header
    (htmx) or the csrf_token form field."""
    given = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD, "")
    if not hmac.compare_digest(given.encode(), identity.csrf_token.encode()):
        raise csrf_refused()
    return identity


def new_login_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def check_login_csrf(request: Request, form: dict[str, str]) -> str:
    """Double submit: the login form's hidden field must repeat the cookie set with the form.
    A page on another site can post the form but can neither read nor set that cookie."""
    cookie = request.cookies.get(login_csrf_cookie_name(request), "")
    given = form.get(CSRF_FIELD, "")
    if not cookie or not hmac.compare_digest(given.encode(), cookie.encode()):
        raise csrf_refused()
    return cookie
