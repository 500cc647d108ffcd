"""The admin JSON API's common ground (SPEC §4): bearer-token auth, with ADMIN_API_TOKEN or an
admin's personal token, and roles; one error body shape, {"error": {"code": ..., "message":
...}}; and the audit log's endpoint. Each area of the panel adds its own endpoints, calling the
same services as its pages; they are mounted together, behind the token, in
shipbot/web/admin/routes.py."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from shipbot.services import admin_api_tokens, audit
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_api_tokens import ApiIdentity
from shipbot.services.admin_lists import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shipbot.web.admin.auth import database_of, settings_of

PREFIX = "/api/admin"
_bearer = HTTPBearer(auto_error=False)
# ADMIN_API_TOKEN belongs to no account: it has the owner's rights, and the audit log names it
# "api".
SHARED_TOKEN = ApiIdentity(account_id=None, username="api", role=Role.OWNER)


class AdminApiError(Exception):
    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers


def error_response(
    status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status_code, headers=headers
    )


async def require_api_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> ApiIdentity:
    """ADMIN_API_TOKEN or a personal token; who it is stays on the request for api_identity.
    Unset ADMIN_API_TOKEN closes the API to everything but personal tokens."""
    expected = settings_of(request).admin_api_token
    given = credentials.credentials if credentials else ""
    if expected and hmac.compare_digest(given.encode(), expected.encode()):
        identity: ApiIdentity | None = SHARED_TOKEN
    else:
        identity = await admin_api_tokens.resolve(database_of(request), given)
    if identity is None:
        raise AdminApiError(
            401,
            "unauthorized",
            "a valid admin API token is required (Authorization: Bearer ...)",
            {"WWW-Authenticate": "Bearer"},
        )
    request.state.api_identity = identity
    return identity


def api_identity(request: Request) -> ApiIdentity:
    """Who the request's token belongs to; set by require_api_token, which guards every route."""
    return request.state.api_identity


def require_api_role(*roles: Role | str) -> Callable[[Request], Awaitable[None]]:
    """A route dependency admitting the given roles only, as require_role does on the panel:
    `dependencies=[Depends(require_api_role(Role.OWNER))]`; other roles get 403."""
    allowed = {Role(role) for role in roles}

    async def check(request: Request) -> None:
        role = api_identity(request).role
        if role not in allowed:
            raise AdminApiError(403, "forbidden", f"the {role.value} role may not do this")

    return check


router = APIRouter()


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    admin_account_id: int | None
    admin_username: str | None
    client_address: str | None
    action: str
    target_type: str | None
    target_id: str | None
    before: dict | None
    after: dict | None
    reason: str | None


class AuditPageOut(BaseModel):
    items: list[AuditEntryOut]
    # Pass as `cursor` for the next, older page; null on the last page.
    next_cursor: int | None


ERRORS = {
    401: {"model": ErrorBody, "description": "missing or wrong token"},
    422: {"model": ErrorBody, "description": "invalid parameters"},
}
OWNER_ONLY = {403: {"model": ErrorBody, "description": "the token's role may not do this"}}


@router.get("/audit", response_model=AuditPageOut, responses=ERRORS)
async def list_audit(
    request: Request,
    admin: str | None = Query(None, description="admin username"),
    action: str | None = None,
    since: date | None = Query(None, description="first day, inclusive (UTC)"),
    until: date | None = Query(None, description="last day, inclusive (UTC)"),
    cursor: int | None = Query(None, ge=1, description="next_cursor of the previous page"),
    limit: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
) -> AuditPageOut:
    """The audit log, newest first."""
    filters = audit.AuditFilter.of_days(admin, action, since, until)
    page = await audit.list_entries(database_of(request), filters, before_id=cursor, limit=limit)
    return AuditPageOut(
        items=[AuditEntryOut.model_validate(entry, from_attributes=True) for entry in page.entries],
        next_cursor=page.next_cursor,
    )
