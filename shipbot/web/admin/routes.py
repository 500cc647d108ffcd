"""Every route of the panel and of its API, each area's routers mounted once behind its guard:
a page without a valid session sends the browser to the login form, an API call without the
token gets 401. An area added here is guarded like the others (tests/admin enumerates them)."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Depends
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from shipbot.web.admin import (
    accounts,
    api,
    api_tokens,
    broadcasts,
    dashboard,
    labels,
    monitoring,
    orders,
    pages,
    refunds,
    settings_page,
    topups,
    users,
)
from shipbot.web.admin.auth import current_admin

PAGE_AREAS = (
    pages.panel_router,
    users.pages,
    dashboard.pages,
    monitoring.pages,
    settings_page.pages,
    orders.pages,
    topups.pages,
    refunds.pages,
    labels.pages,
    api_tokens.pages,
    accounts.pages,
)
API_AREAS = (
    api.router,
    users.api,
    dashboard.api,
    monitoring.api,
    settings_page.api,
    broadcasts.api,
    orders.api,
    topups.api,
    refunds.api,
    labels.api,
    accounts.api,
)

panel_router = APIRouter(dependencies=[Depends(current_admin)])
for area in PAGE_AREAS:
    panel_router.include_router(area, prefix=pages.HOME_PATH)

api_router = APIRouter(prefix=api.PREFIX, dependencies=[Depends(api.require_api_token)])
for area in API_AREAS:
    api_router.include_router(area)


@api_router.get("/openapi.json", include_in_schema=False)
async def openapi_document() -> JSONResponse:
    return JSONResponse(_openapi())


@cache
def _openapi() -> dict:
    # Only the admin API: the rest of the application publishes no schema.
    return get_openapi(
        title="shipbot admin API",
        version="1",
        description="Bearer token: ADMIN_API_TOKEN, or a personal token from /admin/api-tokens"
        " (it acts as its admin, with their role).",
        routes=api_router.routes,
    )
